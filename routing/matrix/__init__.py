"""Travel-matrix providers behind one protocol.

>>> from routing.matrix import provider_from_settings
>>> provider = provider_from_settings("haversine")
>>> m = provider.matrix([(60.1699, 24.9384), (60.1719, 24.9414)], "foot")
>>> m.durations[0][0]
0.0

``haversine`` (default, no service), ``valhalla`` (``POST /sources_to_targets``) and ``osrm``
(``GET /table``). Points are ``(lat, lon)``; durations are seconds, distances metres, ``math.inf`` marks
an unreachable pair.
"""

from routing.matrix.base import (
    MAX_PLAUSIBLE_DISTANCE_M,
    MAX_PLAUSIBLE_DURATION_S,
    TRAVEL_MODES,
    AsyncTravelMatrixProvider,
    InvalidPointsError,
    MatrixError,
    MatrixServiceError,
    Point,
    TravelMatrixProvider,
    UnknownModeError,
    normalize_mode,
)
from routing.matrix.factory import PROVIDERS, provider_from_settings
from routing.matrix.haversine import DEFAULT_PROFILES, HaversineProvider, ModeProfile, haversine_m
from routing.matrix.osrm import OsrmProvider
from routing.matrix.valhalla import ValhallaProvider
from routing.matrix_types import Matrix

__all__ = [
    "DEFAULT_PROFILES",
    "MAX_PLAUSIBLE_DISTANCE_M",
    "MAX_PLAUSIBLE_DURATION_S",
    "PROVIDERS",
    "TRAVEL_MODES",
    "AsyncTravelMatrixProvider",
    "HaversineProvider",
    "InvalidPointsError",
    "Matrix",
    "MatrixError",
    "MatrixServiceError",
    "ModeProfile",
    "OsrmProvider",
    "Point",
    "TravelMatrixProvider",
    "UnknownModeError",
    "ValhallaProvider",
    "haversine_m",
    "normalize_mode",
    "provider_from_settings",
]
