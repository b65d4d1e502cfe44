"""When a geocoding result places an account, and when a person must look at it."""

from __future__ import annotations

from typing import Literal

from geo_data.address_index import GeocodeResult

MAX_UNCERTAINTY_M = 30.0

Outcome = Literal["placed", "review", "not_found"]


def outcome(result: GeocodeResult | None, max_uncertainty_m: float = MAX_UNCERTAINTY_M) -> Outcome:
    """``placed`` only for a house-number result no less certain than ``max_uncertainty_m``; a street,
    a city, or a house number shared by places far apart is a suggestion for review, never a place."""
    if result is None:
        return "not_found"
    if result.precision == "house_number" and result.uncertainty_m <= max_uncertainty_m:
        return "placed"
    return "review"
