"""Travel legs cached per process, so a territory's legs are fetched from a routing service once.

Reps of one territory visit the same outlets week after week (the journey plan repeats), so the
legs between them recur. The cache keeps each leg (mode, from point, to point) it has seen; a request
whose legs are all known is answered without calling the service, otherwise the request's matrix is
fetched whole and remembered. It is bounded (least recently stored legs go first). Over haversine it is
not used: computing is cheaper than looking up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol, cast

from backend.settings import Settings
from routing.matrix import (
    AsyncRoadPathProvider,
    AsyncTravelMatrixProvider,
    HaversineProvider,
    Matrix,
    TravelMatrixProvider,
    provider_from_settings,
)

Point = tuple[float, float]


class MatrixProvider(TravelMatrixProvider, AsyncTravelMatrixProvider, Protocol):
    """What planning uses: both ways (the API and the worker await `amatrix`)."""


Leg = tuple[str, Point, Point]


def _key(point: Point) -> Point:
    # 1e-6 degrees is about 0.1 m: the same outlet always maps to the same key.
    return (round(point[0], 6), round(point[1], 6))


class CachedMatrixProvider:
    def __init__(self, inner: MatrixProvider, max_legs: int = 2_000_000) -> None:
        self._inner = inner
        self._max_legs = max_legs
        self._legs: OrderedDict[Leg, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _known(self, points: Sequence[Point], mode: str) -> Matrix | None:
        keys = [_key(point) for point in points]
        with self._lock:
            known = [[self._legs.get((mode, origin, target)) for target in keys] for origin in keys]
        if all(leg is not None for row in known for leg in row):
            self.hits += 1
            return Matrix(
                durations=[[leg[0] for leg in row if leg is not None] for row in known],
                distances=[[leg[1] for leg in row if leg is not None] for row in known],
            )
        self.misses += 1
        return None

    def matrix(self, points: Sequence[Point], mode: str) -> Matrix:
        known = self._known(points, mode)
        if known is not None:
            return known
        fetched = self._inner.matrix(points, mode)
        self._remember(points, mode, fetched)
        return fetched

    async def amatrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """As `matrix`, without blocking the event loop while the service answers."""
        known = self._known(points, mode)
        if known is not None:
            return known
        fetched = await self._inner.amatrix(points, mode)
        self._remember(points, mode, fetched)
        return fetched

    async def apath(self, points: Sequence[Point], mode: str) -> list[Point]:
        """The inner engine's road line (not cached: one per published route); [] when it draws none."""
        if not isinstance(self._inner, AsyncRoadPathProvider):
            return []
        return await self._inner.apath(points, mode)

    def _remember(self, points: Sequence[Point], mode: str, fetched: Matrix) -> None:
        keys = [_key(point) for point in points]
        with self._lock:
            for i, origin in enumerate(keys):
                for j, target in enumerate(keys):
                    duration, distance = fetched.durations[i][j], fetched.distances[i][j]
                    if duration is not None and distance is not None:
                        self._legs[(mode, origin, target)] = (float(duration), float(distance))
            while len(self._legs) > self._max_legs:
                self._legs.popitem(last=False)


def matrix_provider(settings: Settings) -> MatrixProvider:
    """The configured provider: haversine, or a routing service (Valhalla, OSRM) behind the cache."""
    if settings.matrix_provider == "haversine":
        return HaversineProvider()
    inner = provider_from_settings(settings.matrix_provider, base_url=settings.matrix_service_url)
    return CachedMatrixProvider(cast(MatrixProvider, inner))
