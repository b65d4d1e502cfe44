"""SQL of the rep's event stream."""

from __future__ import annotations

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.events.schemas import RouteVersionEvent

Q = load_queries("backend.events")


async def route_events_after(
    conn: asyncpg.Connection, rep_id: int, after_id: int, limit: int
) -> list[RouteVersionEvent]:
    rows = await conn.fetch(Q["route_events_after"], rep_id, after_id, limit)
    return [msgspec.convert(dict(row), RouteVersionEvent) for row in rows]
