"""Reading and re-planning a rep's day route; stops taken off by a supervisor; planning runs.

Re-plan rules (docs/architecture.md, "Same-day changes"): only today, from a position within
`replan_max_distance_m` of the rep's home, at a time inside the rep's shift (the clock's now unless
`time_s` is given); the first ETA is that time plus the travel. The request holds no database
connection while the matrix is fetched and the solver runs (see `backend.planning.service`).
"""

from __future__ import annotations

import datetime as dt
import math

import asyncpg

from backend.auth.principal import Principal, Role
from backend.clock import Clock
from backend.clock import local_now as clock_local_now
from backend.db.pool import ConnectionSource, transaction
from backend.errors import Conflict, InvalidInput, NotFound
from backend.jobs.nightly import start_run
from backend.planning import service as planning
from backend.planning.matrix_cache import MatrixProvider
from backend.planning.problem_builder import PlanningInputError
from backend.planning.schemas import PlanningRun
from backend.planning.solver_pool import SolverPool
from backend.routes import repository
from backend.routes.schemas import DayRoute, ReplanRequest, StopRemoval
from backend.scope.service import rep_is_visible
from backend.settings import Settings


async def route_scope_check(conn: asyncpg.Connection, principal: Principal, rep_id: int) -> None:
    """404 unless the caller may see the rep (themselves, their team, or an admin)."""
    if not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")


async def _local_now(conn: asyncpg.Connection, rep_id: int, clock: Clock) -> dt.datetime:
    zone = await repository.rep_time_zone(conn, rep_id) or "UTC"
    return clock_local_now(clock, zone)


async def route_for(
    conn: asyncpg.Connection, principal: Principal, rep_id: int, day: dt.date | None, clock: Clock
) -> DayRoute:
    await route_scope_check(conn, principal, rep_id)
    day = day or (await _local_now(conn, rep_id, clock)).date()
    route = await repository.newest_route(conn, rep_id, day)
    if route is None:
        reason = await planning.day_off(conn, rep_id, day)
        off = f": a day off ({reason})" if reason is not None else ""
        raise NotFound(f"no route is published for {day}{off}", field="day")
    return route


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


async def replan(
    source: ConnectionSource,
    principal: Principal,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    request: ReplanRequest,
    settings: Settings,
    clock: Clock,
) -> DayRoute:
    """Check the request (4xx naming the field, nothing stored), re-plan, return the new version."""
    if not (-90 <= request.lat <= 90):
        raise InvalidInput("latitude must be within ±90", field="lat")
    if not (-180 <= request.lon <= 180):
        raise InvalidInput("longitude must be within ±180", field="lon")
    if request.time_s is not None and not (0 <= request.time_s < 86_400):
        raise InvalidInput("time_s is seconds from local midnight (0-86399)", field="time_s")
    timeout = settings.pool_acquire_timeout_s
    async with transaction(source, timeout) as conn:
        await route_scope_check(conn, principal, rep_id)
        frame = await repository.rep_day_frame(conn, rep_id)
    if frame is None:
        raise NotFound(f"rep {rep_id} has no rep profile", field="rep_id")
    now = clock_local_now(clock, frame.time_zone)
    today = now.date()
    day = request.day or today
    if day < today:
        raise InvalidInput(f"{day} is in the past (today is {today}): only today can be re-planned", field="day")
    if day > today:
        raise InvalidInput(f"a re-plan starts from where the rep is now: only today ({today})", field="day")
    now_s = request.time_s if request.time_s is not None else now.hour * 3600 + now.minute * 60 + now.second
    if not frame.shift_start_s <= now_s < frame.shift_end_s:
        raise InvalidInput(
            f"{_hhmm(now_s)} is outside the rep's shift ({_hhmm(frame.shift_start_s)}-{_hhmm(frame.shift_end_s)})",
            field="time_s",
        )
    if frame.home_lat is not None and frame.home_lon is not None:
        away_m = _distance_m(request.lat, request.lon, frame.home_lat, frame.home_lon)
        if away_m > settings.replan_max_distance_m:
            raise InvalidInput(
                f"the position is {away_m / 1000:.0f} km from the rep's home "
                f"(at most {settings.replan_max_distance_m / 1000:.0f} km): check lat/lon",
                field="lat",
            )
    try:
        route_id = await planning.replan_rep_day(
            source,
            solver,
            provider,
            rep_id,
            day,
            (request.lat, request.lon),
            now_s,
            clock.now(),
            time_limit_s=settings.replan_time_limit_s,
            acquire_timeout_s=timeout,
        )
    except PlanningInputError as exc:
        raise InvalidInput(str(exc), field="day") from exc
    if route_id is None:
        raise Conflict("the route changed while re-planning (another re-plan or run); retry", field="day")
    async with transaction(source, timeout) as conn:
        route = await repository.newest_route(conn, rep_id, day)
    assert route is not None
    return route


async def remove_stop(
    conn: asyncpg.Connection, principal: Principal, rep_id: int, data: StopRemoval, clock: Clock
) -> DayRoute:
    await route_scope_check(conn, principal, rep_id)
    reason = data.reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("a reason of 1-500 characters is required", field="reason")
    today = (await _local_now(conn, rep_id, clock)).date()
    if data.day < today:
        raise InvalidInput(f"{data.day} is in the past (today is {today})", field="day")
    try:
        await planning.remove_stop(conn, rep_id, data.day, data.account_id, reason, principal.user_id, clock.now())
    except PlanningInputError as exc:
        field = "account_id" if "not a stop" in str(exc) else "day"
        raise InvalidInput(str(exc), field=field) from exc
    route = await repository.newest_route(conn, rep_id, data.day)
    assert route is not None
    return route


async def start_planning_run(
    conn: asyncpg.Connection, principal: Principal, day: dt.date, clock: Clock, time_zone: str
) -> PlanningRun:
    today = clock_local_now(clock, time_zone).date()
    if day < today:
        raise InvalidInput(f"{day} is in the past (today is {today}): a past day is not planned", field="day")
    reps = await repository.team_rep_ids(conn, principal.role.value, principal.user_id)
    # The jobs plan with the business time of the request (a simulated clock's, say), not the worker's.
    run_id, _ = await start_run(conn, day, "api", reps, clock.now())
    return await planning_run(conn, principal, run_id)


async def planning_run(conn: asyncpg.Connection, principal: Principal, run_id: int) -> PlanningRun:
    run = await planning.run_report(conn, run_id, principal.role.value, principal.user_id)
    if run is None or (principal.role is not Role.ADMIN and not run.reps):
        raise NotFound(f"planning run {run_id} not found", field="run_id")
    return run


async def published_route(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> DayRoute | None:
    """The rep's newest route version for the day, for features that show it (sync); no scope check."""
    return await repository.newest_route(conn, rep_id, day)
