"""SQL for idempotency keys (always scoped by the calling user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.idempotency.schemas import StoredKey

Q = load_queries("backend.idempotency")


async def claim(conn: asyncpg.Connection, user_id: int, scope: str, key: str, fingerprint: str, ttl_s: float) -> bool:
    return await conn.fetchval(Q["claim_key"], user_id, scope, key, fingerprint, ttl_s) is not None


async def stored(conn: asyncpg.Connection, user_id: int, scope: str, key: str) -> StoredKey | None:
    row = await conn.fetchrow(Q["stored_result"], user_id, scope, key)
    return None if row is None else msgspec.convert(dict(row), StoredKey)


async def complete(
    conn: asyncpg.Connection, user_id: int, scope: str, key: str, status_code: int, response: Any
) -> None:
    await conn.execute(Q["complete_key"], user_id, scope, key, status_code, response)


async def delete_expired(conn: asyncpg.Connection, now: dt.datetime) -> int:
    result = await conn.execute(Q["delete_expired_keys"], now)
    return int(result.split()[-1])
