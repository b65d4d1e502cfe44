"""SQL for visits: every query takes the rep (writes) or the caller's role and id (reads)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.visits.schemas import CheckInContext, Neighbour, OpenVisit, OwnVisit, Visit

Q = load_queries("backend.visits")


async def check_in_context(
    conn: asyncpg.Connection, account_id: int, rep_id: int, lat: float, lon: float, at: datetime, visit_id: uuid.UUID
) -> CheckInContext | None:
    """None when the account is neither in the rep's territories nor on their route of that local day."""
    row = await conn.fetchrow(Q["check_in_context"], account_id, rep_id, lat, lon, at, visit_id)
    return None if row is None else msgspec.convert(dict(row), CheckInContext)


async def next_check_in(
    conn: asyncpg.Connection, rep_id: int, at: datetime, visit_id: uuid.UUID, lat: float, lon: float
) -> Neighbour | None:
    row = await conn.fetchrow(Q["next_check_in"], rep_id, at, visit_id, lat, lon)
    return None if row is None else msgspec.convert(dict(row), Neighbour)


async def insert_visit(
    conn: asyncpg.Connection,
    *,
    visit_id: uuid.UUID,
    rep_id: int,
    account_id: int,
    route_id: int | None,
    route_stop_seq: int | None,
    checked_in_at: datetime,
    lat: float,
    lon: float,
    accuracy_m: float,
    mock_location: bool,
    distance_m: float,
    sent_at: datetime | None,
    reason: str | None,
    flags: list[str],
) -> Visit | None:
    """The stored visit; None when the id is taken (by another rep, or by this rep under another key)."""
    row = await conn.fetchrow(
        Q["insert_visit"],
        visit_id,
        rep_id,
        account_id,
        route_id,
        route_stop_seq,
        checked_in_at,
        lat,
        lon,
        accuracy_m,
        mock_location,
        distance_m,
        sent_at,
        reason,
        flags,
    )
    return None if row is None else msgspec.convert(dict(row), Visit)


async def set_flags(conn: asyncpg.Connection, visit_id: uuid.UUID, flags: list[str]) -> None:
    await conn.execute(Q["set_flags"], visit_id, flags)


async def visit_of_rep(conn: asyncpg.Connection, visit_id: uuid.UUID, rep_id: int) -> OwnVisit | None:
    row = await conn.fetchrow(Q["visit_of_rep"], visit_id, rep_id)
    return None if row is None else msgspec.convert(dict(row), OwnVisit)


async def check_out_distance(conn: asyncpg.Connection, visit_id: uuid.UUID, lat: float, lon: float) -> float:
    return float(await conn.fetchval(Q["check_out_distance"], visit_id, lat, lon))


async def check_out(
    conn: asyncpg.Connection,
    *,
    visit_id: uuid.UUID,
    rep_id: int,
    at: datetime,
    lat: float,
    lon: float,
    accuracy_m: float,
    mock_location: bool,
    distance_m: float,
    reason: str | None,
    flags: list[str],
) -> None:
    await conn.execute(
        Q["check_out"], visit_id, rep_id, at, lat, lon, accuracy_m, mock_location, distance_m, reason, flags
    )


async def visit_in_scope(conn: asyncpg.Connection, visit_id: uuid.UUID, role: str, user_id: int) -> Visit | None:
    row = await conn.fetchrow(Q["visit_in_scope"], visit_id, role, user_id)
    return None if row is None else msgspec.convert(dict(row), Visit)


async def list_visits(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    rep_id: int | None,
    start: datetime,
    end: datetime,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[Visit]:
    after_at, after_id = after if after is not None else (None, None)
    rows = await conn.fetch(Q["list_visits_in_scope"], role, user_id, rep_id, start, end, limit, after_at, after_id)
    return [msgspec.convert(dict(row), Visit) for row in rows]


async def open_visit_at_account(
    conn: asyncpg.Connection, rep_id: int, account_id: int, visit_id: uuid.UUID, at: datetime
) -> OpenVisit | None:
    row = await conn.fetchrow(Q["open_visit_at_account"], rep_id, account_id, visit_id, at)
    return None if row is None else msgspec.convert(dict(row), OpenVisit)


async def missing_required_checklists(conn: asyncpg.Connection, visit_id: uuid.UUID) -> int:
    return int(await conn.fetchval(Q["missing_required_checklists"], visit_id))


async def visit_flags(conn: asyncpg.Connection, visit_id: uuid.UUID) -> list[str] | None:
    flags = await conn.fetchval(Q["visit_flags"], visit_id)
    return None if flags is None else list(flags)
