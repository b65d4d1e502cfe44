"""Travel matrices from a Valhalla service (``POST /sources_to_targets``), requested in blocks, and the
road line of a route (``POST /route``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx
import polyline

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

DEFAULT_COSTING: Mapping[str, str] = {"car": "auto", "foot": "pedestrian", "bicycle": "bicycle"}

LOCATION_ERROR_CODES = frozenset({171})
"""Valhalla's "No suitable edges near location": a point that does not snap to the network."""

PAIR_ERROR_CODES = frozenset({154})
"""Valhalla's "Path distance exceeds the max distance limit" (``max_matrix_distance``; 400 km for auto by
default): the pair is too far apart to be asked, so it stays unreachable."""


class ValhallaProvider:
    """Valhalla ``sources_to_targets`` client.

    ``block_size`` bounds the sources and the targets of one request (so a request holds at most
    ``block_size**2`` pairs and ``2 * block_size`` locations: keep the service's ``max_locations`` and
    ``max_matrix_location_pairs`` limits above that). Pairs without a route, nulls and sentinel values
    become ``math.inf``; points that cannot be snapped to the network are unreachable from and to
    everything else; any other refusal or an unreachable service raises :class:`MatrixServiceError`.
    """

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 30.0,
        block_size: int = 100,
        *,
        costing: Mapping[str, str] | None = None,
        costing_options: Mapping[str, Mapping[str, object]] | None = None,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
    ) -> None:
        if block_size < 1:
            raise ValueError(f"block_size: must be >= 1, got {block_size}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s: must be > 0, got {timeout_s}")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.block_size = int(block_size)
        self.costing = {**DEFAULT_COSTING, **{normalize_mode(k): v for k, v in (costing or {}).items()}}
        self.costing_options = dict(costing_options or {})
        self.headers = dict(headers or {})
        self._client = client
        self._async_client = async_client
        self._codec = BlockCodec(
            build=self._build,
            parse=self._parse,
            is_location_error=_is_location_error,
            describe_error=_error,
            is_pair_error=_is_pair_error,
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
        """The road line through ``points`` in order (Valhalla's ``/route``: one leg per pair of
        consecutive points, each leg's shape an encoded polyline with six decimals)."""
        points = validate_points(points)
        mode = normalize_mode(mode)
        if len(points) < 2:
            return list(points)
        costing = self.costing[mode]
        body: dict[str, object] = {
            "locations": [{"lat": lat, "lon": lon, "type": "break"} for lat, lon in points],
            "costing": costing,
            "directions_type": "none",
        }
        if costing in self.costing_options:
            body["costing_options"] = {costing: dict(self.costing_options[costing])}
        request = HttpRequest(method="POST", url=f"{self.base_url}/route", json_body=body)
        response = await send_async(request, client=self._async_client, timeout_s=self.timeout_s, headers=self.headers)
        if response.status != 200:
            raise _error(request, response)
        trip = response.body.get("trip") if isinstance(response.body, dict) else None
        legs = trip.get("legs") if isinstance(trip, dict) else None
        if not isinstance(legs, list) or not legs:
            raise MatrixServiceError(f"{request.url}: answer without legs: {excerpt(response.text)}", url=request.url)
        line: list[Point] = []
        for leg in legs:
            shape = leg.get("shape") if isinstance(leg, dict) else None
            if not isinstance(shape, str):
                raise MatrixServiceError(f"{request.url}: a leg without its shape", url=request.url)
            vertices = [(float(lat), float(lon)) for lat, lon in polyline.decode(shape, 6)]
            # Each leg starts where the last ended: the joint once.
            line += vertices[1:] if line and vertices and vertices[0] == line[-1] else vertices
        return line

    def _plan(self, points: Sequence[Point], mode: str) -> Plan:
        return plan_blocks(validate_points(points), normalize_mode(mode), self.block_size, self._codec)

    def _build(self, sources: Sequence[Point], targets: Sequence[Point], mode: str) -> HttpRequest:
        costing = self.costing[mode]
        body: dict[str, object] = {
            "sources": [{"lat": lat, "lon": lon} for lat, lon in sources],
            "targets": [{"lat": lat, "lon": lon} for lat, lon in targets],
            "costing": costing,
            "units": "kilometers",
            "verbose": False,
        }
        if costing in self.costing_options:
            body["costing_options"] = {costing: dict(self.costing_options[costing])}
        return HttpRequest(method="POST", url=f"{self.base_url}/sources_to_targets", json_body=body)

    def _parse(self, response: HttpResponse, ns: int, nt: int) -> tuple[list[list[float]], list[list[float]]]:
        url = f"{self.base_url}/sources_to_targets"
        body = response.body
        if not isinstance(body, dict) or "sources_to_targets" not in body:
            raise MatrixServiceError(f"{url}: answer without 'sources_to_targets': {excerpt(response.text)}", url=url)
        units = body.get("units", "kilometers")
        scale = 1609.344 if units == "miles" else 1000.0
        table = body["sources_to_targets"]
        if isinstance(table, dict):
            # concise form (verbose=false): {"durations": [[..]], "distances": [[..]]}
            raw_t = check_shape(table.get("durations"), ns, nt, "durations", url)
            raw_d = check_shape(table.get("distances"), ns, nt, "distances", url)
        else:  # verbose form: rows of {"from_index", "to_index", "time", "distance"}
            rows = check_shape(table, ns, nt, "sources_to_targets", url)
            raw_t = [[_field(cell, "time") for cell in row] for row in rows]
            raw_d = [[_field(cell, "distance") for cell in row] for row in rows]
        durations = [[clean_value(v, 1.0, MAX_PLAUSIBLE_DURATION_S) for v in row] for row in raw_t]
        distances = [[clean_value(v, scale, MAX_PLAUSIBLE_DISTANCE_M) for v in row] for row in raw_d]
        return durations, distances


def _field(cell: object, key: str) -> object:
    return cell.get(key) if isinstance(cell, dict) else None


def _is_location_error(response: HttpResponse) -> bool:
    body = response.body
    return response.status == 400 and isinstance(body, dict) and body.get("error_code") in LOCATION_ERROR_CODES


def _is_pair_error(response: HttpResponse) -> bool:
    body = response.body
    return response.status == 400 and isinstance(body, dict) and body.get("error_code") in PAIR_ERROR_CODES


def _error(request: HttpRequest, response: HttpResponse) -> MatrixServiceError:
    body = response.body
    if isinstance(body, dict) and "error" in body:
        detail = f"error_code {body.get('error_code')}: {body.get('error')}"
    else:
        detail = excerpt(response.text) or "(empty body)"
    return MatrixServiceError(
        f"Valhalla {request.url} answered HTTP {response.status}: {detail}",
        url=request.url,
        status=response.status,
    )
