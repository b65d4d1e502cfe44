"""SQL of activities; every list takes the caller's scope (role, user id)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from backend.activities.schemas import Activity, DealRef, PhoneMatch
from backend.db.queries import load_queries

Q = load_queries("backend.activities")


class NewActivity(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    deal_id: uuid.UUID | None
    user_id: int | None
    kind: str
    direction: str | None
    occurred_at: dt.datetime
    duration_s: int | None
    outcome: str | None
    note: str | None
    provider: str | None
    provider_event_id: str | None
    created_at: dt.datetime


async def account_in_scope(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["account_in_scope"], role, user_id, account_id) is not None


async def deal_in_scope(conn: asyncpg.Connection, role: str, user_id: int, deal_id: uuid.UUID) -> DealRef | None:
    row = await conn.fetchrow(Q["deal_in_scope"], role, user_id, deal_id)
    return None if row is None else msgspec.convert(dict(row), DealRef)


async def user_in_scope(conn: asyncpg.Connection, role: str, user_id: int, other_id: int) -> bool:
    return await conn.fetchval(Q["user_in_scope"], role, user_id, other_id) is not None


async def insert_activity(conn: asyncpg.Connection, item: NewActivity) -> bool:
    inserted = await conn.fetchval(
        Q["insert_activity"],
        item.id,
        item.account_id,
        item.deal_id,
        item.user_id,
        item.kind,
        item.direction,
        item.occurred_at,
        item.duration_s,
        item.outcome,
        item.note,
        item.provider,
        item.provider_event_id,
        item.created_at,
    )
    return inserted is not None


async def activity_by_id(conn: asyncpg.Connection, activity_id: uuid.UUID) -> Activity | None:
    row = await conn.fetchrow(Q["activity_by_id"], activity_id)
    return None if row is None else msgspec.convert(dict(row), Activity)


async def list_activities(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    *,
    account_id: int | None,
    of_user_id: int | None,
    kind: str | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Activity]:
    rows = await conn.fetch(
        Q["list_activities"],
        role,
        user_id,
        account_id,
        of_user_id,
        kind,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(row), Activity) for row in rows]


async def provider_event_exists(conn: asyncpg.Connection, provider: str, event_id: str) -> bool:
    return bool(await conn.fetchval(Q["provider_event_exists"], provider, event_id))


async def active_user_by_email(conn: asyncpg.Connection, email: str) -> int | None:
    user_id: int | None = await conn.fetchval(Q["active_user_by_email"], email)
    return user_id


async def accounts_by_phone(conn: asyncpg.Connection, phone: str, user_id: int | None) -> list[PhoneMatch]:
    return [msgspec.convert(dict(row), PhoneMatch) for row in await conn.fetch(Q["accounts_by_phone"], phone, user_id)]
