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
    FunnelAccount,
    HistoryMonth,
    HistoryPriceItem,
    HistoryProduct,
    OpenDeal,
    PipelineRuleRow,
    PipelineStageRow,
    RawVisit,
    Removal,
    RouteVersion,
    ScheduledVisit,
    SimAccount,
    SimRep,
    StoredHandover,
    StoredTask,
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


# --- the demo's deal history (backend/simulation/pipeline_history.py) ---------------------------------

DEAL_COLUMNS = (
    "id",
    "pipeline_id",
    "account_id",
    "stage_id",
    "status",
    "owner_id",
    "source",
    "amount",
    "expected_close_day",
    "lost_reason",
    "title",
    "created_by",
    "created_at",
    "stage_entered_at",
    "closed_at",
    "updated_at",
)
STAGE_CHANGE_COLUMNS = ("deal_id", "from_stage_id", "to_stage_id", "changed_by", "changed_at")
HANDOVER_COLUMNS = (
    "deal_id",
    "account_id",
    "from_user_id",
    "to_user_id",
    "rule_id",
    "reason",
    "created_by",
    "created_at",
)
TASK_COLUMNS = (
    "id",
    "owner_id",
    "account_id",
    "deal_id",
    "kind",
    "title",
    "note",
    "due_at",
    "remind_at",
    "reminded_at",
    "status",
    "done_at",
    "created_by",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "id",
    "account_id",
    "deal_id",
    "user_id",
    "kind",
    "direction",
    "occurred_at",
    "duration_s",
    "outcome",
    "note",
    "created_at",
)


async def pipeline_stages_of(conn: asyncpg.Connection, code: str) -> list[PipelineStageRow]:
    return [msgspec.convert(dict(row), PipelineStageRow) for row in await conn.fetch(Q["pipeline_stages_of"], code)]


async def pipeline_rules_of(conn: asyncpg.Connection, pipeline_id: int) -> list[PipelineRuleRow]:
    rows = await conn.fetch(Q["pipeline_rules_of"], pipeline_id)
    return [msgspec.convert(dict(row), PipelineRuleRow) for row in rows]


async def territory_role_holders(conn: asyncpg.Connection) -> dict[tuple[int, str], int]:
    """(territory, sales role) -> the user playing it."""
    rows = await conn.fetch(Q["territory_role_holders"])
    return {(row["territory_id"], row["sales_role"]): row["user_id"] for row in rows}


async def first_admin(conn: asyncpg.Connection) -> int | None:
    found: int | None = await conn.fetchval(Q["first_admin"])
    return found


async def deals_exist(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(Q["deals_exist"]))


async def copy_history_deals(
    conn: asyncpg.Connection,
    deals: list[tuple[Any, ...]],
    changes: list[tuple[Any, ...]],
    handovers: list[tuple[Any, ...]],
    tasks: list[tuple[Any, ...]],
    activities: list[tuple[Any, ...]],
) -> None:
    """COPY the deals with their stage changes and hand-overs, the tasks and the calls."""
    await conn.copy_records_to_table("deals", records=deals, columns=DEAL_COLUMNS)
    await conn.copy_records_to_table("deal_stage_changes", records=changes, columns=STAGE_CHANGE_COLUMNS)
    await conn.copy_records_to_table("handovers", records=handovers, columns=HANDOVER_COLUMNS)
    await conn.copy_records_to_table("sales_tasks", records=tasks, columns=TASK_COLUMNS)
    await conn.copy_records_to_table("activities", records=activities, columns=ACTIVITY_COLUMNS)


async def set_history_account_managers(conn: asyncpg.Connection, managers: dict[int, int]) -> None:
    accounts = sorted(managers)
    await conn.execute(Q["set_history_account_managers"], accounts, [managers[a] for a in accounts])


async def insert_history_source_costs(
    conn: asyncpg.Connection, costs: list[tuple[str, dt.date, Decimal]], admin_id: int | None
) -> int:
    status: str = await conn.execute(
        Q["insert_history_source_costs"],
        [c[0] for c in costs],
        [c[1] for c in costs],
        [c[2] for c in costs],
        admin_id,
    )
    return int(status.split()[-1])


# --- the simulated funnel (backend/simulation/funnel.py) ----------------------------------------------


async def funnel_accounts(conn: asyncpg.Connection, account_ids: list[int]) -> dict[int, FunnelAccount]:
    rows = await conn.fetch(Q["funnel_accounts"], account_ids)
    return {row["id"]: msgspec.convert(dict(row), FunnelAccount) for row in rows}


async def open_pipeline_deals(conn: asyncpg.Connection, pipeline_code: str) -> list[OpenDeal]:
    return [msgspec.convert(dict(row), OpenDeal) for row in await conn.fetch(Q["open_pipeline_deals"], pipeline_code)]


async def handovers_of_deals(conn: asyncpg.Connection, deal_ids: list[Any], since: dt.datetime) -> list[StoredHandover]:
    rows = await conn.fetch(Q["handovers_of_deals"], deal_ids, since)
    return [msgspec.convert(dict(row), StoredHandover) for row in rows]


async def task_states(conn: asyncpg.Connection, task_ids: list[Any]) -> list[StoredTask]:
    return [msgspec.convert(dict(row), StoredTask) for row in await conn.fetch(Q["task_states"], task_ids)]


async def telemarketers(conn: asyncpg.Connection) -> list[tuple[int, str]]:
    return [(row["id"], row["email"]) for row in await conn.fetch(Q["telemarketers"])]


async def accounts_of_lost_deals(conn: asyncpg.Connection, user_id: int) -> list[int]:
    return [row["account_id"] for row in await conn.fetch(Q["accounts_of_lost_deals"], user_id)]


async def past_retention(
    conn: asyncpg.Connection, now: dt.datetime, horizon_days: int, grace: dt.timedelta
) -> dict[str, int]:
    row = await conn.fetchrow(Q["past_retention"], now, horizon_days, grace)
    assert row is not None
    return {key: int(value) for key, value in dict(row).items()}
