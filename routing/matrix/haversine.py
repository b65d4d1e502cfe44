"""Great-circle travel matrices: the project's one travel-time model when no road engine is configured.

distance = great-circle distance x circuity; duration = distance / speed. Everything that estimates
travel without a road engine uses these profiles: `fieldsales solve` on a problem with coordinates
(`routing._instance`), the independent checker, the nightly planner and re-plan (through
`HaversineProvider`) and the journey-plan schedule (its rep's speed and circuity). The constants are
urban door-to-door averages, meant as planning defaults, not measurements of one city:

- foot: 5 km/h (1.39 m/s), circuity 1.25 -- usual walking pace; dense street grids are 1.2-1.3 times
  the straight line.
- bicycle: 15 km/h (4.17 m/s), circuity 1.30 -- urban cycling including stops at lights.
- car: 25 km/h (6.94 m/s), circuity 1.40 -- city-centre driving including junctions; road circuity is
  about 1.4 (Ballou et al. 2002; Boscoe et al. 2012).

Override them per deployment with ``HaversineProvider(speeds_m_s=..., circuity=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.matrix.base import Point, normalize_mode, validate_points
from routing.matrix_types import Matrix

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG)."""


@dataclass(frozen=True)
class ModeProfile:
    """Average door-to-door speed and the ratio of network to straight-line distance for one mode."""

    speed_m_s: float
    circuity: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_m_s) and self.speed_m_s > 0):
            raise ValueError(f"speed_m_s: must be a positive number, got {self.speed_m_s!r}")
        if not (math.isfinite(self.circuity) and self.circuity >= 1.0):
            raise ValueError(f"circuity: must be a number >= 1, got {self.circuity!r}")


FOOT = ModeProfile(speed_m_s=5.0 / 3.6, circuity=1.25)
BICYCLE = ModeProfile(speed_m_s=15.0 / 3.6, circuity=1.30)
CAR = ModeProfile(speed_m_s=25.0 / 3.6, circuity=1.40)

DEFAULT_PROFILES: Mapping[str, ModeProfile] = {"foot": FOOT, "bicycle": BICYCLE, "car": CAR}


def profile_of(mode: str) -> ModeProfile:
    """The default profile of a travel mode (aliases such as ``walk`` accepted)."""
    return DEFAULT_PROFILES[normalize_mode(mode)]


def great_circle_m(points: Sequence[Point]) -> np.ndarray:
    """The ``n x n`` matrix of great-circle distances in metres (haversine formula, vectorised)."""
    if not points:
        return np.zeros((0, 0), dtype=np.float64)
    arr = np.asarray(points, dtype=np.float64)
    return great_circle_between(arr[:, 0], arr[:, 1])


def great_circle_between(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle metres between all pairs of points given as arrays of degrees."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))[:, None]
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))[:, None]
    dlat = lat.T - lat
    dlon = lon.T - lon
    h = np.sin(dlat / 2.0) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2.0) ** 2
    out: np.ndarray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    np.fill_diagonal(out, 0.0)
    return out


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two ``(lat, lon)`` points."""
    return float(great_circle_m([a, b])[0, 1])


class HaversineProvider:
    """Straight-line distance x circuity, at a constant speed per travel mode (the default provider)."""

    def __init__(
        self,
        profiles: Mapping[str, ModeProfile] | None = None,
        *,
        speeds_m_s: Mapping[str, float] | None = None,
        circuity: Mapping[str, float] | None = None,
    ) -> None:
        merged = {normalize_mode(k): v for k, v in (profiles or DEFAULT_PROFILES).items()}
        for mode, base in DEFAULT_PROFILES.items():
            merged.setdefault(mode, base)
        for key, speed in (speeds_m_s or {}).items():
            mode = normalize_mode(key)
            merged[mode] = ModeProfile(speed_m_s=float(speed), circuity=merged[mode].circuity)
        for key, factor in (circuity or {}).items():
            mode = normalize_mode(key)
            merged[mode] = ModeProfile(speed_m_s=merged[mode].speed_m_s, circuity=float(factor))
        self.profiles: Mapping[str, ModeProfile] = merged

    def matrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Durations (s) and distances (m) between all ``(lat, lon)`` points; every pair is reachable."""
        durations, distances = self.arrays(validate_points(points), mode)
        return Matrix(durations=durations.tolist(), distances=distances.tolist())

    def arrays(self, points: Sequence[Point], mode: str) -> tuple[np.ndarray, np.ndarray]:
        """(durations_s, distances_m) as numpy arrays, for callers that compute on them."""
        profile = self.profiles[normalize_mode(mode)]
        distances = great_circle_m(points) * profile.circuity
        return distances / profile.speed_m_s, distances

    async def amatrix(self, points: Sequence[Point], mode: str) -> Matrix:
        """Same as :meth:`matrix` (pure computation, fast enough to run on the loop for a day's points)."""
        return self.matrix(points, mode)
