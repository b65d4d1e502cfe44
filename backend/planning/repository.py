"""SQL of day planning: inputs of a rep's day, route versions, planning runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.planning.schemas import (
    DroppedVisit,
    LastCheckIn,
    PlannedRoute,
    RepDayCalendar,
    RepPlanningProfile,
    RepRunReport,
    StoredRouteHead,
)

Q = load_queries("backend.planning")


def _opening(raw: Any) -> list[tuple[int, int]]:
    return [(int(o), int(c)) for o, c in raw]


async def rep_profile(conn: asyncpg.Connection, rep_id: int) -> RepPlanningProfile | None:
    row = await conn.fetchrow(Q["rep_planning_profile"], rep_id)
    return None if row is None else msgspec.convert(dict(row), RepPlanningProfile)


async def plannable_rep_ids(conn: asyncpg.Connection) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["plannable_reps"])]


async def schedule_occurrences(
    conn: asyncpg.Connection, rep_id: int, first: dt.date, last: dt.date, day: dt.date
) -> list[dict[str, Any]]:
    """Scheduled visits on days in [first, last], with the opening hours of `day`'s weekday."""
    rows = await conn.fetch(Q["schedule_occurrences"], rep_id, first, last, day)
    return [{**dict(row), "opening": _opening(row["opening"])} for row in rows]


async def handover_stops(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[dict[str, Any]]:
    rows = await conn.fetch(Q["handover_stops"], rep_id, day)
    return [{**dict(row), "opening": _opening(row["opening"])} for row in rows]


async def day_calendar(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> RepDayCalendar:
    row = await conn.fetchrow(Q["rep_day_calendar"], rep_id, day)
    assert row is not None  # an aggregate-free select of constants always returns one row
    return msgspec.convert(dict(row), RepDayCalendar)


async def visit_days(
    conn: asyncpg.Connection, account_ids: list[int], first: dt.date, last: dt.date
) -> dict[int, set[dt.date]]:
    """Per account, the local days in [first, last] on which anyone checked in there."""
    done: dict[int, set[dt.date]] = {}
    for row in await conn.fetch(Q["visit_days"], account_ids, first, last):
        done.setdefault(row["account_id"], set()).add(row["day"])
    return done


async def last_check_in(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> LastCheckIn | None:
    row = await conn.fetchrow(Q["last_check_in_of_day"], rep_id, day)
    return None if row is None else msgspec.convert(dict(row), LastCheckIn)


async def insert_removal(
    conn: asyncpg.Connection,
    rep_id: int,
    day: dt.date,
    account_id: int,
    reason: str,
    removed_by: int | None,
    removed_at: dt.datetime,
) -> None:
    await conn.execute(Q["insert_removal"], rep_id, day, account_id, reason, removed_by, removed_at)


async def handover_receivers(conn: asyncpg.Connection, rep_id: int, day: dt.date, team_limit: int) -> list[int]:
    return [row["rep_id"] for row in await conn.fetch(Q["handover_receivers"], rep_id, day, team_limit)]


async def route_stop_accounts(conn: asyncpg.Connection, route_id: int) -> list[tuple[int, str]]:
    return [(row["account_id"], row["source"]) for row in await conn.fetch(Q["route_stop_accounts"], route_id)]


async def stops_of_recent_routes(
    conn: asyncpg.Connection, rep_id: int, since: dt.date, day: dt.date
) -> list[dict[str, Any]]:
    rows = await conn.fetch(Q["stops_of_recent_routes"], rep_id, since, day)
    return [{**dict(row), "opening": _opening(row["opening"])} for row in rows]


async def tasks_for_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[dict[str, Any]]:
    rows = await conn.fetch(Q["tasks_for_day"], rep_id, day)
    return [{**dict(row), "opening": _opening(row["opening"])} for row in rows]


async def lock_rep_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> None:
    await conn.execute(Q["lock_rep_day"], rep_id, day)


async def newest_route_head(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> StoredRouteHead | None:
    row = await conn.fetchrow(Q["newest_route_head"], rep_id, day)
    return None if row is None else msgspec.convert(dict(row), StoredRouteHead)


async def route_account_ids(conn: asyncpg.Connection, route_id: int) -> list[int]:
    return [row["account_id"] for row in await conn.fetch(Q["newest_route_account_ids"], route_id)]


def _wkt(line: list[tuple[float, float]] | None) -> str | None:
    """A `(lat, lon)` line as WKT (x = lon); None or fewer than two vertices: no line."""
    if line is None or len(line) < 2:
        return None
    return "LINESTRING(" + ", ".join(f"{lon:.6f} {lat:.6f}" for lat, lon in line) + ")"


async def insert_route(
    conn: asyncpg.Connection,
    rep_id: int,
    day: dt.date,
    version: int,
    kind: str,
    run_id: int | None,
    digest: str,
    route: PlannedRoute,
    published_at: dt.datetime,
) -> int:
    unassigned = [msgspec.to_builtins(item) for item in route.dropped]
    route_id: int = await conn.fetchval(
        Q["insert_route"],
        rep_id,
        day,
        version,
        kind,
        run_id,
        digest,
        route.start_s,
        route.end_s,
        route.travel_s,
        route.distance_m,
        unassigned,
        published_at,
        _wkt(route.road_path),
    )
    await conn.executemany(
        Q["insert_route_stop"],
        [
            (
                route_id,
                seq,
                stop.account_id,
                stop.source,
                stop.due_day,
                stop.priority,
                stop.arrival_s,
                stop.start_s,
                stop.end_s,
                stop.service_s,
                stop.travel_from_previous_s,
                stop.window_start_s,
                stop.window_end_s,
                stop.pinned_start_s,
            )
            for seq, stop in enumerate(route.stops, start=1)
        ],
    )
    await conn.executemany(Q["insert_route_break"], [(route_id, start, end) for start, end in route.breaks])
    return route_id


async def create_run(conn: asyncpg.Connection, day: dt.date, trigger: str) -> int:
    run_id: int = await conn.fetchval(Q["create_run"], day, trigger)
    return run_id


async def add_run_rep(conn: asyncpg.Connection, run_id: int, rep_id: int) -> None:
    await conn.execute(Q["add_run_rep"], run_id, rep_id)


async def start_run_rep(conn: asyncpg.Connection, run_id: int, rep_id: int) -> int | None:
    attempts: int | None = await conn.fetchval(Q["start_run_rep"], run_id, rep_id)
    return attempts


async def run_rep_status(conn: asyncpg.Connection, run_id: int, rep_id: int) -> str | None:
    status: str | None = await conn.fetchval(Q["run_rep_status"], run_id, rep_id)
    return status


async def finish_run_rep(
    conn: asyncpg.Connection,
    run_id: int,
    rep_id: int,
    status: str,
    *,
    visits_planned: int | None = None,
    dropped: list[DroppedVisit] | None = None,
    solve_s: float | None = None,
    route_id: int | None = None,
    error: str | None = None,
) -> None:
    dropped_list = [msgspec.to_builtins(item) for item in dropped or []]
    await conn.execute(
        Q["finish_run_rep"],
        run_id,
        rep_id,
        status,
        visits_planned,
        None if dropped is None else len(dropped),
        dropped_list,
        solve_s,
        route_id,
        error,
    )
    await conn.execute(Q["refresh_run_status"], run_id)


async def refresh_run_status(conn: asyncpg.Connection, run_id: int) -> None:
    await conn.execute(Q["refresh_run_status"], run_id)


async def get_run(conn: asyncpg.Connection, run_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_run"], run_id)
    return None if row is None else dict(row)


async def run_reps(conn: asyncpg.Connection, run_id: int, role: str, user_id: int) -> list[RepRunReport]:
    rows = await conn.fetch(Q["run_reps"], run_id, role, user_id)
    return [msgspec.convert(dict(row), RepRunReport) for row in rows]


async def run_for_day(conn: asyncpg.Connection, day: dt.date, trigger: str) -> int | None:
    run_id: int | None = await conn.fetchval(Q["run_for_day"], day, trigger)
    return run_id


async def reps_without_route(conn: asyncpg.Connection, day: dt.date) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["reps_without_route"], day)]


async def stops_for_replan(conn: asyncpg.Connection, route_id: int, day: dt.date) -> list[dict[str, Any]]:
    rows = await conn.fetch(Q["stops_for_replan"], route_id, day)
    return [{**dict(row), "opening": _opening(row["opening"])} for row in rows]


async def removed_accounts(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> dict[int, str]:
    return {row["account_id"]: row["reason"] for row in await conn.fetch(Q["removed_accounts"], rep_id, day)}


async def copy_route_without(
    conn: asyncpg.Connection, route_id: int, version: int, account_id: int, published_at: dt.datetime
) -> int:
    new_id: int = await conn.fetchval(Q["copy_route_without"], route_id, version, account_id, published_at)
    return new_id
