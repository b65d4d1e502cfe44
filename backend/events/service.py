"""The user's event stream: new route versions and notifications, in order, resumable from the last
event seen.

Every published route version (nightly, re-plan, hand-over, withdrawn) writes an event by trigger
(migration 0009), so no publisher can forget to announce one. Notifications (a deal or an account
handed over, a task reminder...) are written with `notify`, in the caller's transaction; they share
the route events' numbering (migration 0014) and are logged for the sync feed. The stream replays what came after the
client's last event id, then looks for new events every `poll_s` seconds, without holding a database
connection in between, and ends after `stream_s` seconds (the client reconnects with Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from backend.db.pool import ConnectionSource, transaction
from backend.errors import InvalidInput
from backend.events import repository
from backend.events.schemas import Notification, StreamEvent

BATCH = 200


def parse_last_event_id(value: str | None) -> int:
    if value is None or not value.strip():
        return 0
    try:
        parsed = int(value.strip())
    except ValueError:
        parsed = -1
    if parsed < 0:
        raise InvalidInput("Last-Event-ID must be an event id this stream sent (a whole number)", field="Last-Event-ID")
    return parsed


async def notify(conn: asyncpg.Connection, user_id: int, kind: str, payload: dict[str, Any], now: dt.datetime) -> int:
    """Tell `user_id` about something (their event stream and sync feed); returns the event id."""
    return await repository.insert_notification(conn, user_id, kind, payload, now)


async def notifications_by_id(conn: asyncpg.Connection, ids: list[int], user_id: int) -> list[Notification]:
    return await repository.notifications_by_id(conn, ids, user_id) if ids else []


async def notifications_since(conn: asyncpg.Connection, user_id: int, since: dt.datetime) -> list[Notification]:
    return await repository.notifications_since(conn, user_id, since)


async def purge_notifications(conn: asyncpg.Connection, before: dt.datetime) -> int:
    """Delete the notifications created before `before`; returns how many."""
    return await repository.purge_notifications(conn, before)


async def user_events(
    source: ConnectionSource, user_id: int, after_id: int, *, poll_s: float, stream_s: float, timeout_s: float
) -> AsyncIterator[StreamEvent]:
    deadline = time.monotonic() + stream_s
    last = after_id
    while True:
        async with transaction(source, timeout_s) as conn:
            batch = await repository.events_after(conn, user_id, last, BATCH)
        for event in batch:
            last = event.id
            yield event
        if len(batch) == BATCH:
            continue
        if time.monotonic() + poll_s > deadline:
            return
        await asyncio.sleep(poll_s)
