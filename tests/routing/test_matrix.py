"""Travel-matrix providers without a routing service: haversine, the factory, and the HTTP clients' parsing
(OSRM and Valhalla error paths) against tiny local fake servers that answer in the documented formats."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from routing.matrix import (
    HaversineProvider,
    InvalidPointsError,
    Matrix,
    MatrixServiceError,
    OsrmProvider,
    TravelMatrixProvider,
    UnknownModeError,
    ValhallaProvider,
    haversine_m,
    provider_from_settings,
)

# Central Helsinki landmarks (lat, lon).
RAILWAY_STATION = (60.171040, 24.941470)
SENATE_SQUARE = (60.169440, 24.952220)
KAMPPI = (60.168530, 24.931790)
MARKET_SQUARE = (60.167610, 24.952740)
TURKU_CATHEDRAL = (60.452230, 22.278380)

Reply = tuple[int, Any]
Handler = Callable[[str, str, dict[str, list[str]], Any], Reply]


@contextmanager
def fake_server(handler: Handler) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A stdlib HTTP server on 127.0.0.1; ``handler(method, path, query, json_body) -> (status, body)``.

    Yields the base URL and the list of ``(method, path?query)`` requests seen.
    """
    seen: list[tuple[str, str]] = []

    class _Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            parts = urlsplit(self.path)
            seen.append((method, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, payload = handler(method, parts.path, parse_qs(parts.query), body)
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _reference(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[haversine_m(a, b) for b in points] for a in points]


def _points(n: int) -> list[tuple[float, float]]:
    return [(60.165 + 0.0011 * (i % 7), 24.936 + 0.0017 * (i // 7)) for i in range(n)]


# --------------------------------------------------------------------------------------------------
# Haversine
# --------------------------------------------------------------------------------------------------


def test_haversine_known_distance_within_one_percent() -> None:
    # WGS84 ellipsoid geodesics (pyproj.Geod(ellps="WGS84").inv): railway station -> Senate Square
    # 622.82 m, railway station -> Turku cathedral 150,486 m.
    assert haversine_m(RAILWAY_STATION, SENATE_SQUARE) == pytest.approx(622.82, rel=0.01)
    assert haversine_m(RAILWAY_STATION, TURKU_CATHEDRAL) == pytest.approx(150_486, rel=0.01)


def test_haversine_provider_applies_circuity_and_speed_per_mode() -> None:
    provider = HaversineProvider()
    points = [RAILWAY_STATION, SENATE_SQUARE, KAMPPI, MARKET_SQUARE]
    straight = _reference(points)
    for mode in ("car", "bicycle", "foot"):
        m = provider.matrix(points, mode)
        profile = provider.profiles[mode]
        for i in range(4):
            assert m.durations[i][i] == 0.0 and m.distances[i][i] == 0.0
            for j in range(4):
                assert m.distances[i][j] == pytest.approx(straight[i][j] * profile.circuity)
                assert m.durations[i][j] == pytest.approx(m.distances[i][j] / profile.speed_m_s)
                assert m.distances[i][j] == pytest.approx(m.distances[j][i])
    walk = provider.matrix(points, "walk").durations[0][1]
    drive = provider.matrix(points, "auto").durations[0][1]
    assert walk > provider.matrix(points, "bike").durations[0][1] > drive > 0


def test_haversine_provider_overrides_and_edge_cases() -> None:
    provider = HaversineProvider(speeds_m_s={"car": 10.0}, circuity={"car": 1.0})
    m = provider.matrix([RAILWAY_STATION, SENATE_SQUARE], "car")
    assert m.durations[0][1] == pytest.approx(haversine_m(RAILWAY_STATION, SENATE_SQUARE) / 10.0)
    assert provider.matrix([], "car") == Matrix(durations=[], distances=[])
    assert provider.matrix([KAMPPI], "foot") == Matrix(durations=[[0.0]], distances=[[0.0]])
    assert asyncio.run(provider.amatrix([KAMPPI, KAMPPI], "foot")).distances == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(UnknownModeError, match="mode"):
        provider.matrix([KAMPPI], "helicopter")
    with pytest.raises(InvalidPointsError, match=r"points\[1\]"):
        provider.matrix([KAMPPI, (91.0, 24.0)], "car")
    with pytest.raises(InvalidPointsError, match=r"points\[0\]"):
        provider.matrix([(math.nan, 24.0)], "car")
    with pytest.raises(ValueError, match="speed_m_s"):
        HaversineProvider(speeds_m_s={"foot": 0.0})


def test_haversine_scales_to_a_big_matrix() -> None:
    m = HaversineProvider().matrix(_points(700), "car")
    assert len(m.durations) == 700 and all(len(row) == 700 for row in m.distances)


# --------------------------------------------------------------------------------------------------
# Factory
# --------------------------------------------------------------------------------------------------


def test_provider_from_settings() -> None:
    assert isinstance(provider_from_settings("haversine"), HaversineProvider)
    valhalla = provider_from_settings("Valhalla", base_url="http://127.0.0.1:1/", timeout_s=3, block_size=7)
    assert isinstance(valhalla, ValhallaProvider)
    assert (valhalla.base_url, valhalla.timeout_s, valhalla.block_size) == ("http://127.0.0.1:1", 3.0, 7)
    assert isinstance(provider_from_settings("osrm", base_url="http://x"), OsrmProvider)
    for provider in (valhalla, provider_from_settings("haversine")):
        assert isinstance(provider, TravelMatrixProvider)
    with pytest.raises(ValueError, match="unknown name 'google'"):
        provider_from_settings("google")
    with pytest.raises(ValueError, match="base_url is required"):
        provider_from_settings("valhalla")
    with pytest.raises(ValueError, match="haversine"):
        provider_from_settings("haversine", base_url="http://x")


# --------------------------------------------------------------------------------------------------
# OSRM client against a fake `table` service (documented response format)
# --------------------------------------------------------------------------------------------------

UNREACHABLE_LAT = 60.1999  # the fake answers null to and from points on this latitude
UNSNAPPABLE_LON = 24.0  # the fake answers NoSegment for any request holding this longitude


def _osrm_handler(max_coords: int) -> Handler:
    def handle(method: str, path: str, query: dict[str, list[str]], body: Any) -> Reply:
        prefix = "/table/v1/"
        if method != "GET" or not path.startswith(prefix):
            return 400, {"code": "InvalidUrl", "message": "URL string malformed"}
        _profile, _, coords = path[len(prefix) :].partition("/")
        points = [(float(c.split(",")[1]), float(c.split(",")[0])) for c in coords.split(";")]
        if len(points) > max_coords:
            return 400, {"code": "TooBig", "message": "Too many table coordinates"}
        if any(lon == UNSNAPPABLE_LON for _, lon in points):
            return 400, {"code": "NoSegment", "message": "Could not find a matching segment for any coordinate"}
        if query.get("annotations") != ["duration,distance"]:
            return 400, {"code": "InvalidOptions", "message": "annotations"}
        sources = [int(i) for i in query["sources"][0].split(";")]
        destinations = [int(i) for i in query["destinations"][0].split(";")]
        ref = _reference(points)

        def cell(i: int, j: int, scale: float) -> float | None:
            if i != j and UNREACHABLE_LAT in (points[i][0], points[j][0]):
                return None
            return round(ref[i][j] * scale, 1)

        return 200, {
            "code": "Ok",
            "durations": [[cell(i, j, 0.1) for j in destinations] for i in sources],
            "distances": [[cell(i, j, 1.0) for j in destinations] for i in sources],
            "sources": [{"location": [points[i][1], points[i][0]], "name": "", "distance": 0.0} for i in sources],
            "destinations": [{"location": [points[j][1], points[j][0]], "name": ""} for j in destinations],
        }

    return handle


def test_osrm_table_parsing_in_blocks() -> None:
    points = _points(23)
    points[5] = (UNREACHABLE_LAT, points[5][1])
    ref = _reference(points)
    with fake_server(_osrm_handler(max_coords=10)) as (url, seen):
        m = OsrmProvider(url, block_size=5).matrix(points, "car")
        whole = OsrmProvider(url, block_size=5, profiles={"car": "driving"}).matrix(points[:5], "car")
    assert len(seen) == 5 * 5 + 1
    assert all(path.startswith("/table/v1/car/") for _, path in seen[:-1])
    assert seen[-1][1].startswith("/table/v1/driving/")
    for i in range(23):
        assert m.durations[i][i] == 0.0 and m.distances[i][i] == 0.0
        for j in range(23):
            if i != j and 5 in (i, j):
                assert math.isinf(m.durations[i][j]) and math.isinf(m.distances[i][j])
            elif i != j:
                assert m.distances[i][j] == pytest.approx(ref[i][j], abs=0.06)
                assert m.durations[i][j] == pytest.approx(ref[i][j] * 0.1, abs=0.06)
    assert whole.distances == [row[:5] for row in m.distances[:5]]


def test_osrm_unsnappable_point_becomes_unreachable() -> None:
    points = [*_points(4), (60.2, UNSNAPPABLE_LON)]
    with fake_server(_osrm_handler(max_coords=100)) as (url, _):
        m = OsrmProvider(url).matrix(points, "foot")
    assert all(math.isinf(m.durations[4][j]) and math.isinf(m.durations[j][4]) for j in range(4))
    assert m.durations[4][4] == 0.0
    assert all(math.isfinite(m.durations[i][j]) for i in range(4) for j in range(4))


def _osrm_route_handler(method: str, path: str, query: dict[str, list[str]], body: Any) -> Reply:
    """OSRM's documented `route` answer: the geometry as GeoJSON when asked for `geometries=geojson`,
    here a bend half-way along each leg (as a street corner would make)."""
    prefix = "/route/v1/"
    if method != "GET" or not path.startswith(prefix):
        return 400, {"code": "InvalidUrl", "message": "URL string malformed"}
    if query.get("overview") != ["full"] or query.get("geometries") != ["geojson"]:
        return 400, {"code": "InvalidOptions", "message": "overview/geometries"}
    _profile, _, coords = path[len(prefix) :].partition("/")
    lonlats = [[float(v) for v in c.split(",")] for c in coords.split(";")]
    if any(lon == UNSNAPPABLE_LON for lon, _ in lonlats):
        return 400, {"code": "NoSegment", "message": "Could not find a matching segment for any coordinate"}
    line = [lonlats[0]]
    for (lon_a, _lat_a), (lon_b, lat_b) in itertools.pairwise(lonlats):
        line += [[lon_a, lat_b], [lon_b, lat_b]]
    return 200, {"code": "Ok", "routes": [{"geometry": {"type": "LineString", "coordinates": line}}], "waypoints": []}


def test_osrm_road_line_is_read_as_lat_lon_through_every_point() -> None:
    points = _points(3)
    with fake_server(_osrm_route_handler) as (url, seen):
        line = asyncio.run(OsrmProvider(url).apath(points, "car"))
        with pytest.raises(MatrixServiceError, match="NoSegment"):
            asyncio.run(OsrmProvider(url).apath([points[0], (60.2, UNSNAPPABLE_LON)], "car"))
    assert seen[0][1].startswith("/route/v1/car/")
    assert line[0] == pytest.approx(points[0]) and line[-1] == pytest.approx(points[-1])
    assert len(line) == 1 + 2 * (len(points) - 1)
    for point in points:
        assert any(vertex == pytest.approx(point) for vertex in line)


def test_osrm_errors_are_clear() -> None:
    with fake_server(_osrm_handler(max_coords=3)) as (url, _):
        with pytest.raises(MatrixServiceError, match="HTTP 400: TooBig"):
            OsrmProvider(url, block_size=50).matrix(_points(4), "car")
        ok = asyncio.run(OsrmProvider(url, block_size=1).amatrix(_points(3), "car"))
        assert all(math.isfinite(v) for row in ok.durations for v in row)
    with pytest.raises(MatrixServiceError, match="failed"):
        OsrmProvider("http://127.0.0.1:9", timeout_s=2).matrix(_points(2), "car")


# --------------------------------------------------------------------------------------------------
# Valhalla client edge cases against a fake (the real service is in test_matrix_valhalla.py)
# --------------------------------------------------------------------------------------------------


def _valhalla_handler(verbose_answer: bool) -> Handler:
    def handle(method: str, path: str, query: dict[str, list[str]], body: Any) -> Reply:
        if path != "/sources_to_targets":
            return 404, {"error_code": 106, "error": "Try any of: '/sources_to_targets'", "status_code": 404}
        sources = [(p["lat"], p["lon"]) for p in body["sources"]]
        targets = [(p["lat"], p["lon"]) for p in body["targets"]]
        if body["costing"] == "bicycle":
            return 500, "<html>Internal Server Error</html>"
        if any(haversine_m(a, b) > 400_000 for a in sources for b in targets):
            error = "Path distance exceeds the max distance limit: 400000 meters"
            return 400, {"error_code": 154, "error": error, "status_code": 400, "status": "Bad Request"}

        def pair(i: int, j: int) -> tuple[float | int | None, float | None]:
            km = haversine_m(sources[i], targets[j]) / 1000.0
            if sources[i][0] == UNREACHABLE_LAT:
                return 2**63, 2**63 / 1000.0  # sentinel "infinite" values
            if targets[j][0] == UNREACHABLE_LAT:
                return None, None
            return round(km * 120), round(km, 3)

        if verbose_answer:
            table: Any = [
                [
                    {"from_index": i, "to_index": j, "time": pair(i, j)[0], "distance": pair(i, j)[1]}
                    for j in range(len(targets))
                ]
                for i in range(len(sources))
            ]
        else:
            table = {
                "durations": [[pair(i, j)[0] for j in range(len(targets))] for i in range(len(sources))],
                "distances": [[pair(i, j)[1] for j in range(len(targets))] for i in range(len(sources))],
            }
        return 200, {"sources_to_targets": table, "units": "kilometers", "algorithm": "costmatrix"}

    return handle


@pytest.mark.parametrize("verbose_answer", [False, True])
def test_valhalla_sentinels_and_nulls_become_inf(verbose_answer: bool) -> None:
    points = _points(9)
    points[2] = (UNREACHABLE_LAT, points[2][1])
    with fake_server(_valhalla_handler(verbose_answer)) as (url, seen):
        m = ValhallaProvider(url, block_size=4).matrix(points, "car")
    assert len(seen) == 9
    ref = _reference(points)
    for i in range(9):
        for j in range(9):
            if i == j:
                assert m.durations[i][j] == 0.0
            elif 2 in (i, j):
                assert math.isinf(m.durations[i][j]) and math.isinf(m.distances[i][j])
            else:
                assert m.distances[i][j] == pytest.approx(ref[i][j], abs=0.6)


def test_valhalla_pairs_beyond_the_distance_limit_become_inf() -> None:
    oulu = (65.0121, 25.4651)
    points = [*_points(5), oulu]
    with fake_server(_valhalla_handler(False)) as (url, seen):
        m = ValhallaProvider(url, block_size=4).matrix(points, "car")
    ref = _reference(points)
    for i in range(6):
        for j in range(6):
            if i != j and 5 in (i, j):
                assert math.isinf(m.durations[i][j]) and math.isinf(m.distances[i][j])
            else:
                assert m.distances[i][j] == pytest.approx(ref[i][j], abs=0.6)
    # 4 blocks; the 3 refused ones are asked again row by row, refused rows cell by cell.
    assert len(seen) > 4


def test_valhalla_http_errors_are_clear() -> None:
    with fake_server(_valhalla_handler(False)) as (url, _):
        with pytest.raises(MatrixServiceError, match=r"HTTP 500: <html>Internal Server Error"):
            ValhallaProvider(url).matrix(_points(3), "bicycle")
        with pytest.raises(MatrixServiceError, match="error_code 106"):
            ValhallaProvider(url + "/wrong").matrix(_points(3), "car")
    with pytest.raises(MatrixServiceError, match=r"127\.0\.0\.1:9/sources_to_targets failed"):
        ValhallaProvider("http://127.0.0.1:9", timeout_s=2).matrix(_points(2), "car")
    with pytest.raises(ValueError, match="block_size"):
        ValhallaProvider("http://x", block_size=0)
