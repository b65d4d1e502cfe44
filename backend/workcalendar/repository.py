"""SQL of the working calendar."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.workcalendar.schemas import Absence, Holiday

Q = load_queries("backend.workcalendar")


async def insert_holiday(
    conn: asyncpg.Connection, day: dt.date, region: str | None, name: str, by: int | None, at: dt.datetime
) -> Holiday | None:
    row = await conn.fetchrow(Q["insert_holiday"], day, region, name, by, at)
    return None if row is None else msgspec.convert(dict(row), Holiday)


async def holidays_between(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> list[Holiday]:
    return [msgspec.convert(dict(row), Holiday) for row in await conn.fetch(Q["holidays_between"], first, last)]


async def reps_routed_on(conn: asyncpg.Connection, day: dt.date, region: str | None) -> list[int]:
    return [row["rep_id"] for row in await conn.fetch(Q["reps_routed_on"], day, region)]


async def rep_time_zone_if_visible(conn: asyncpg.Connection, rep_id: int, role: str, user_id: int) -> str | None:
    row = await conn.fetchrow(Q["rep_for_absence"], rep_id, role, user_id)
    return None if row is None else str(row["time_zone"])


async def insert_absence(
    conn: asyncpg.Connection,
    rep_id: int,
    first: dt.date,
    last: dt.date,
    reason: str,
    by: int | None,
    at: dt.datetime,
) -> Absence:
    row = await conn.fetchrow(Q["insert_absence"], rep_id, first, last, reason, by, at)
    assert row is not None  # insert ... returning always returns the row
    return msgspec.convert(dict(row), Absence)


async def absences_of_rep(conn: asyncpg.Connection, rep_id: int, first: dt.date, last: dt.date) -> list[Absence]:
    rows = await conn.fetch(Q["absences_of_rep"], rep_id, first, last)
    return [msgspec.convert(dict(row), Absence) for row in rows]


async def routed_days(conn: asyncpg.Connection, rep_id: int, first: dt.date, last: dt.date) -> list[dt.date]:
    rows = await conn.fetch(Q["routed_days_of_rep"], rep_id, first, last)
    return [row["day"] for row in rows if row["kind"] != "withdrawn"]
