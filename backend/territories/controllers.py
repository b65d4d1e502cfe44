"""HTTP: territories with their polygons."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from backend.http.dependencies import Caller, Conn
from backend.territories import service
from backend.territories.schemas import Territory


class TerritoriesController(Controller):
    path = "/api/v1/territories"
    tags = ["territories"]

    @get("", summary="Territories the caller may see, with GeoJSON polygons")
    async def list_territories(self, conn: Conn, principal: Caller) -> list[Territory]:
        return await service.list_territories(conn, principal)

    @get("/{territory_id:int}", summary="One territory", raises=[])
    async def get_territory(self, conn: Conn, principal: Caller, territory_id: FromPath[int]) -> Territory:
        return await service.get_territory(conn, principal, territory_id)
