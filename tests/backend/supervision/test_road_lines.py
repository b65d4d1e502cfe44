"""The supervisor's map draws each route along the roads when a road engine planned it (issue 14),
and says when it draws straight legs instead."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import asyncpg
import httpx
import pytest

from backend.planning.matrix_cache import CachedMatrixProvider
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider, MatrixServiceError, ValhallaProvider, haversine_m
from tests.backend.conftest import auth_headers
from tests.backend.planning.conftest import DAY, published_day
from tests.routing.conftest_valhalla import valhalla_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.db


class EngineThatCannotDraw(HaversineProvider):
    """A road engine whose matrix answers but whose drawing fails (as a /route outage would)."""

    async def apath(self, points: Sequence[tuple[float, float]], mode: str) -> list[tuple[float, float]]:
        raise MatrixServiceError("Valhalla http://engine/route answered HTTP 503: overloaded")


async def _route_line(client: httpx.AsyncClient, rep_id: int) -> tuple[dict[str, object], list[list[float]]]:
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.get(f"/api/v1/supervision/routes.geojson?day={DAY}&rep={rep_id}", headers=headers)
    assert response.status_code == 200, response.text
    [line] = [f for f in response.json()["features"] if f["properties"]["kind"] == "route"]
    return line["properties"], line["geometry"]["coordinates"]


async def _stops_and_home(
    conn: asyncpg.Connection, rep_id: int
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    route_id = await conn.fetchval(
        "select id from routes where rep_id = $1 and day = $2 order by version desc limit 1", rep_id, DAY
    )
    stops = await conn.fetch(
        "select ST_Y(a.location) as lat, ST_X(a.location) as lon from route_stops s "
        "join accounts a on a.id = s.account_id where s.route_id = $1 order by s.seq",
        route_id,
    )
    home = await conn.fetchrow("select ST_Y(home) as lat, ST_X(home) as lon from reps where user_id = $1", rep_id)
    return [(s["lat"], s["lon"]) for s in stops], (home["lat"], home["lon"])


@pytest.mark.valhalla
async def test_with_a_road_engine_each_route_is_drawn_along_the_roads_through_its_stops_in_order(
    conn: asyncpg.Connection,
    solver: SolverPool,
    client: httpx.AsyncClient,
    valhalla_url: str,  # noqa: F811
) -> None:
    rep_id = await published_day(
        conn, solver, "rep1@example.com", provider=CachedMatrixProvider(ValhallaProvider(valhalla_url))
    )
    properties, line = await _route_line(client, rep_id)
    stops, home = await _stops_and_home(conn, rep_id)
    assert len(stops) >= 3
    assert properties["line"] == "roads"
    vertices = [(lat, lon) for lon, lat in line]
    # Many more vertices than stops: the line bends with the streets.
    assert len(vertices) > 3 * (len(stops) + 2)
    # It leaves from home and comes back there (snapped to the nearest street).
    assert haversine_m(vertices[0], home) < 150 and haversine_m(vertices[-1], home) < 150
    # It passes each stop (within a street's width of where the outlet stands), in the route's order.
    passed_at = -1
    for stop in stops:
        nearest = min(range(passed_at + 1, len(vertices)), key=lambda i: haversine_m(vertices[i], stop))
        assert haversine_m(vertices[nearest], stop) < 150, stop
        passed_at = nearest
    # Along the roads is longer than the straight legs between the same points.
    along = sum(haversine_m(a, b) for a, b in itertools.pairwise(vertices))
    straight_points = [home, *stops, home]
    straight = sum(haversine_m(a, b) for a, b in itertools.pairwise(straight_points))
    assert straight < along < 5 * straight


async def test_under_haversine_the_route_is_straight_legs_home_stops_home_and_says_so(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    rep_id = await published_day(conn, solver, "rep1@example.com", provider=HaversineProvider())
    properties, line = await _route_line(client, rep_id)
    stops, home = await _stops_and_home(conn, rep_id)
    assert properties["line"] == "straight"
    expected = [home, *stops, home]
    assert line == [[round(lon, 6), round(lat, 6)] for lat, lon in expected]


async def test_a_road_engine_that_cannot_draw_still_publishes_the_route_drawn_straight(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    rep_id = await published_day(conn, solver, "rep1@example.com", provider=EngineThatCannotDraw())
    properties, line = await _route_line(client, rep_id)
    stops, _ = await _stops_and_home(conn, rep_id)
    assert properties["line"] == "straight"
    assert len(line) == len(stops) + 2
