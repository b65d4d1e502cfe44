"""Distances and the day-tour travel estimate of the schedule (great circle x circuity / speed)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.matrix.haversine import EARTH_RADIUS_M, great_circle_between

FloatArray = npt.NDArray[np.float64]


def haversine_m(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Great-circle metres between all pairs of points (degrees in), as the routing matrices have them."""
    out: FloatArray = great_circle_between(lat, lon)
    return out


def local_xy(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Equirectangular metres around the mean point: good enough for clustering one territory."""
    lat0 = float(np.mean(lat))
    y = np.radians(lat - lat0) * EARTH_RADIUS_M
    x = np.radians(lon - float(np.mean(lon))) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    out: FloatArray = np.stack([x, y], axis=1)
    return out


def tour(travel_s: FloatArray, stops: list[int], home: int) -> tuple[list[int], float]:
    """A closed tour home -> stops -> home: nearest neighbour, then 2-opt to a local optimum.

    Returns the stops in visiting order and the tour's travel seconds. Deterministic (ties by index).
    """
    if not stops:
        return [], 0.0
    left = sorted(stops)
    order: list[int] = []
    here = home
    while left:
        nxt = min(left, key=lambda j: (travel_s[here, j], j))
        order.append(nxt)
        left.remove(nxt)
        here = nxt
    path = [home, *order, home]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 2):
            for k in range(i + 1, len(path) - 1):
                a, b, c, d = path[i - 1], path[i], path[k], path[k + 1]
                delta = travel_s[a, c] + travel_s[b, d] - travel_s[a, b] - travel_s[c, d]
                if delta < -1e-9:
                    path[i : k + 1] = path[i : k + 1][::-1]
                    improved = True
    total = float(sum(travel_s[path[i], path[i + 1]] for i in range(len(path) - 1)))
    return path[1:-1], total
