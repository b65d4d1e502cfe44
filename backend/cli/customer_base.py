"""`fieldsales geocode` (the geocoding backlog) and `fieldsales duplicates scan` (the base against itself)."""

from __future__ import annotations

import asyncio

import click

from backend.settings import Settings, SettingsError, load_settings


def _settings() -> Settings:
    try:
        settings = load_settings()
        settings.check_safe()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings


@click.command("geocode")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="at most this many accounts in this run",
)
def geocode(limit: int) -> None:
    """Geocode accounts without a place that were never geocoded (FIELDSALES_GEOCODER): placed at
    their house number (and so in a territory), or flagged for review with a suggested point."""
    from backend.db.pool import connect
    from backend.geocoding.providers import make_geocoder
    from backend.geocoding.schemas import GeocodeReport
    from backend.geocoding.service import geocode_accounts

    settings = _settings()
    geocoder = make_geocoder(settings.geocoder, settings.geocoder_url)
    if geocoder is None:
        raise click.ClickException("FIELDSALES_GEOCODER=none: no geocoder to run")

    async def work() -> GeocodeReport:
        conn = await connect(settings)
        try:
            async with conn.transaction():
                return await geocode_accounts(conn, geocoder, limit=limit)
        finally:
            await conn.close()

    click.echo(asyncio.run(work()).summary)


@click.group("duplicates")
def duplicates() -> None:
    """The duplicate review queue."""


@duplicates.command("scan")
def scan() -> None:
    """Match every stored account against the others (however they were created) and queue the
    pairs that are, or may be, one outlet for review; pairs decided before are not asked again."""
    from backend.db.pool import connect
    from backend.matching.service import scan_base

    settings = _settings()

    async def work() -> tuple[int, int]:
        conn = await connect(settings)
        try:
            async with conn.transaction():
                return await scan_base(conn)
        finally:
            await conn.close()

    scanned, queued = asyncio.run(work())
    click.echo(f"{scanned} account(s) scanned; {queued} new pair(s) queued for review")
