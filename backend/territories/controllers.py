"""HTTP: territories with their polygons, boundary changes, coverage."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.clock import local_today
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.territories import service
from backend.territories.schemas import Coverage, Territory, TerritoryChange, TerritoryUpdate

ActiveDays = Annotated[
    int | None, QueryParameter(ge=1, le=400, description="instead of `from`: the period's length in days up to `to`")
]
FromDay = Annotated[dt.date | None, QueryParameter(name="from", description="first local day YYYY-MM-DD")]
ToDay = Annotated[dt.date | None, QueryParameter(name="to", description="last local day YYYY-MM-DD (default today)")]


def _period(first: dt.date | None, last: dt.date | None, days: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    last = last or today
    return first or last - dt.timedelta(days=(days or 28) - 1), last


class TerritoriesController(Controller):
    path = "/api/v1/territories"
    tags = ["territories"]

    @get("", summary="Territories the caller may see, with GeoJSON polygons")
    async def list_territories(self, conn: Conn, principal: Caller) -> list[Territory]:
        return await service.list_territories(conn, principal)

    @get("/{territory_id:int}", summary="One territory", raises=[])
    async def get_territory(self, conn: Conn, principal: Caller, territory_id: FromPath[int]) -> Territory:
        return await service.get_territory(conn, principal, territory_id)

    @put(
        "/{territory_id:int}",
        summary="Change a territory's boundary (GeoJSON), name or reps",
        raises=[],
        guards=[requires_role(Role.ADMIN)],
    )
    async def update_territory(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        territory_id: FromPath[int],
        data: JSONBody[TerritoryUpdate],
    ) -> TerritoryChange:
        """Invalid polygons are repaired (reported) or refused (422, field `geometry`); overlaps and gaps
        with the other territories are reported; the accounts that changed territory are listed."""
        limits = service.GeometryLimits(
            max_vertices=settings.max_territory_vertices, check_timeout_s=settings.geometry_check_timeout_s
        )
        return await service.update_territory(conn, principal, territory_id, data, limits)

    @get("/coverage", summary="Coverage of every territory in scope (and of unassigned accounts)")
    async def coverage_all(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_day: FromDay = None,
        to_day: ToDay = None,
        active_days: ActiveDays = None,
    ) -> list[Coverage]:
        """Potential base, active base and outlets visited per territory and channel over [from, to]
        (default: the 28 days to today), by the definition `/api/v1/reports/coverage` uses too."""
        first, last = _period(from_day, to_day, active_days, local_today(clock, settings.planning_time_zone))
        return await service.coverage(conn, principal, None, first, last)

    @get("/{territory_id:int}/coverage", summary="Coverage of one territory", raises=[])
    async def coverage_one(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        territory_id: FromPath[int],
        from_day: FromDay = None,
        to_day: ToDay = None,
        active_days: ActiveDays = None,
    ) -> Coverage:
        first, last = _period(from_day, to_day, active_days, local_today(clock, settings.planning_time_zone))
        found = await service.coverage(conn, principal, territory_id, first, last)
        return found[0]
