"""SQL for sales figures; reads always take the caller's scope."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.sales.schemas import (
    BaseRow,
    ChurnCounts,
    ChurnedAccount,
    KpiCounts,
    MonthAmount,
    PlanFact,
    PlanFactGroup,
    SalesFact,
    ShelfCounts,
)

Q = load_queries("backend.sales")


async def rep_ids_by_email(conn: asyncpg.Connection, emails: list[str]) -> dict[str, int]:
    return {row["email"]: row["id"] for row in await conn.fetch(Q["rep_ids_by_email"], emails)}


async def upsert_months(
    conn: asyncpg.Connection,
    rows: list[tuple[int, str, str, dt.date, float | None, float | None, str, float | None, float | None]],
) -> None:
    await conn.executemany(Q["upsert_month"], rows)


async def facts_in_scope(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[SalesFact]:
    rows = await conn.fetch(Q["facts_in_scope"], role, user_id, first, last)
    return [msgspec.convert(dict(row), SalesFact) for row in rows]


async def upsert_plan(
    conn: asyncpg.Connection,
    rep_id: int,
    category: str,
    region: str,
    month: dt.date,
    plan_amount: float | None,
    plan_units: float | None,
) -> None:
    await conn.execute(Q["upsert_plan"], rep_id, category, region, month, plan_amount, plan_units)


async def reps_in_scope(conn: asyncpg.Connection, role: str, user_id: int, rep_ids: list[int]) -> set[int]:
    return {row["id"] for row in await conn.fetch(Q["reps_in_scope"], role, user_id, rep_ids)}


async def plans_in_scope(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[PlanFact]:
    rows = await conn.fetch(Q["plans_in_scope"], role, user_id, first, last)
    return [msgspec.convert(dict(row), PlanFact) for row in rows]


async def order_fact_grouped(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    first: dt.date,
    last: dt.date,
    statuses: list[str],
    territory_id: int | None,
    group: str,
) -> list[PlanFactGroup]:
    rows = await conn.fetch(Q["order_fact_grouped"], role, user_id, first, last, statuses, territory_id, group)
    return [
        PlanFactGroup(key=row["key"], rep_name=row["rep_name"], order_amount=row["amount"], order_units=row["units"])
        for row in rows
    ]


async def plans_grouped(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date, group: str
) -> list[PlanFactGroup]:
    rows = await conn.fetch(Q["plans_grouped"], role, user_id, first, last, group)
    return [msgspec.convert(dict(row), PlanFactGroup) for row in rows]


async def order_kpis(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    first: dt.date,
    last: dt.date,
    statuses: list[str],
    group: str,
    territory_id: int | None,
    segment_id: int | None = None,
) -> list[KpiCounts]:
    rows = await conn.fetch(Q["order_kpis"], role, user_id, first, last, statuses, group, territory_id, segment_id)
    return [msgspec.convert(dict(row), KpiCounts) for row in rows]


async def active_base(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date, territory_id: int | None
) -> list[BaseRow]:
    rows = await conn.fetch(Q["active_base"], role, user_id, first, last, territory_id)
    return [msgspec.convert({**dict(row), "akb_okb_ratio": None}, BaseRow) for row in rows]


async def churn(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    period: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
    territory_id: int | None,
) -> list[ChurnCounts]:
    rows = await conn.fetch(Q["churn"], role, user_id, *period, *previous, territory_id)
    return [msgspec.convert(dict(row), ChurnCounts) for row in rows]


async def churned_accounts(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    period: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
) -> list[ChurnedAccount]:
    rows = await conn.fetch(Q["churned_accounts"], role, user_id, *period, *previous)
    return [msgspec.convert(dict(row), ChurnedAccount) for row in rows]


async def monthly_fact_by_category(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date, statuses: list[str]
) -> list[MonthAmount]:
    rows = await conn.fetch(Q["monthly_fact_by_category"], role, user_id, first, last, statuses)
    return [msgspec.convert(dict(row), MonthAmount) for row in rows]


async def names(conn: asyncpg.Connection, kind: str, ids: list[int]) -> dict[int, str]:
    query = Q["rep_names"] if kind == "rep" else Q["territory_names"]
    return {row["id"]: row["name"] for row in await conn.fetch(query, ids)}


async def shelf_counts(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date, time_zone: str, group: str
) -> list[ShelfCounts]:
    rows = await conn.fetch(Q["shelf_counts"], role, user_id, first, last, time_zone, group)
    return [msgspec.convert(dict(row), ShelfCounts) for row in rows]


async def report_settings(conn: asyncpg.Connection) -> None:
    await conn.fetchrow(Q["report_settings"])
