"""SQL for the supervisor's map: every query takes the caller's role and id."""

from __future__ import annotations

import datetime as dt
import json
from typing import TypeVar

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.supervision.schemas import DueRow, StopRow, TeamRep, TerritoryRow, VisitRow

Q = load_queries("backend.supervision")
T = TypeVar("T")


async def team_reps(conn: asyncpg.Connection, role: str, user_id: int) -> list[TeamRep]:
    return [msgspec.convert(dict(row), TeamRep) for row in await conn.fetch(Q["team_reps"], role, user_id)]


async def _of_day(
    conn: asyncpg.Connection, name: str, kind: type[T], role: str, user_id: int, day: dt.date, rep_id: int | None
) -> list[T]:
    return [msgspec.convert(dict(row), kind) for row in await conn.fetch(Q[name], role, user_id, day, rep_id)]


async def route_stops(
    conn: asyncpg.Connection, role: str, user_id: int, day: dt.date, rep_id: int | None
) -> list[StopRow]:
    return await _of_day(conn, "route_stops_of_day", StopRow, role, user_id, day, rep_id)


async def road_paths(
    conn: asyncpg.Connection, role: str, user_id: int, day: dt.date, rep_id: int | None
) -> dict[int, list[list[float]]]:
    """Route id -> the road line's [lon, lat] vertices, for the published routes that have one."""
    rows = await conn.fetch(Q["road_paths_of_day"], role, user_id, day, rep_id)
    return {int(row["route_id"]): json.loads(row["geojson"])["coordinates"] for row in rows}


async def visits(conn: asyncpg.Connection, role: str, user_id: int, day: dt.date, rep_id: int | None) -> list[VisitRow]:
    return await _of_day(conn, "visits_of_day", VisitRow, role, user_id, day, rep_id)


async def due_not_visited(
    conn: asyncpg.Connection, role: str, user_id: int, day: dt.date, rep_id: int | None
) -> list[DueRow]:
    return await _of_day(conn, "due_not_visited", DueRow, role, user_id, day, rep_id)


async def territories(conn: asyncpg.Connection, role: str, user_id: int) -> list[TerritoryRow]:
    return [
        msgspec.convert(dict(row), TerritoryRow) for row in await conn.fetch(Q["territories_in_scope"], role, user_id)
    ]
