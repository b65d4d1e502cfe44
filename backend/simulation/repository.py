"""SQL of the simulator (queries.sql): raw reads for behaviour and for the invariants' recounts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.simulation.schemas import (
    CoverageCount,
    DayTask,
    HistoryMonth,
    HistoryPriceItem,
    HistoryProduct,
    RawVisit,
    Removal,
    RouteVersion,
    ScheduledVisit,
    SimAccount,
    SimRep,
)

Q = load_queries("backend.simulation")


async def reps(conn: asyncpg.Connection) -> list[SimRep]:
    return [msgspec.convert(dict(row), SimRep) for row in await conn.fetch(Q["reps"])]


async def territory_accounts(conn: asyncpg.Connection, territory_id: int) -> list[SimAccount]:
    rows = await conn.fetch(Q["territory_accounts"], territory_id)
    return [msgspec.convert({**dict(row), "hours": _json(row["hours"])}, SimAccount) for row in rows]


async def route_versions_of_day(conn: asyncpg.Connection, day: dt.date) -> list[RouteVersion]:
    rows = await conn.fetch(Q["route_versions_of_day"], day)
    return [
        msgspec.convert(
            {**dict(row), "unassigned": _json(row["unassigned"]), "due_days": list(row["due_days"])}, RouteVersion
        )
        for row in rows
    ]


def _json(value: object) -> list[Any]:
    if value is None:
        return []
    loaded = json.loads(value) if isinstance(value, str) else value
    return list(loaded) if isinstance(loaded, list) else []


async def visits_of_day(conn: asyncpg.Connection, day: dt.date) -> list[RawVisit]:
    return [msgspec.convert(dict(row), RawVisit) for row in await conn.fetch(Q["visits_of_day"], day)]


async def visit_days(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
    return {row["account_id"]: set(row["days"]) for row in await conn.fetch(Q["visit_days"], first, last)}


async def scheduled_for_day(conn: asyncpg.Connection, day: dt.date) -> list[ScheduledVisit]:
    return [msgspec.convert(dict(row), ScheduledVisit) for row in await conn.fetch(Q["scheduled_for_day"], day)]


async def tasks_for_day(conn: asyncpg.Connection, day: dt.date) -> list[DayTask]:
    return [msgspec.convert(dict(row), DayTask) for row in await conn.fetch(Q["tasks_for_day"], day)]


async def coverage_recount(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> list[CoverageCount]:
    return [msgspec.convert(dict(row), CoverageCount) for row in await conn.fetch(Q["coverage_recount"], first, last)]


async def removals_of_day(conn: asyncpg.Connection, day: dt.date) -> list[Removal]:
    return [msgspec.convert(dict(row), Removal) for row in await conn.fetch(Q["removals_of_day"], day)]


async def days_off(conn: asyncpg.Connection) -> tuple[set[dt.date], dict[int, set[dt.date]]]:
    """Public holidays (every region) and each rep's absent days, as recorded."""
    holidays = {row["day"] for row in await conn.fetch(Q["holidays"])}
    absent: dict[int, set[dt.date]] = {}
    for row in await conn.fetch(Q["absences"]):
        day: dt.date = row["first_day"]
        while day <= row["last_day"]:
            absent.setdefault(row["rep_id"], set()).add(day)
            day += dt.timedelta(days=1)
    return holidays, absent


async def lock_timer(conn: asyncpg.Connection) -> None:
    await conn.execute(Q["lock_timer"])


async def rep_days_of_runs(conn: asyncpg.Connection, run_ids: list[int], day: dt.date) -> int:
    count: int = await conn.fetchval(Q["rep_days_of_runs"], run_ids, day)
    return count


# --- the demo's order history (backend/simulation/history.py) ----------------------------------------

ORDER_COLUMNS = (
    "id",
    "account_id",
    "rep_id",
    "visit_id",
    "territory_id",
    "status",
    "ordered_at",
    "order_day",
    "delivery_day",
    "total_amount",
    "total_units",
    "line_count",
    "category_mask",
    "received_at",
    "updated_at",
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "product_id",
    "price_list_id",
    "quantity",
    "list_price",
    "discount_pct",
    "amount",
    "order_day",
    "status",
    "account_id",
    "rep_id",
    "territory_id",
    "category_id",
)
STATUS_COLUMNS = ("order_id", "from_status", "to_status", "changed_by", "changed_at")


async def history_price_items(conn: asyncpg.Connection) -> list[HistoryPriceItem]:
    return [msgspec.convert(dict(row), HistoryPriceItem) for row in await conn.fetch(Q["history_price_items"])]


async def history_products(conn: asyncpg.Connection) -> list[HistoryProduct]:
    return [msgspec.convert(dict(row), HistoryProduct) for row in await conn.fetch(Q["history_products"])]


async def rep_supervisors(conn: asyncpg.Connection) -> dict[int, int | None]:
    return {row["rep_id"]: row["supervisor_id"] for row in await conn.fetch(Q["rep_supervisors"])}


async def history_taken(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> bool:
    return bool(await conn.fetchval(Q["history_taken"], first, last))


async def insert_history_visits(conn: asyncpg.Connection, columns: list[list[Any]]) -> None:
    await conn.execute(Q["insert_history_visits"], *columns)


async def copy_history_orders(
    conn: asyncpg.Connection, orders: list[tuple[Any, ...]], lines: list[tuple[Any, ...]], moves: list[tuple[Any, ...]]
) -> None:
    """COPY the orders, their lines (the month roll-up trigger fires per line) and status changes."""
    await conn.copy_records_to_table("orders", records=orders, columns=ORDER_COLUMNS)
    await conn.copy_records_to_table("order_lines", records=lines, columns=LINE_COLUMNS)
    await conn.copy_records_to_table("order_status_changes", records=moves, columns=STATUS_COLUMNS)


async def history_month_totals(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> list[HistoryMonth]:
    rows = await conn.fetch(Q["history_month_totals"], first, last)
    return [msgspec.convert(dict(row), HistoryMonth) for row in rows]


async def hunter_ids(conn: asyncpg.Connection) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["hunter_ids"])]


async def insert_history_plans(conn: asyncpg.Connection, first: dt.date, last: dt.date, growth: Decimal) -> int:
    status: str = await conn.execute(Q["insert_history_plans"], first, last, growth)
    return int(status.split()[-1])
