"""`fieldsales orders ...` and `fieldsales import catalogue`: webhook delivery, the demo catalogue,
catalogue files. Exit status 2 when a file cannot be used (nothing written), 1 for other errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

import click
import msgspec

from backend.cli.common import cli_settings

_settings = cli_settings


@click.group("orders")
def orders_group() -> None:
    """Orders: the ERP webhook outbox and the demo catalogue."""


@orders_group.command("webhooks")
def deliver_webhooks() -> None:
    """Send the due order webhooks once (the worker does this every minute)."""
    import httpx

    from backend.db.pool import connect
    from backend.orders.webhooks import deliver_due, purge

    settings = _settings()

    async def work() -> str:
        conn = await connect(settings)
        try:
            async with conn.transaction(), httpx.AsyncClient() as client:
                now = dt.datetime.now(dt.UTC)
                run = await deliver_due(conn, settings, client, now)
                purged = await purge(conn, now)
            return f"delivered {run.delivered}, to retry {run.retried}, failed {run.failed}, purged {purged}"
        finally:
            await conn.close()

    click.echo(asyncio.run(work()))


@orders_group.command("demo-catalogue")
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--valid-from", default="2024-01-01", show_default=True, help="first day of the demo price lists")
def demo_catalogue(seed: int, valid_from: str) -> None:
    """Load the demo wine & spirits catalogue and its HoReCa and retail price lists (an empty catalogue only)."""
    from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue
    from backend.db.pool import connect

    settings = _settings()

    async def work() -> dict[str, int] | None:
        conn = await connect(settings)
        try:
            async with conn.transaction():
                return await load_demo_catalogue(conn, build_demo_catalogue(seed), dt.date.fromisoformat(valid_from))
        finally:
            await conn.close()

    loaded = asyncio.run(work())
    click.echo("the catalogue is not empty: nothing loaded" if loaded is None else f"loaded {loaded}")


@click.command("catalogue")
@click.argument("kind", type=click.Choice(["products", "prices", "must_stock"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read and check the file, write nothing")
def import_catalogue(kind: str, file: Path, dry_run: bool) -> None:
    """Import a catalogue FILE (CSV/XLSX) of KIND products, prices or must_stock; a row-level report."""
    from backend.catalogue.service import import_file
    from backend.db.pool import connect
    from backend.errors import AppError

    settings = _settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error: {file.name}: cannot read the file: {exc.strerror or exc}", err=True)
        sys.exit(2)

    async def work() -> bytes:
        conn = await connect(settings)
        try:
            async with conn.transaction():
                report = await import_file(
                    conn, data, file.name, kind, max_bytes=settings.max_import_file_bytes, dry_run=dry_run
                )
                return msgspec.json.format(msgspec.json.encode(report))
        finally:
            await conn.close()

    try:
        click.echo(asyncio.run(work()).decode())
    except AppError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2 if exc.status == 422 else 1)
