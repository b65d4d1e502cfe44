"""SQL for appointments and tasks."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.tasks.schemas import AppointmentFrame, PlannedTask, TaskCreate

Q = load_queries("backend.tasks")


async def account_in_rep_scope(conn: asyncpg.Connection, account_id: int, rep_id: int, any_account: bool) -> bool:
    return await conn.fetchval(Q["account_in_rep_scope"], account_id, rep_id, any_account) is not None


async def appointment_frame(
    conn: asyncpg.Connection, account_id: int, rep_id: int, day: dt.date
) -> AppointmentFrame | None:
    row = await conn.fetchrow(Q["appointment_frame"], account_id, rep_id, day)
    return None if row is None else msgspec.convert(dict(row), AppointmentFrame)


async def rep_time_zone(conn: asyncpg.Connection, rep_id: int) -> str | None:
    zone: str | None = await conn.fetchval(Q["rep_time_zone"], rep_id)
    return zone


async def insert_task(
    conn: asyncpg.Connection, rep_id: int, data: TaskCreate, created_by: int, created_at: dt.datetime
) -> int:
    task_id: int = await conn.fetchval(
        Q["insert_task"],
        rep_id,
        data.account_id,
        data.day,
        data.kind,
        data.start_s,
        data.priority,
        data.note,
        created_by,
        created_at,
    )
    return task_id


async def tasks_of_rep_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[PlannedTask]:
    return [msgspec.convert(dict(row), PlannedTask) for row in await conn.fetch(Q["tasks_of_rep_day"], rep_id, day)]
