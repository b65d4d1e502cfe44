"""SQL for reports: every query takes the caller's role and id (scope) and the local days."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.reports.schemas import CoverageFact, DroppedFact, PlannedStopFact, PublishedRoute, VisitFact

Q = load_queries("backend.reports")
T = TypeVar("T")


async def _fetch(
    conn: asyncpg.Connection, name: str, kind: type[T], role: str, user_id: int, first: dt.date, last: dt.date
) -> list[T]:
    rows = await conn.fetch(Q[name], role, user_id, first, last)
    return [msgspec.convert(dict(row), kind) for row in rows]


async def published_routes(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[PublishedRoute]:
    return await _fetch(conn, "published_routes", PublishedRoute, role, user_id, first, last)


async def planned_stops(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[PlannedStopFact]:
    return await _fetch(conn, "planned_stops", PlannedStopFact, role, user_id, first, last)


async def dropped_visits(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[DroppedFact]:
    return await _fetch(conn, "dropped_visits", DroppedFact, role, user_id, first, last)


async def visits_in_range(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[VisitFact]:
    return await _fetch(conn, "visits_in_range", VisitFact, role, user_id, first, last)


async def coverage_funnel(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[CoverageFact]:
    return await _fetch(conn, "coverage_funnel", CoverageFact, role, user_id, first, last)
