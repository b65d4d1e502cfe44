"""HTTP: the rep's route (with ETag), re-planning, supervisors' view of team routes, planning runs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.planning.schemas import PlanningRun
from backend.routes import service
from backend.routes.schemas import DayRoute, ReplanRequest, StartRunRequest, StopRemoval

# The route (200) or, with `If-None-Match` naming the current version, 304 without a body.
CONDITIONAL_ROUTE = {
    200: ResponseSpec(data_container=DayRoute, description="The published route; `ETag` names its version"),
    304: ResponseSpec(data_container=None, description="Not modified: the `If-None-Match` version is current"),
}

Day = Annotated[dt.date | None, QueryParameter(description="YYYY-MM-DD; default today in the rep's time zone")]


def _with_etag(request: Request[Any, Any, Any], route: DayRoute) -> Response[DayRoute | None]:
    # A route id is one immutable version: the phone re-downloads only when a new one is published.
    if request.headers.get("if-none-match") == route.etag:
        return Response(content=None, status_code=304, headers={"ETag": route.etag})
    return Response(content=route, headers={"ETag": route.etag, "Cache-Control": "private, no-cache"})


class MyRouteController(Controller):
    path = "/api/v1/me/route"
    tags = ["routes"]
    guards = [requires_role(Role.REP)]

    @get("", summary="The caller's published route for a day", responses=CONDITIONAL_ROUTE)
    async def my_route(
        self, request: Request[Any, Any, Any], conn: Conn, principal: Caller, clock: BusinessClock, day: Day = None
    ) -> Response[DayRoute | None]:
        """Ordered stops with account, ETA, time window, service time and the legs' travel times.
        404 when no route is published for the day (the detail says when the day is a day off for
        the rep: `a day off (weekend)`, `(holiday)` or `(absence)`); 304 when `If-None-Match` names
        the current `ETag`."""
        return _with_etag(request, await service.route_for(conn, principal, principal.user_id, day, clock))

    @post("/replan", status_code=200, summary="Re-plan the rest of today from where the rep stands")
    async def replan_mine(
        self,
        principal: Caller,
        state: State,
        settings: AppSettings,
        clock: BusinessClock,
        data: JSONBody[ReplanRequest],
    ) -> DayRoute:
        """Done visits stay done; tasks, appointments and due visits dropped earlier come in when they
        fit; the lunch break is kept. Holds no database connection while solving."""
        return await service.replan(
            state.pool, principal, state.solver, state.matrix_provider, principal.user_id, data, settings, clock
        )


class TeamRoutesController(Controller):
    path = "/api/v1/reps/{rep_id:int}/route"
    tags = ["routes"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("", summary="A team rep's published route for a day", responses=CONDITIONAL_ROUTE)
    async def rep_route(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        rep_id: FromPath[int],
        day: Day = None,
    ) -> Response[DayRoute | None]:
        """404 when the rep has no published route for the day; 304 when `If-None-Match` names the
        current `ETag`."""
        return _with_etag(request, await service.route_for(conn, principal, rep_id, day, clock))

    @post("/replan", status_code=200, summary="Re-plan the rest of a team rep's day")
    async def replan_rep(
        self,
        principal: Caller,
        state: State,
        settings: AppSettings,
        clock: BusinessClock,
        rep_id: FromPath[int],
        data: JSONBody[ReplanRequest],
    ) -> DayRoute:
        return await service.replan(
            state.pool, principal, state.solver, state.matrix_provider, rep_id, data, settings, clock
        )

    @post("/removals", status_code=200, summary="Take a stop off a rep's day, with a reason")
    async def remove_stop(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        rep_id: FromPath[int],
        data: JSONBody[StopRemoval],
    ) -> DayRoute:
        """Publishes a version without the stop; plan vs fact subtracts it from the day's plan."""
        return await service.remove_stop(conn, principal, rep_id, data, clock)


class PlanningRunsController(Controller):
    path = "/api/v1/planning-runs"
    tags = ["planning"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @post("", status_code=202, summary="Queue a planning run for a day (the caller's team)")
    async def start(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        data: JSONBody[StartRunRequest],
    ) -> PlanningRun:
        """A day in the past is refused (422, `day`); the worker runs the queued jobs."""
        return await service.start_planning_run(conn, principal, data.day, clock, settings.planning_time_zone)

    @get("/{run_id:int}", summary="Progress and per-rep report of a planning run")
    async def get_run(self, conn: Conn, principal: Caller, run_id: FromPath[int]) -> PlanningRun:
        return await service.planning_run(conn, principal, run_id)
