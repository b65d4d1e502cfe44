"""SQL for appointments and tasks."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.tasks.schemas import PlannedTask, TaskCreate

Q = load_queries("backend.tasks")


async def account_in_rep_scope(conn: asyncpg.Connection, account_id: int, role: str, rep_id: int) -> bool:
    return await conn.fetchval(Q["account_in_rep_scope"], account_id, role, rep_id) is not None


async def insert_task(conn: asyncpg.Connection, rep_id: int, data: TaskCreate, created_by: int) -> int:
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
    )
    return task_id


async def tasks_of_rep_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[PlannedTask]:
    return [msgspec.convert(dict(row), PlannedTask) for row in await conn.fetch(Q["tasks_of_rep_day"], rep_id, day)]
