"""SQL of the user's event stream and notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.events.schemas import Notification, StreamEvent

Q = load_queries("backend.events")


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


async def events_after(conn: asyncpg.Connection, user_id: int, after_id: int, limit: int) -> list[StreamEvent]:
    rows = await conn.fetch(Q["events_after"], user_id, after_id, limit)
    return [
        StreamEvent(id=row["id"], event=row["event"], data=_json(row["data"]), created_at=row["created_at"])
        for row in rows
    ]


async def insert_notification(
    conn: asyncpg.Connection, user_id: int, kind: str, payload: dict[str, Any], created_at: dt.datetime
) -> int:
    # JSON text, cast in SQL: the same on every connection, with or without the pool's jsonb codec.
    notification_id: int = await conn.fetchval(
        Q["insert_notification"], user_id, kind, msgspec.json.encode(payload).decode(), created_at
    )
    return notification_id


def _notification(row: asyncpg.Record) -> Notification:
    return Notification(id=row["id"], kind=row["kind"], payload=_json(row["payload"]), created_at=row["created_at"])


async def notifications_by_id(conn: asyncpg.Connection, ids: list[int], user_id: int) -> list[Notification]:
    return [_notification(row) for row in await conn.fetch(Q["notifications_by_id"], ids, user_id)]


async def notifications_since(conn: asyncpg.Connection, user_id: int, since: dt.datetime) -> list[Notification]:
    return [_notification(row) for row in await conn.fetch(Q["notifications_since"], user_id, since)]


async def purge_notifications(conn: asyncpg.Connection, before: dt.datetime) -> int:
    status = await conn.execute(Q["purge_notifications"], before)
    return int(status.split()[-1])
