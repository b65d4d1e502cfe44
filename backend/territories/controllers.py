"""HTTP: territories with their polygons, boundary changes, coverage."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, Caller, Conn
from backend.http.security import requires_role
from backend.territories import service
from backend.territories.schemas import Coverage, Territory, TerritoryChange, TerritoryUpdate

ActiveDays = Annotated[int | None, QueryParameter(ge=1, le=3650, description="the 'active' window in days")]


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
        self, conn: Conn, principal: Caller, settings: AppSettings, active_days: ActiveDays = None
    ) -> list[Coverage]:
        return await service.coverage(conn, principal, None, active_days or settings.coverage_active_days)

    @get("/{territory_id:int}/coverage", summary="Coverage of one territory", raises=[])
    async def coverage_one(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        territory_id: FromPath[int],
        active_days: ActiveDays = None,
    ) -> Coverage:
        found = await service.coverage(conn, principal, territory_id, active_days or settings.coverage_active_days)
        return found[0]
