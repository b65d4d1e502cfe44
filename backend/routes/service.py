"""Reading and re-planning a rep's day route; planning runs for supervisors."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import asyncpg
import msgspec

from backend.auth.principal import Principal, Role
from backend.errors import InvalidInput, NotFound
from backend.jobs.nightly import start_run
from backend.planning.problem_builder import PlanningInputError
from backend.planning.schemas import PlanningRun
from backend.planning.service import replan_from_position, run_with_reps
from backend.planning.solver_pool import SolverPool
from backend.routes import repository
from backend.routes.schemas import DayRoute, ReplanRequest
from backend.scope.service import rep_is_visible
from routing.matrix import TravelMatrixProvider


async def _check_rep(conn: asyncpg.Connection, principal: Principal, rep_id: int) -> None:
    if not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")


async def _local_now(conn: asyncpg.Connection, rep_id: int) -> dt.datetime:
    zone = await repository.rep_time_zone(conn, rep_id) or "UTC"
    return dt.datetime.now(zoneinfo.ZoneInfo(zone))


async def route_for(conn: asyncpg.Connection, principal: Principal, rep_id: int, day: dt.date | None) -> DayRoute:
    await _check_rep(conn, principal, rep_id)
    day = day or (await _local_now(conn, rep_id)).date()
    route = await repository.newest_route(conn, rep_id, day)
    if route is None:
        raise NotFound(f"no route is published for {day}", field="day")
    return route


async def replan(
    conn: asyncpg.Connection,
    principal: Principal,
    solver: SolverPool,
    provider: TravelMatrixProvider,
    rep_id: int,
    request: ReplanRequest,
    time_limit_s: float,
) -> DayRoute:
    await _check_rep(conn, principal, rep_id)
    if request.time_s is not None and not (0 <= request.time_s <= 172_800):
        raise InvalidInput("time_s is seconds from local midnight (0-172800)", field="time_s")
    now = await _local_now(conn, rep_id)
    day = request.day or now.date()
    now_s = request.time_s if request.time_s is not None else now.hour * 3600 + now.minute * 60 + now.second
    try:
        await replan_from_position(conn, solver, provider, rep_id, day, (request.lat, request.lon), now_s, time_limit_s)
    except PlanningInputError as exc:
        raise InvalidInput(str(exc), field="day") from exc
    route = await repository.newest_route(conn, rep_id, day)
    assert route is not None
    return route


async def start_planning_run(conn: asyncpg.Connection, principal: Principal, day: dt.date) -> PlanningRun:
    reps = await repository.team_rep_ids(conn, principal.role.value, principal.user_id)
    run_id, _ = await start_run(conn, day, "api", reps)
    return await planning_run(conn, principal, run_id)


async def planning_run(conn: asyncpg.Connection, principal: Principal, run_id: int) -> PlanningRun:
    run, reps = await run_with_reps(conn, run_id, principal.role.value, principal.user_id)
    if run is None or (principal.role is not Role.ADMIN and not reps):
        raise NotFound(f"planning run {run_id} not found", field="run_id")
    finished = [rep for rep in reps if rep.status not in ("queued", "running")]
    return PlanningRun(
        **msgspec.structs.asdict(run),
        reps_total=len(reps),
        reps_finished=len(finished),
        reps_failed=sum(1 for rep in reps if rep.status == "failed"),
        reps=reps,
    )


async def published_route(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> DayRoute | None:
    """The rep's newest route version for the day, for features that show it (sync); no scope check."""
    return await repository.newest_route(conn, rep_id, day)
