"""The Valhalla provider against a real ``valhalla_service`` over the bundled central-Helsinki extract.

Skipped only when the optional ``pyvalhalla-weekly`` wheel is missing (the fixture prints why).
"""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest

from routing.matrix import Matrix, ValhallaProvider, haversine_m
from tests.routing.conftest_valhalla import valhalla_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.valhalla

# The extract's drivable network spans lat 60.1642-60.1791, lon 24.9352-24.9534: a 6 x 5 grid inside it.
DEMO_POINTS: list[tuple[float, float]] = [
    (60.1655 + 0.00245 * r, 24.9365 + 0.0039 * c) for r in range(6) for c in range(5)
]


def _finite_share(m: Matrix) -> float:
    n = len(m.durations)
    finite = sum(math.isfinite(m.durations[i][j]) for i in range(n) for j in range(n) if i != j)
    return finite / (n * (n - 1))


def test_car_matrix_on_demo_points(valhalla_url: str) -> None:  # noqa: F811
    m = ValhallaProvider(valhalla_url, timeout_s=30).matrix(DEMO_POINTS, "car")
    n = len(DEMO_POINTS)
    assert len(m.durations) == n and all(len(row) == n for row in m.durations)
    assert len(m.distances) == n and all(len(row) == n for row in m.distances)
    for i in range(n):
        assert m.durations[i][i] == 0.0 and m.distances[i][i] == 0.0
        for j in range(n):
            assert math.isinf(m.durations[i][j]) == math.isinf(m.distances[i][j])
            if i != j and math.isfinite(m.distances[i][j]):
                assert m.durations[i][j] > 0
                # Snapping moves a point onto the nearest road, so allow 150 m below the straight line.
                assert m.distances[i][j] >= haversine_m(DEMO_POINTS[i], DEMO_POINTS[j]) - 150.0
                assert m.distances[i][j] < 20_000.0
    share = _finite_share(m)
    # One-way streets at the clipped border leave some pairs without a route: inf, not a crash.
    assert 0.6 <= share < 1.0, share


def test_blocks_give_the_same_matrix_as_one_request(valhalla_url: str) -> None:  # noqa: F811
    whole = ValhallaProvider(valhalla_url, block_size=100).matrix(DEMO_POINTS, "car")
    blocked = ValhallaProvider(valhalla_url, block_size=7).matrix(DEMO_POINTS, "car")
    assert blocked == whole


def test_async_variant_and_other_modes(valhalla_url: str) -> None:  # noqa: F811
    provider = ValhallaProvider(valhalla_url, block_size=16)
    car = provider.matrix(DEMO_POINTS, "car")
    assert asyncio.run(provider.amatrix(DEMO_POINTS, "auto")) == car
    foot = provider.matrix(DEMO_POINTS, "foot")
    bike = provider.matrix(DEMO_POINTS, "bicycle")
    # Pedestrians ignore one-way streets: at least as many pairs connect on foot as by car.
    assert _finite_share(foot) >= _finite_share(car)
    assert _finite_share(bike) > 0.5
    walk_s = sum(foot.durations[0][j] for j in range(1, 6))
    assert math.isfinite(walk_s) and walk_s > 0


def test_points_off_the_network_are_unreachable_not_errors(valhalla_url: str) -> None:  # noqa: F811
    # In the sea ~50 km south (nothing to snap to: error 171), and Oulu, ~600 km north (beyond the
    # service's 400 km matrix distance limit: error 154). Both stay unreachable; the rest is served.
    points = [*DEMO_POINTS[:5], (59.70, 24.90), (65.01, 25.47)]
    m = ValhallaProvider(valhalla_url, block_size=3).matrix(points, "car")
    for bad in (5, 6):
        assert m.durations[bad][bad] == 0.0
        others = [j for j in range(7) if j != bad]
        assert all(math.isinf(m.durations[bad][j]) and math.isinf(m.durations[j][bad]) for j in others)
    assert _finite_share(Matrix(durations=[r[:5] for r in m.durations[:5]], distances=[])) > 0.5
    reference = ValhallaProvider(valhalla_url).matrix(points[:5], "car")
    assert [row[:5] for row in m.durations[:5]] == reference.durations


def test_road_line_follows_the_streets_through_every_point_in_order(valhalla_url: str) -> None:  # noqa: F811
    # Three points a few blocks apart: the line along the roads is longer than the straight one, has
    # many more vertices, starts and ends near the first and last points, and passes the middle one.
    points = [DEMO_POINTS[0], DEMO_POINTS[12], DEMO_POINTS[4]]
    line = asyncio.run(ValhallaProvider(valhalla_url).apath(points, "car"))
    assert len(line) > 2 * len(points)
    assert all(60.0 < lat < 60.3 and 24.8 < lon < 25.1 for lat, lon in line)
    for point in (points[0], points[-1]):
        assert min(haversine_m(point, vertex) for vertex in (line[0], line[-1])) < 150.0
    assert min(haversine_m(points[1], vertex) for vertex in line) < 150.0
    along = sum(haversine_m(a, b) for a, b in itertools.pairwise(line))
    straight = sum(haversine_m(a, b) for a, b in itertools.pairwise(points))
    assert along > straight


def test_road_line_of_a_point_off_the_network_is_a_clear_error(valhalla_url: str) -> None:  # noqa: F811
    from routing.matrix import MatrixServiceError

    with pytest.raises(MatrixServiceError, match="Valhalla"):
        asyncio.run(ValhallaProvider(valhalla_url).apath([DEMO_POINTS[0], (59.70, 24.90)], "car"))
