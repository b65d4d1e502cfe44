"""SQL for reading published routes, scoped to who may read them."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.routes.schemas import DayRoute, RepDayFrame, RouteAccount, RouteBreakOut, RouteStop

Q = load_queries("backend.routes")


async def team_rep_ids(conn: asyncpg.Connection, role: str, caller_id: int) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["team_rep_ids"], role, caller_id)]


async def rep_time_zone(conn: asyncpg.Connection, rep_id: int) -> str | None:
    zone: str | None = await conn.fetchval(Q["rep_time_zone"], rep_id)
    return zone


async def rep_day_frame(conn: asyncpg.Connection, rep_id: int) -> RepDayFrame | None:
    row = await conn.fetchrow(Q["rep_day_frame"], rep_id)
    return None if row is None else msgspec.convert(dict(row), RepDayFrame)


async def newest_route(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> DayRoute | None:
    head = await conn.fetchrow(Q["newest_route"], rep_id, day)
    if head is None:
        return None
    stops = [
        RouteStop(
            seq=row["seq"],
            account=RouteAccount(
                id=row["account_id"],
                name=row["name"],
                address=row["address"],
                phones=list(row["phones"]),
                channel=row["channel"],
                account_class=row["account_class"],
                lat=row["lat"],
                lon=row["lon"],
            ),
            source=row["source"],
            priority=row["priority"],
            due_day=row["due_day"],
            eta_s=row["arrival_s"],
            start_s=row["start_s"],
            end_s=row["end_s"],
            service_s=row["service_s"],
            travel_from_previous_s=row["travel_from_previous_s"],
            window=None if row["window_start_s"] is None else [row["window_start_s"], row["window_end_s"]],
            pinned_start_s=row["pinned_start_s"],
        )
        for row in await conn.fetch(Q["route_stops"], head["id"])
    ]
    breaks = [RouteBreakOut(row["start_s"], row["end_s"]) for row in await conn.fetch(Q["route_breaks"], head["id"])]
    return DayRoute(
        id=head["id"],
        etag=f'"route-{head["id"]}"',
        rep_id=head["rep_id"],
        day=head["day"],
        version=head["version"],
        kind=head["kind"],
        published_at=head["published_at"],
        start_s=head["start_s"],
        end_s=head["end_s"],
        travel_s=head["travel_s"],
        distance_m=head["distance_m"],
        stops=stops,
        breaks=breaks,
        unassigned=list(head["unassigned"]),
    )
