"""SQL of CRM tasks and the control lists; every read takes the caller's scope (role, user id)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.sales_tasks.schemas import (
    DealRef,
    DealWithoutTask,
    DueReminder,
    OverdueTask,
    Owner,
    PlannedDay,
    SalesTask,
    StuckDeal,
    TaskRow,
)

Q = load_queries("backend.sales_tasks")


class NewTask(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    owner_id: int
    account_id: int | None
    deal_id: uuid.UUID | None
    kind: str
    title: str
    note: str | None
    due_at: dt.datetime
    remind_at: dt.datetime | None
    created_by: int
    created_at: dt.datetime
    planned_task_id: int | None


class TaskFilter(msgspec.Struct, frozen=True, kw_only=True):
    owner_id: int | None = None
    status: str | None = None
    overdue: bool | None = None
    account_id: int | None = None
    deal_id: uuid.UUID | None = None


async def owner_in_scope(conn: asyncpg.Connection, role: str, user_id: int, owner_id: int) -> Owner | None:
    row = await conn.fetchrow(Q["owner_in_scope"], role, user_id, owner_id)
    return None if row is None else msgspec.convert(dict(row), Owner)


async def task_owner(conn: asyncpg.Connection, owner_id: int) -> Owner | None:
    row = await conn.fetchrow(Q["task_owner"], owner_id)
    return None if row is None else msgspec.convert(dict(row), Owner)


async def existing_task_ids(conn: asyncpg.Connection, task_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return {row["id"] for row in await conn.fetch(Q["existing_task_ids"], task_ids)}


async def account_in_scope(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["account_in_scope"], role, user_id, account_id) is not None


async def deal_in_scope(conn: asyncpg.Connection, role: str, user_id: int, deal_id: uuid.UUID) -> DealRef | None:
    row = await conn.fetchrow(Q["deal_in_scope"], role, user_id, deal_id)
    return None if row is None else msgspec.convert(dict(row), DealRef)


async def insert_task(conn: asyncpg.Connection, task: NewTask) -> bool:
    inserted = await conn.fetchval(
        Q["insert_task"],
        task.id,
        task.owner_id,
        task.account_id,
        task.deal_id,
        task.kind,
        task.title,
        task.note,
        task.due_at,
        task.remind_at,
        task.created_by,
        task.created_at,
        task.planned_task_id,
    )
    return inserted is not None


async def task_in_scope(
    conn: asyncpg.Connection, role: str, user_id: int, task_id: uuid.UUID, now: dt.datetime
) -> SalesTask | None:
    row = await conn.fetchrow(Q["task_in_scope"], role, user_id, task_id, now)
    return None if row is None else msgspec.convert(dict(row), SalesTask)


async def task_for_change(conn: asyncpg.Connection, role: str, user_id: int, task_id: uuid.UUID) -> TaskRow | None:
    row = await conn.fetchrow(Q["task_for_change"], role, user_id, task_id)
    return None if row is None else msgspec.convert(dict(row), TaskRow)


async def list_tasks(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    now: dt.datetime,
    filters: TaskFilter,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[SalesTask]:
    rows = await conn.fetch(
        Q["list_tasks"],
        role,
        user_id,
        limit,
        now,
        filters.owner_id,
        filters.status,
        filters.overdue,
        filters.account_id,
        filters.deal_id,
        after[0] if after else None,
        after[1] if after else None,
    )
    return [msgspec.convert(dict(row), SalesTask) for row in rows]


async def update_task(
    conn: asyncpg.Connection,
    task_id: uuid.UUID,
    *,
    owner_id: int,
    title: str,
    note: str | None,
    due_at: dt.datetime,
    remind_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    await conn.execute(Q["update_task"], task_id, owner_id, title, note, due_at, remind_at, now)


async def close_task(conn: asyncpg.Connection, task_id: uuid.UUID, status: str, now: dt.datetime) -> None:
    await conn.execute(Q["close_task"], task_id, status, now)


async def set_planned_task(conn: asyncpg.Connection, task_id: uuid.UUID, planned_task_id: int | None) -> None:
    await conn.execute(Q["set_planned_task"], task_id, planned_task_id)


async def planned_day(conn: asyncpg.Connection, planned_task_id: int) -> PlannedDay | None:
    row = await conn.fetchrow(Q["planned_day"], planned_task_id)
    return None if row is None else msgspec.convert(dict(row), PlannedDay)


async def withdraw_planned_task(conn: asyncpg.Connection, planned_task_id: int) -> None:
    await conn.execute(Q["withdraw_planned_task"], planned_task_id)


async def due_reminders(conn: asyncpg.Connection, now: dt.datetime, limit: int) -> list[DueReminder]:
    return [msgspec.convert(dict(row), DueReminder) for row in await conn.fetch(Q["due_reminders"], now, limit)]


async def mark_reminded(conn: asyncpg.Connection, task_id: uuid.UUID, now: dt.datetime) -> None:
    await conn.execute(Q["mark_reminded"], task_id, now)


async def overdue_tasks(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    now: dt.datetime,
    owner_id: int | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[OverdueTask]:
    rows = await conn.fetch(
        Q["overdue_tasks"],
        role,
        user_id,
        now,
        owner_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(row), OverdueTask) for row in rows]


async def deals_without_task(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    owner_id: int | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[DealWithoutTask]:
    rows = await conn.fetch(
        Q["deals_without_task"],
        role,
        user_id,
        owner_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(row), DealWithoutTask) for row in rows]


async def stuck_deals(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    now: dt.datetime,
    owner_id: int | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[StuckDeal]:
    rows = await conn.fetch(
        Q["stuck_deals"],
        role,
        user_id,
        now,
        owner_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(row), StuckDeal) for row in rows]
