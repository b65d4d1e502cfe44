"""SQL asking the scope functions of migration 0007 (role first, then the caller's id)."""

from __future__ import annotations

import asyncpg

from backend.db.queries import load_queries

Q = load_queries("backend.scope")


async def visible_territory_ids(conn: asyncpg.Connection, role: str, user_id: int) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["visible_territory_ids"], role, user_id)]


async def rep_is_visible(conn: asyncpg.Connection, role: str, user_id: int, rep_id: int) -> bool:
    visible: bool = await conn.fetchval(Q["rep_is_visible"], role, user_id, rep_id)
    return visible
