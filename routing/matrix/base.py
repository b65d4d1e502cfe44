"""The travel-matrix protocol, travel modes, errors and the block-wise request plan shared by HTTP providers.

HTTP providers are written "sans-IO": :func:`plan_blocks` is a generator that yields the requests to send
and receives the responses, so one algorithm serves the sync and the async drivers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from routing.matrix_types import Matrix

Point = tuple[float, float]
"""A location as ``(lat, lon)`` in WGS84 degrees."""

TRAVEL_MODES: tuple[str, ...] = ("car", "bicycle", "foot")
"""The travel modes every provider understands."""

_MODE_ALIASES: Mapping[str, str] = {
    "car": "car",
    "auto": "car",
    "drive": "car",
    "driving": "car",
    "bicycle": "bicycle",
    "bike": "bicycle",
    "cycling": "bicycle",
    "foot": "foot",
    "walk": "foot",
    "walking": "foot",
    "pedestrian": "foot",
}

MAX_PLAUSIBLE_DURATION_S = 1.0e7
"""About 116 days: any larger travel time from a service is a sentinel (e.g. 2^63), read as unreachable."""

MAX_PLAUSIBLE_DISTANCE_M = 1.0e8
"""100,000 km, more than twice round the Earth: any larger distance is a sentinel, read as unreachable."""


class MatrixError(Exception):
    """Base class of every error raised by a travel-matrix provider."""


class UnknownModeError(MatrixError, ValueError):
    """The travel mode is not one of :data:`TRAVEL_MODES` (or an alias of one)."""


class InvalidPointsError(MatrixError, ValueError):
    """A point is not a finite ``(lat, lon)`` pair inside the valid ranges."""


class MatrixServiceError(MatrixError):
    """The routing service could not be reached or answered with an error or an unreadable body."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@runtime_checkable
class TravelMatrixProvider(Protocol):
    """Anything that turns points into a travel :class:`~routing.matrix_types.Matrix`."""

    def matrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Square matrices over ``points`` (``(lat, lon)``) for the travel ``mode``; ``inf`` = unreachable."""
        ...


@runtime_checkable
class AsyncTravelMatrixProvider(Protocol):
    """The async variant of :class:`TravelMatrixProvider`."""

    async def amatrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Like :meth:`TravelMatrixProvider.matrix`, without blocking the event loop."""
        ...


@runtime_checkable
class AsyncRoadPathProvider(Protocol):
    """A road engine that also draws the way: the line along the roads through points in order."""

    async def apath(self, points: Sequence[Point], mode: str) -> list[Point]:
        """The road line (``(lat, lon)`` vertices) from the first point through each in turn to the
        last, for the travel ``mode``; raises :class:`MatrixServiceError` when the engine cannot."""
        ...


def normalize_mode(mode: str) -> str:
    """Map a travel mode or one of its aliases (``auto``, ``walk``, ``bike``...) to ``car|bicycle|foot``."""
    key = mode.strip().lower() if isinstance(mode, str) else ""
    try:
        return _MODE_ALIASES[key]
    except KeyError:
        raise UnknownModeError(
            f"mode: unknown travel mode {mode!r}; expected one of {', '.join(TRAVEL_MODES)}"
        ) from None


def validate_points(points: Sequence[Point]) -> list[Point]:
    """Check and copy points; raise :class:`InvalidPointsError` naming the first bad index."""
    out: list[Point] = []
    for i, p in enumerate(points):
        try:
            lat, lon = float(p[0]), float(p[1])
            if len(p) != 2:
                raise ValueError
        except (TypeError, ValueError, IndexError):
            raise InvalidPointsError(f"points[{i}]: expected a (lat, lon) pair, got {p!r}") from None
        if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90.0 <= lat <= 90.0):
            raise InvalidPointsError(f"points[{i}]: latitude {lat!r} is not a finite value in [-90, 90]")
        if not -180.0 <= lon <= 180.0:
            raise InvalidPointsError(f"points[{i}]: longitude {lon!r} is not a finite value in [-180, 180]")
        out.append((lat, lon))
    return out


def clean_value(value: object, scale: float, limit: float) -> float:
    """A service's number times ``scale``; ``inf`` for null, non-numbers, NaN, negatives and sentinels."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return math.inf
    v = float(value) * scale
    if not math.isfinite(v) or v < 0.0 or v > limit:
        return math.inf
    return v


def block_ranges(n: int, block_size: int) -> list[range]:
    """Split ``range(n)`` into consecutive ranges of at most ``block_size``."""
    if block_size < 1:
        raise ValueError(f"block_size: must be >= 1, got {block_size}")
    return [range(s, min(s + block_size, n)) for s in range(0, n, block_size)]


def empty_matrix(n: int) -> tuple[list[list[float]], list[list[float]]]:
    """An ``n x n`` pair of matrices, all unreachable except a zero diagonal."""
    durations = [[math.inf] * n for _ in range(n)]
    distances = [[math.inf] * n for _ in range(n)]
    for i in range(n):
        durations[i][i] = 0.0
        distances[i][i] = 0.0
    return durations, distances


# --------------------------------------------------------------------------------------------------
# Sans-IO request plan for HTTP providers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request a provider wants sent."""

    method: str
    url: str
    json_body: object | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    """What the driver got back: the status, the JSON body if it parsed (else ``None``) and the raw text."""

    status: int
    body: object | None
    text: str


BlockParser = Callable[[HttpResponse, int, int], tuple[list[list[float]], list[list[float]]]]
"""Turns a block's response into ``(durations, distances)`` of shape ``n_sources x n_targets``."""


@dataclass(frozen=True)
class BlockCodec:
    """The provider-specific parts of a block-wise matrix request."""

    build: Callable[[Sequence[Point], Sequence[Point], str], HttpRequest]
    """``(sources, targets, mode) -> request``."""
    parse: BlockParser
    is_location_error: Callable[[HttpResponse], bool]
    """True when the service refused the request because some location cannot be snapped to the network."""
    describe_error: Callable[[HttpRequest, HttpResponse], MatrixServiceError]
    is_pair_error: Callable[[HttpResponse], bool] = lambda _response: False
    """True when the service refused the request because of some pair (e.g. too far apart to route)."""


Plan = Generator[HttpRequest, HttpResponse, Matrix]
Block = tuple[list[list[float]], list[list[float]]]


def plan_blocks(points: Sequence[Point], mode: str, block_size: int, codec: BlockCodec) -> Plan:
    """Request the matrix block by block; yields requests, receives responses, returns the matrix.

    Degrades instead of failing where a service refuses a whole request for one bad location or pair:

    - a location that cannot be snapped to the network (probed alone) stays unreachable (``inf``) and
      the block is asked again without it;
    - a pair the service will not route (e.g. farther apart than its matrix distance limit) makes the
      block be asked again row by row, and a refused row cell by cell; refused cells stay ``inf``.

    Any other refusal raises :class:`MatrixServiceError`.
    """
    n = len(points)
    durations, distances = empty_matrix(n)
    if n <= 1:
        return Matrix(durations=durations, distances=distances)
    ranges = block_ranges(n, block_size)
    unroutable: set[int] = set()
    for src in ranges:
        for dst in ranges:
            srcs = [i for i in src if i not in unroutable]
            dsts = [j for j in dst if j not in unroutable]
            if not srcs or not dsts:
                continue
            request = codec.build([points[i] for i in srcs], [points[j] for j in dsts], mode)
            response = yield request
            if response.status != 200 and codec.is_location_error(response):
                for k in sorted(set(srcs) | set(dsts)):
                    probe = codec.build([points[k]], [points[k]], mode)
                    probed = yield probe
                    if probed.status != 200:
                        if codec.is_location_error(probed):
                            unroutable.add(k)
                        else:
                            raise codec.describe_error(probe, probed)
                srcs = [i for i in srcs if i not in unroutable]
                dsts = [j for j in dsts if j not in unroutable]
                if not srcs or not dsts:
                    continue
                request = codec.build([points[i] for i in srcs], [points[j] for j in dsts], mode)
                response = yield request
            if response.status != 200 and codec.is_pair_error(response):
                yield from _row_by_row(points, mode, srcs, dsts, codec, durations, distances)
                continue
            _store(durations, distances, srcs, dsts, _parse_or_raise(codec, request, response, len(srcs), len(dsts)))
    return Matrix(durations=durations, distances=distances)


def _row_by_row(
    points: Sequence[Point],
    mode: str,
    srcs: Sequence[int],
    dsts: Sequence[int],
    codec: BlockCodec,
    durations: list[list[float]],
    distances: list[list[float]],
) -> Generator[HttpRequest, HttpResponse, None]:
    for i in srcs:
        request = codec.build([points[i]], [points[j] for j in dsts], mode)
        response = yield request
        if response.status == 200 or not _refused(codec, response):
            _store(durations, distances, [i], dsts, _parse_or_raise(codec, request, response, 1, len(dsts)))
            continue
        for j in dsts:
            if i == j:
                continue
            cell_request = codec.build([points[i]], [points[j]], mode)
            cell = yield cell_request
            if cell.status != 200 and _refused(codec, cell):
                continue  # stays inf
            _store(durations, distances, [i], [j], _parse_or_raise(codec, cell_request, cell, 1, 1))


def _refused(codec: BlockCodec, response: HttpResponse) -> bool:
    return codec.is_pair_error(response) or codec.is_location_error(response)


def _parse_or_raise(codec: BlockCodec, request: HttpRequest, response: HttpResponse, ns: int, nt: int) -> Block:
    if response.status != 200:
        raise codec.describe_error(request, response)
    return codec.parse(response, ns, nt)


def _store(
    durations: list[list[float]],
    distances: list[list[float]],
    srcs: Sequence[int],
    dsts: Sequence[int],
    block: Block,
) -> None:
    bdur, bdist = block
    for a, i in enumerate(srcs):
        for b, j in enumerate(dsts):
            if i == j:
                continue
            d, m = bdur[a][b], bdist[a][b]
            if math.isinf(d) or math.isinf(m):
                d = m = math.inf
            durations[i][j] = d
            distances[i][j] = m


def check_shape(rows: object, ns: int, nt: int, what: str, url: str) -> list[list[object]]:
    """``rows`` as a list of ``ns`` lists of ``nt`` items, or :class:`MatrixServiceError`."""
    if not isinstance(rows, list) or len(rows) != ns:
        raise MatrixServiceError(f"{url}: {what} is not a list of {ns} rows", url=url)
    out: list[list[object]] = []
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != nt:
            raise MatrixServiceError(f"{url}: {what}[{r}] is not a list of {nt} values", url=url)
        out.append(row)
    return out


def excerpt(text: str, limit: int = 300) -> str:
    """The first ``limit`` characters of a response body, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."
