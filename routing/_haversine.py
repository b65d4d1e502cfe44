"""The fallback travel matrix when the caller supplies none: great-circle metres by car."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.problem import Location

EARTH_RADIUS_M = 6_371_008.8
# Streets are not straight lines; 1.3 is a common urban detour factor.
CIRCUITY = 1.3
CAR_SPEED_M_PER_S = 30_000 / 3600


def haversine_matrices(
    points: list[Location],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(durations_s, distances_m) between all points."""
    lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
    lon = np.radians(np.array([p.lon for p in points], dtype=np.float64))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    great_circle_m = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    distances_m = great_circle_m * CIRCUITY
    return distances_m / CAR_SPEED_M_PER_S, distances_m
