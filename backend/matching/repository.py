"""SQL for matching: keys on every account, blocking against the whole base, the review queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.matching.schemas import StoredAccount

Q = load_queries("backend.matching")


async def stale_keys(conn: asyncpg.Connection, version: int, limit: int) -> list[tuple[int, str, str | None, bool]]:
    rows = await conn.fetch(Q["stale_keys"], version, limit)
    return [(r["id"], r["name"], r["address"], r["located"]) for r in rows]


async def set_keys(conn: asyncpg.Connection, keys: Sequence[tuple[int, str, str | None, bool]], version: int) -> None:
    """(account id, name key, address key, located) rows, inserted or replaced."""
    if keys:
        await conn.execute(Q["set_keys"], *[[k[i] for k in keys] for i in range(4)], version)


async def candidate_pairs(
    conn: asyncpg.Connection,
    batch: Sequence[tuple[str, str | None, str | None, float | None, float | None, Sequence[str], int | None]],
    *,
    max_key_block: int,
    name_min_similarity: float,
    max_address_block: int,
) -> list[tuple[int, int, bool]]:
    """(batch index, account id, keyed) pairs sharing a key, or trigram-similar where one has no place;
    keyed is False for pairs found by address only. Batch items are (name_key, address_key, tax_id,
    lat, lon, phones, own account id or None)."""
    if not batch:
        return []
    # The planner cannot see through unnest() and may estimate millions of rows, and then spend
    # seconds compiling the query (JIT) for a join that returns thousands: off for this transaction.
    await conn.execute("select set_config('jit', 'off', true)")
    rows = await conn.fetch(
        Q["candidate_pairs"],
        list(range(len(batch))),
        [b[0] for b in batch],
        [b[1] or "" for b in batch],
        [b[2] for b in batch],
        [b[3] for b in batch],
        [b[4] for b in batch],
        [",".join(b[5]) for b in batch],
        [b[6] for b in batch],
        max_key_block,
        name_min_similarity,
        max_address_block,
    )
    return [(r["idx"], r["id"], r["keyed"]) for r in rows]


async def located_in_box(
    conn: asyncpg.Connection, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> list[tuple[int, str, float, float]]:
    rows = await conn.fetch(Q["located_in_box"], min_lon, min_lat, max_lon, max_lat)
    return [(r["id"], r["name_key"], r["lat"], r["lon"]) for r in rows]


async def name_keys(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, str]:
    return {r["account_id"]: r["name_key"] for r in await conn.fetch(Q["name_keys"], list(ids))}


async def stored_accounts(conn: asyncpg.Connection, ids: Sequence[int]) -> list[StoredAccount]:
    rows = await conn.fetch(Q["stored_accounts"], list(ids))
    return [msgspec.convert(dict(row), StoredAccount) for row in rows]


async def account_ids_after(conn: asyncpg.Connection, after_id: int, limit: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["all_account_ids"], after_id, limit)]


async def undecided_pairs(conn: asyncpg.Connection, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    rows = await conn.fetch(Q["undecided_pairs"], [p[0] for p in pairs], [p[1] for p in pairs])
    return {(r["a"], r["b"]) for r in rows}


async def queue_review_pairs(conn: asyncpg.Connection, pairs: Sequence[tuple[int, int, float, dict[str, Any]]]) -> int:
    if not pairs:
        return 0
    status: str = await conn.execute(
        Q["queue_review_pairs"],
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        [p[2] for p in pairs],
        [p[3] for p in pairs],
    )
    return int(status.split()[-1])
