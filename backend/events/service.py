"""The rep's event stream: new route versions, in order, resumable from the last event seen.

Every published route version (nightly, re-plan, hand-over, withdrawn) writes an event by trigger
(migration 0009), so no publisher can forget to announce one. The stream replays what came after the
client's last event id, then looks for new events every `poll_s` seconds, without holding a database
connection in between, and ends after `stream_s` seconds (the client reconnects with Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from backend.db.pool import ConnectionSource, transaction
from backend.errors import InvalidInput
from backend.events import repository
from backend.events.schemas import RouteVersionEvent

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


async def route_events(
    source: ConnectionSource, rep_id: int, after_id: int, *, poll_s: float, stream_s: float, timeout_s: float
) -> AsyncIterator[RouteVersionEvent]:
    deadline = time.monotonic() + stream_s
    last = after_id
    while True:
        async with transaction(source, timeout_s) as conn:
            batch = await repository.route_events_after(conn, rep_id, last, BATCH)
        for event in batch:
            last = event.id
            yield event
        if len(batch) == BATCH:
            continue
        if time.monotonic() + poll_s > deadline:
            return
        await asyncio.sleep(poll_s)
