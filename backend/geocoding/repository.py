"""SQL for geocoding: the backlog and the results."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.geocoding.schemas import PendingAccount

Q = load_queries("backend.geocoding")


async def pending(conn: asyncpg.Connection, ids: Sequence[int] | None, limit: int) -> list[PendingAccount]:
    rows = await conn.fetch(Q["pending"], None if ids is None else list(ids), limit)
    return [msgspec.convert(dict(row), PendingAccount) for row in rows]


async def save_results(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[int, str, str | None, str | None, float | None, float | None, str | None]],
) -> None:
    """(account id, status, source, precision, lat, lon, label to fill a missing address)."""
    if rows:
        await conn.execute(Q["save_results"], *[[r[k] for r in rows] for k in range(7)])


async def territory_count(conn: asyncpg.Connection, ids: Sequence[int]) -> int:
    count: int = await conn.fetchval(Q["territory_count"], list(ids))
    return count
