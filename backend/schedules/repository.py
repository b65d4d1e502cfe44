"""SQL for visit schedules."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.schedules.schemas import ScheduleAccountRow, ScheduleRepRow

Q = load_queries("backend.schedules")


async def schedule_rep(conn: asyncpg.Connection, rep_id: int, role: str, caller_id: int) -> ScheduleRepRow | None:
    row = await conn.fetchrow(Q["schedule_rep"], rep_id, role, caller_id)
    return None if row is None else msgspec.convert(dict(row), ScheduleRepRow)


async def schedule_accounts(conn: asyncpg.Connection, rep_id: int) -> list[ScheduleAccountRow]:
    return [msgspec.convert(dict(row), ScheduleAccountRow) for row in await conn.fetch(Q["schedule_accounts"], rep_id)]


async def insert_schedule(
    conn: asyncpg.Connection,
    rep_id: int,
    start: dt.date,
    weeks: int,
    feasible: bool,
    report: dict[str, object],
    created_by: int | None,
    visits: list[tuple[int, dt.date]],
) -> int:
    end = start + dt.timedelta(weeks=weeks)
    schedule_id: int = await conn.fetchval(
        Q["insert_schedule"], rep_id, start, weeks, end, feasible, report, created_by
    )
    await conn.executemany(Q["insert_scheduled_visit"], [(schedule_id, a, d) for a, d in visits])
    return schedule_id
