"""Idempotent offline writes.

Every POST/PUT from the phone carries a client-generated id (the visit id, the client photo id;
for a checklist the visit id and template id). Keys are scoped per user and per operation and kept
for `idempotency_ttl_s` (days: reps stay offline over weekends).

- Same key, same body (fingerprint): the original status and body are replayed.
- Same key, different body: 409 Conflict (the IETF draft suggests 422; this project answers 409 so
  a phone can tell "you already sent something else under this id" from "your input is invalid").
- A failed request (any 4xx) stores nothing, the key included: the phone may retry with a
  corrected body under the same id.

Claiming runs in the request's transaction: a concurrent duplicate waits on the key's primary key
and then replays the committed result, so two arrivals at once still make one record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import asyncpg
import msgspec

from backend.errors import Conflict
from backend.idempotency import repository
from backend.idempotency.schemas import StoredResult


def fingerprint(*parts: object) -> str:
    """A stable hash of request parts (structs, dicts, bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            digest.update(hashlib.sha256(part).digest())
        else:
            digest.update(msgspec.json.encode(msgspec.to_builtins(part), order="sorted"))
        digest.update(b"\x00")
    return digest.hexdigest()


async def begin(
    conn: asyncpg.Connection, user_id: int, scope: str, key: str, body_fingerprint: str, ttl_s: float
) -> StoredResult | None:
    """None: the key is ours, go ahead. A StoredResult: replay it. Raises Conflict for another body."""
    if await repository.claim(conn, user_id, scope, key, body_fingerprint, ttl_s):
        return None
    row = await repository.stored(conn, user_id, scope, key)
    if row is None:  # pragma: no cover - deleted between the two statements
        raise Conflict("this request is being processed; retry shortly", field="id")
    if row.fingerprint != body_fingerprint:
        raise Conflict(
            f"id {key} was already used for a different request; a retry must send the same body",
            field="id",
        )
    if row.status_code == 0:  # pragma: no cover - only visible inside the claiming transaction
        raise Conflict("this request is being processed; retry shortly", field="id")
    return StoredResult(status_code=row.status_code, response=row.response)


async def finish(conn: asyncpg.Connection, user_id: int, scope: str, key: str, status_code: int, response: Any) -> None:
    await repository.complete(conn, user_id, scope, key, status_code, msgspec.to_builtins(response))


async def purge_expired(conn: asyncpg.Connection, now: dt.datetime) -> int:
    """Delete keys expired at `now` (the worker's timer, via backend.maintenance); returns how many."""
    return await repository.delete_expired(conn, now)
