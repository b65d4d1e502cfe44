"""HTTP: the supervisor's map layers as GeoJSON, scoped to the caller's team."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from backend.auth.principal import Role
from backend.clock import local_today
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.supervision import service
from backend.supervision.schemas import FeatureCollection, TeamReps

GEOJSON = "application/geo+json"
Day = Annotated[dt.date | None, QueryParameter(description="local day YYYY-MM-DD; default today")]
Rep = Annotated[int | None, QueryParameter(ge=1, description="one rep of the team (user id); default all")]


def _geo(collection: FeatureCollection) -> Response[FeatureCollection]:
    return Response(content=collection, media_type=GEOJSON)


class SupervisionController(Controller):
    path = "/api/v1/supervision"
    tags = ["supervision"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("/reps", summary="The caller's team (an admin: every rep)")
    async def reps(self, conn: Conn, principal: Caller) -> TeamReps:
        return await service.team(conn, principal)

    @get(
        "/routes.geojson",
        media_type=GEOJSON,
        summary="Planned routes of a day: lines and numbered stops",
        description=(
            "GeoJSON (RFC 7946, [lon, lat]). Per rep, the published route as a LineString feature (`kind`"
            ' "route"): with a road engine configured (Valhalla, OSRM) the line follows the roads from'
            ' where the route starts through its stops to home (`line` "roads"); under haversine, when'
            " the engine could not draw it, or after a supervisor took a stop off, straight legs home ->"
            ' stops -> home (`line` "straight"). Each stop is a Point feature (`kind` "stop") numbered'
            ' 1..n in route order with its ETA, window and `visited`; the rep\'s home a Point (`kind` "home").'
        ),
        raises=[NotFoundException],
    )
    async def routes(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        day: Day = None,
        rep: Rep = None,
    ) -> Response[FeatureCollection]:
        day = day or local_today(clock, settings.planning_time_zone)
        return _geo(await service.routes_geojson(conn, principal, day, rep))

    @get(
        "/visits.geojson",
        media_type=GEOJSON,
        summary="Check-ins of a day, coloured by verdict (ok / flagged)",
        raises=[NotFoundException],
    )
    async def visits(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        day: Day = None,
        rep: Rep = None,
    ) -> Response[FeatureCollection]:
        day = day or local_today(clock, settings.planning_time_zone)
        return _geo(await service.visits_geojson(conn, principal, day, rep))

    @get(
        "/due.geojson",
        media_type=GEOJSON,
        summary="Accounts due on a day but not visited, with the cause",
        raises=[NotFoundException],
    )
    async def due(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        day: Day = None,
        rep: Rep = None,
    ) -> Response[FeatureCollection]:
        day = day or local_today(clock, settings.planning_time_zone)
        return _geo(await service.due_geojson(conn, principal, day, rep))

    @get("/territories.geojson", media_type=GEOJSON, summary="Outlines of the team's territories")
    async def territories(self, conn: Conn, principal: Caller) -> Response[FeatureCollection]:
        return _geo(await service.territories_geojson(conn, principal))

    @get(
        "/basemap.geojson",
        media_type=GEOJSON,
        summary="Offline basemap: the demo city's streets (© OpenStreetMap contributors)",
        responses={200: ResponseSpec(FeatureCollection, media_type=GEOJSON, description="The streets as GeoJSON")},
    )
    async def basemap(self) -> Response[bytes]:
        return Response(
            content=await service.basemap_geojson(),
            media_type=GEOJSON,
            headers={"Cache-Control": "private, max-age=86400"},
        )
