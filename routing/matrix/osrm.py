"""Travel matrices from an OSRM service (``GET /table/v1/{profile}/{coordinates}``), requested in blocks,
and the road line of a route (``GET /route/v1/...``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from routing.matrix._http import run_async, run_sync, send_async
from routing.matrix.base import (
    MAX_PLAUSIBLE_DISTANCE_M,
    MAX_PLAUSIBLE_DURATION_S,
    BlockCodec,
    HttpRequest,
    HttpResponse,
    MatrixServiceError,
    Plan,
    Point,
    check_shape,
    clean_value,
    excerpt,
    normalize_mode,
    plan_blocks,
    validate_points,
)
from routing.matrix_types import Matrix

DEFAULT_PROFILES: Mapping[str, str] = {"car": "car", "bicycle": "bike", "foot": "foot"}
"""URL profile per mode, as OSRM's documentation names them (``osrm-routed`` ignores it: one profile
per server, so give ``base_url`` as a mapping mode -> server when you run several)."""

LOCATION_ERROR_CODES = frozenset({"NoSegment"})


class OsrmProvider:
    """OSRM ``table`` client (``annotations=duration,distance``).

    ``block_size`` bounds the sources and the targets of one request, so a request carries at most
    ``2 * block_size`` coordinates: keep ``osrm-routed --max-table-size`` (default 100) above that.
    ``null`` entries become ``math.inf``.
    """

    def __init__(
        self,
        base_url: str | Mapping[str, str],
        timeout_s: float = 30.0,
        block_size: int = 50,
        *,
        profiles: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
    ) -> None:
        if block_size < 1:
            raise ValueError(f"block_size: must be >= 1, got {block_size}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s: must be > 0, got {timeout_s}")
        if isinstance(base_url, str):
            self.base_urls = dict.fromkeys(DEFAULT_PROFILES, base_url.rstrip("/"))
        else:
            self.base_urls = {normalize_mode(k): v.rstrip("/") for k, v in base_url.items()}
        self.timeout_s = float(timeout_s)
        self.block_size = int(block_size)
        self.profiles = {**DEFAULT_PROFILES, **{normalize_mode(k): v for k, v in (profiles or {}).items()}}
        self.headers = dict(headers or {})
        self._client = client
        self._async_client = async_client
        self._codec = BlockCodec(
            build=self._build, parse=_parse, is_location_error=_is_location_error, describe_error=_error
        )

    def matrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Durations (s) and distances (m) between all ``(lat, lon)`` points; ``inf`` = unreachable."""
        return run_sync(self._plan(points, mode), client=self._client, timeout_s=self.timeout_s, headers=self.headers)

    async def amatrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Async variant of :meth:`matrix`."""
        return await run_async(
            self._plan(points, mode),
            client=self._async_client,
            timeout_s=self.timeout_s,
            headers=self.headers,
        )

    async def apath(self, points: Sequence[Point], mode: str) -> list[Point]:
        """The road line through ``points`` in order (OSRM's ``/route`` with the full geometry as GeoJSON)."""
        points = validate_points(points)
        mode = normalize_mode(mode)
        if mode not in self.base_urls:
            raise MatrixServiceError(f"mode: no OSRM server configured for {mode!r}")
        if len(points) < 2:
            return list(points)
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = f"{self.base_urls[mode]}/route/v1/{self.profiles[mode]}/{path}"
        request = HttpRequest(method="GET", url=url, params={"overview": "full", "geometries": "geojson"})
        response = await send_async(request, client=self._async_client, timeout_s=self.timeout_s, headers=self.headers)
        body = response.body
        routes = body.get("routes") if isinstance(body, dict) and body.get("code") == "Ok" else None
        geometry = routes[0].get("geometry") if isinstance(routes, list) and routes else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if response.status != 200 or not isinstance(coordinates, list):
            code = body.get("code") if isinstance(body, dict) else None
            raise MatrixServiceError(
                f"OSRM route answered HTTP {response.status}, code {code!r}: {excerpt(response.text)}",
                url=url.split("/route/")[0] + "/route/...",
                status=response.status,
            )
        return [(float(lat), float(lon)) for lon, lat in coordinates]

    def _plan(self, points: Sequence[Point], mode: str) -> Plan:
        mode = normalize_mode(mode)
        if mode not in self.base_urls:
            raise MatrixServiceError(f"mode: no OSRM server configured for {mode!r}")
        return plan_blocks(validate_points(points), mode, self.block_size, self._codec)

    def _build(self, sources: Sequence[Point], targets: Sequence[Point], mode: str) -> HttpRequest:
        same = list(sources) == list(targets)
        coords = list(sources) if same else [*sources, *targets]
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in coords)
        ns = len(sources)
        params = {
            "sources": ";".join(str(i) for i in range(ns)),
            "destinations": ";".join(str(i) for i in (range(ns) if same else range(ns, ns + len(targets)))),
            "annotations": "duration,distance",
        }
        url = f"{self.base_urls[mode]}/table/v1/{self.profiles[mode]}/{path}"
        return HttpRequest(method="GET", url=url, params=params)


def _parse(response: HttpResponse, ns: int, nt: int) -> tuple[list[list[float]], list[list[float]]]:
    body = response.body
    if not isinstance(body, dict) or body.get("code") != "Ok":
        code = body.get("code") if isinstance(body, dict) else None
        raise MatrixServiceError(f"OSRM table answered code {code!r}: {excerpt(response.text)}")
    raw_t = check_shape(body.get("durations"), ns, nt, "durations", "OSRM table")
    raw_d = check_shape(body.get("distances"), ns, nt, "distances", "OSRM table")
    durations = [[clean_value(v, 1.0, MAX_PLAUSIBLE_DURATION_S) for v in row] for row in raw_t]
    distances = [[clean_value(v, 1.0, MAX_PLAUSIBLE_DISTANCE_M) for v in row] for row in raw_d]
    return durations, distances


def _is_location_error(response: HttpResponse) -> bool:
    body = response.body
    return isinstance(body, dict) and body.get("code") in LOCATION_ERROR_CODES


def _error(request: HttpRequest, response: HttpResponse) -> MatrixServiceError:
    body = response.body
    if isinstance(body, dict) and "code" in body:
        detail = f"{body.get('code')}: {body.get('message', '')}"
    else:
        detail = excerpt(response.text) or "(empty body)"
    url = request.url.split("/table/")[0] + "/table/..."
    return MatrixServiceError(f"OSRM {url} answered HTTP {response.status}: {detail}", url=url, status=response.status)
