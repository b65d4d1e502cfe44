"""SQL for territories, scoped by the caller."""

from __future__ import annotations

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.territories.schemas import Territory

Q = load_queries("backend.territories")


async def list_visible(conn: asyncpg.Connection, role: str, user_id: int) -> list[Territory]:
    rows = await conn.fetch(Q["list_visible_territories"], role, user_id)
    return [msgspec.convert(dict(row), Territory) for row in rows]
