"""Geocoding accounts without a place: on import, for a lead, and the backlog (`fieldsales geocode`).

A house-number result places the account (its territory follows from the polygons, so it appears in
that rep's list); a street or city result is stored as a suggestion with ``geocode_status = 'review'``
and the account stays without a place, in the unassigned queue, until a person confirms it
(:mod:`backend.geocoding.rules`). Results keep their source and precision.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from backend.geocoding import repository
from backend.geocoding.providers import Geocoder, GeocoderUnavailable
from backend.geocoding.rules import MAX_UNCERTAINTY_M, outcome
from backend.geocoding.schemas import GeocodeReport
from geo_data.address_index import GeocodeResult


async def geocode_accounts(
    conn: asyncpg.Connection,
    geocoder: Geocoder,
    account_ids: Sequence[int] | None = None,
    *,
    limit: int = 10_000,
    max_uncertainty_m: float = MAX_UNCERTAINTY_M,
) -> GeocodeReport:
    """Geocode the given accounts (those of them without a place), or the backlog: accounts without a
    place never geocoded, up to ``limit``."""
    report = GeocodeReport()
    if account_ids is not None and not account_ids:
        return report
    rows: list[tuple[int, str, str | None, str | None, float | None, float | None, str | None]] = []
    for account in await repository.pending(conn, account_ids, limit):
        report.considered += 1
        result: GeocodeResult | None = None
        if account.address:
            try:
                result = await geocoder.geocode(account.address, account.name)
            except GeocoderUnavailable:
                report.failed += 1
                continue
        status = outcome(result, max_uncertainty_m)
        if status == "placed":
            report.placed += 1
            report.account_ids.append(account.id)
        elif status == "review":
            report.review += 1
        else:
            report.not_found += 1
        rows.append(
            (
                account.id,
                status,
                result.source if result else geocoder.source,
                result.precision if result else None,
                result.lat if result else None,
                result.lon if result else None,
                None,
            )
        )
    await repository.save_results(conn, rows)
    report.assigned = await repository.territory_count(conn, report.account_ids) if report.account_ids else 0
    return report


async def reverse(geocoder: Geocoder, lat: float, lon: float) -> GeocodeResult | None:
    """The address at a GPS point (a lead captured in the field), or None (also when unavailable)."""
    try:
        return await geocoder.reverse(lat, lon)
    except GeocoderUnavailable:
        return None
