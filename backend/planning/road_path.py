"""The road line of a planned route, for the supervisor's map: drawn by the road engine when one is
configured (Valhalla, OSRM), after the solve and before the route is written (no connection held).

Best effort: the route is published whatever happens here. Under haversine there are no roads to
follow; an engine that fails or is slow leaves the route without a line, and the map draws straight
legs between the stops instead.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec

from backend.planning.schemas import Candidate, PlannedRoute
from routing.matrix import AsyncRoadPathProvider, MatrixError

log = logging.getLogger(__name__)

Point = tuple[float, float]

# A road line is a drawing, not a plan: it may not hold up a re-plan for long.
PATH_TIMEOUT_S = 5.0


async def with_road_path(
    route: PlannedRoute, provider: object, start: Point, home: Point, candidates: list[Candidate], mode: str
) -> PlannedRoute:
    """`route` with its road line from `start` through its stops to `home`, or unchanged."""
    if not route.stops or not isinstance(provider, AsyncRoadPathProvider):
        return route
    located = {c.account_id: (c.lat, c.lon) for c in candidates if c.lat is not None and c.lon is not None}
    stops = [located.get(stop.account_id) for stop in route.stops]
    if any(point is None for point in stops):
        return route
    points = [start, *[point for point in stops if point is not None], home]
    try:
        line = await asyncio.wait_for(provider.apath(points, mode), PATH_TIMEOUT_S)
    except (MatrixError, TimeoutError) as exc:
        log.warning("no road line for the route (%s): the map draws straight legs", exc)
        return route
    return msgspec.structs.replace(route, road_path=line) if len(line) >= 2 else route
