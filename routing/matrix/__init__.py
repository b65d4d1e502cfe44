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

import importlib
from typing import TYPE_CHECKING, Any

from routing.matrix.base import (
    MAX_PLAUSIBLE_DISTANCE_M,
    MAX_PLAUSIBLE_DURATION_S,
    TRAVEL_MODES,
    AsyncRoadPathProvider,
    AsyncTravelMatrixProvider,
    InvalidPointsError,
    MatrixError,
    MatrixServiceError,
    Point,
    TravelMatrixProvider,
    UnknownModeError,
    normalize_mode,
)
from routing.matrix.haversine import DEFAULT_PROFILES, HaversineProvider, ModeProfile, haversine_m, profile_of
from routing.matrix_types import Matrix

if TYPE_CHECKING:
    from routing.matrix.factory import PROVIDERS, provider_from_settings
    from routing.matrix.osrm import OsrmProvider
    from routing.matrix.valhalla import ValhallaProvider

# The HTTP providers pull in httpx (about 0.1 s of import): loaded on first use, so that a solve over
# haversine (the CLI, the solver processes) does not pay for them.
_LAZY = {
    "PROVIDERS": "routing.matrix.factory",
    "provider_from_settings": "routing.matrix.factory",
    "OsrmProvider": "routing.matrix.osrm",
    "ValhallaProvider": "routing.matrix.valhalla",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'routing.matrix' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_PROFILES",
    "MAX_PLAUSIBLE_DISTANCE_M",
    "MAX_PLAUSIBLE_DURATION_S",
    "PROVIDERS",
    "TRAVEL_MODES",
    "AsyncRoadPathProvider",
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
    "profile_of",
    "provider_from_settings",
]
