"""SQL of day planning: inputs of a rep's day, route versions, planning runs."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.planning.schemas import (
    Candidate,
    DroppedVisit,
    DueAccount,
    PlannedRoute,
    RecentStop,
    RepPlanningProfile,
    RepRunReport,
    RunHead,
    ScheduledDue,
    StoredRouteHead,
    TaskDue,
)

Q = load_queries("backend.planning")
D = TypeVar("D", bound=DueAccount)


def _opening(raw: Any) -> list[tuple[int, int]]:
    return [(int(o), int(c)) for o, c in raw]


async def rep_profile(conn: asyncpg.Connection, rep_id: int) -> RepPlanningProfile | None:
    row = await conn.fetchrow(Q["rep_planning_profile"], rep_id)
    return None if row is None else msgspec.convert(dict(row), RepPlanningProfile)


async def plannable_rep_ids(conn: asyncpg.Connection) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["plannable_reps"])]


def _due(rows: list[asyncpg.Record], kind: type[D]) -> list[D]:
    return [msgspec.convert({**dict(row), "opening": _opening(row["opening"])}, kind) for row in rows]


async def due_from_schedule(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[ScheduledDue]:
    return _due(await conn.fetch(Q["due_from_schedule"], rep_id, day), ScheduledDue)


async def stops_of_recent_routes(
    conn: asyncpg.Connection, rep_id: int, since: dt.date, day: dt.date
) -> list[RecentStop]:
    return _due(await conn.fetch(Q["stops_of_recent_routes"], rep_id, since, day), RecentStop)


async def tasks_for_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[TaskDue]:
    return _due(await conn.fetch(Q["tasks_for_day"], rep_id, day), TaskDue)


async def lock_rep_day(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> None:
    await conn.execute(Q["lock_rep_day"], rep_id, day)


async def newest_route_head(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> StoredRouteHead | None:
    row = await conn.fetchrow(Q["newest_route_head"], rep_id, day)
    return None if row is None else msgspec.convert(dict(row), StoredRouteHead)


async def route_account_ids(conn: asyncpg.Connection, route_id: int) -> list[int]:
    return [row["account_id"] for row in await conn.fetch(Q["newest_route_account_ids"], route_id)]


async def insert_route(
    conn: asyncpg.Connection,
    rep_id: int,
    day: dt.date,
    version: int,
    kind: str,
    run_id: int | None,
    digest: str,
    route: PlannedRoute,
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


async def get_run(conn: asyncpg.Connection, run_id: int) -> RunHead | None:
    row = await conn.fetchrow(Q["get_run"], run_id)
    return None if row is None else msgspec.convert(dict(row), RunHead)


async def run_reps(conn: asyncpg.Connection, run_id: int, role: str, user_id: int) -> list[RepRunReport]:
    rows = await conn.fetch(Q["run_reps"], run_id, role, user_id)
    return [msgspec.convert(dict(row), RepRunReport) for row in rows]


async def run_for_day(conn: asyncpg.Connection, day: dt.date, trigger: str) -> int | None:
    run_id: int | None = await conn.fetchval(Q["run_for_day"], day, trigger)
    return run_id


async def reps_without_route(conn: asyncpg.Connection, day: dt.date) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["reps_without_route"], day)]


async def completed_visit_days(
    conn: asyncpg.Connection, rep_id: int, since: dt.date, until: dt.date
) -> dict[int, set[dt.date]]:
    """Per account, the local days in [since, until) on which the rep completed a visit."""
    rows = await conn.fetch(Q["completed_visit_days"], rep_id, since, until)
    done: dict[int, set[dt.date]] = {}
    for row in rows:
        done.setdefault(row["account_id"], set()).add(row["day"])
    return done


async def stops_for_replan(conn: asyncpg.Connection, route_id: int, day: dt.date) -> list[Candidate]:
    """The stops of a published route, as the candidates they were."""
    return _due(await conn.fetch(Q["stops_for_replan"], route_id, day), Candidate)
