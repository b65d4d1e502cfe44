"""SQL of the pipeline figures: deal figures take the caller's accounts, people figures the caller's
people (the scope functions of migrations 0007 and 0014); the cohort and the stays are migration 0019."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.pipeline_reports.schemas import (
    CohortCounts,
    ManagerCounts,
    Person,
    PersonCalls,
    PersonDeals,
    PipelineRef,
    SourceCost,
    StageCounts,
    WonAccountOrders,
)

Q = load_queries("backend.pipeline_reports")
T = TypeVar("T", bound=msgspec.Struct)


def _structs(rows: list[asyncpg.Record], kind: type[T]) -> list[T]:
    return [msgspec.convert(dict(row), kind) for row in rows]


async def report_settings(conn: asyncpg.Connection) -> None:
    await conn.execute(Q["report_settings"])


async def pipeline(conn: asyncpg.Connection, pipeline_id: int | None) -> PipelineRef | None:
    """The pipeline `pipeline_id`; None given: the first active pipeline."""
    if pipeline_id is None:
        row = await conn.fetchrow(Q["first_active_pipeline"])
    else:
        row = await conn.fetchrow(Q["pipeline_by_id"], pipeline_id)
    return None if row is None else msgspec.convert(dict(row), PipelineRef)


async def funnel_stages(
    conn: asyncpg.Connection, role: str, user_id: int, pipeline_id: int, first: dt.date, last: dt.date, tz: str
) -> list[StageCounts]:
    rows = await conn.fetch(Q["funnel_stages"], role, user_id, pipeline_id, first, last, tz)
    return _structs(rows, StageCounts)


async def cohort_totals(
    conn: asyncpg.Connection, role: str, user_id: int, pipeline_id: int | None, first: dt.date, last: dt.date, tz: str
) -> list[CohortCounts]:
    """Per source, then the total (source None) last."""
    rows = await conn.fetch(Q["cohort_totals"], role, user_id, pipeline_id, first, last, tz)
    return _structs(rows, CohortCounts)


async def all_leads_per_source(conn: asyncpg.Connection, first: dt.date, last: dt.date, tz: str) -> dict[str, int]:
    return {row["source"]: row["leads"] for row in await conn.fetch(Q["all_leads_per_source"], first, last, tz)}


async def source_costs(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> dict[str, float]:
    return {row["source"]: row["cost"] for row in await conn.fetch(Q["source_costs"], first, last)}


async def people_in_scope(
    conn: asyncpg.Connection, role: str, user_id: int, sales_role: str | None, person_id: int | None = None
) -> list[Person]:
    return _structs(await conn.fetch(Q["people_in_scope"], role, user_id, sales_role, person_id), Person)


async def person_in_scope(conn: asyncpg.Connection, role: str, user_id: int, person_id: int) -> Person | None:
    row = await conn.fetchrow(Q["person_in_scope"], role, user_id, person_id)
    return None if row is None else msgspec.convert(dict(row), Person)


async def person_deal_figures(
    conn: asyncpg.Connection, first: dt.date, last: dt.date, tz: str, user_ids: list[int]
) -> dict[int, PersonDeals]:
    rows = _structs(await conn.fetch(Q["person_deal_figures"], first, last, tz, user_ids), PersonDeals)
    return {row.user_id: row for row in rows}


async def won_account_orders(
    conn: asyncpg.Connection, first: dt.date, last: dt.date, tz: str, user_ids: list[int], statuses: list[str]
) -> dict[int, WonAccountOrders]:
    rows = await conn.fetch(Q["won_account_orders"], first, last, tz, user_ids, statuses)
    return {row.user_id: row for row in _structs(rows, WonAccountOrders)}


async def person_calls(
    conn: asyncpg.Connection, first: dt.date, last: dt.date, tz: str, user_ids: list[int]
) -> dict[int, PersonCalls]:
    rows = _structs(await conn.fetch(Q["person_calls"], first, last, tz, user_ids), PersonCalls)
    return {row.user_id: row for row in rows}


async def manager_figures(
    conn: asyncpg.Connection,
    user_ids: list[int],
    period: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
    statuses: list[str],
) -> dict[int, ManagerCounts]:
    rows = await conn.fetch(Q["manager_figures"], user_ids, *period, *previous, statuses)
    return {row.user_id: row for row in _structs(rows, ManagerCounts)}


async def upsert_source_cost(
    conn: asyncpg.Connection, source: str, month: dt.date, amount: float, user_id: int
) -> None:
    await conn.execute(Q["upsert_source_cost"], source, month, amount, user_id)


async def source_costs_between(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> list[SourceCost]:
    return _structs(await conn.fetch(Q["source_costs_between"], first, last), SourceCost)
