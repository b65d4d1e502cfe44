"""One coordinate type for the whole API: WGS84 degrees, checked where they come in.

`Latitude` / `Longitude` are msgspec-constrained floats: a JSON body with an out-of-range value is
refused when decoded (422 naming the field). `checked` is the same rule for values that arrive
otherwise (a query parameter, the CLI), so the range is written once.
"""

from __future__ import annotations

import math
from typing import Annotated

import msgspec

from backend.errors import InvalidInput

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90, description="WGS84 latitude, degrees")]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180, description="WGS84 longitude, degrees")]


def checked(lat: float, lon: float, *, field: str) -> tuple[float, float]:
    """(lat, lon) when both are finite and in range, else InvalidInput naming `field`."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"{field} must be LAT,LON with latitude within ±90 and longitude within ±180", field=field)
    return lat, lon


def parse(text: str, *, field: str) -> tuple[float, float]:
    """ "LAT,LON" (a query parameter, a CLI option) as checked coordinates."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError as exc:
        raise InvalidInput(f"{field} must be LAT,LON, for example {field}=60.1699,24.9384", field=field) from exc
    return checked(lat, lon, field=field)
