"""`fieldsales import sales FILE`: monthly sales plans and actuals (CSV/XLSX), in one transaction.

Exit status 0 on success (rejected rows are listed, they do not fail the import), 2 when the file
cannot be used (nothing is written), 1 for other errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click
import msgspec

from backend.cli.common import cli_settings, in_transaction

_settings = cli_settings


@click.command("sales")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read and check the file, write nothing")
@click.option("--json", "json_out", default=None, type=click.File("wb"), help="write the JSON report here (- = stdout)")
def import_sales(file: Path, dry_run: bool, json_out: BinaryIO | None) -> None:
    """Import monthly sales plans and actuals per rep x product category x region from a CSV/XLSX FILE.

    Columns: rep (email), category, region, month (YYYY-MM), plan, actual.
    """
    from backend.errors import AppError
    from backend.sales.schemas import SalesImportReport
    from backend.sales.service import import_sales as run_import

    settings = _settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error: {file.name}: cannot read the file: {exc.strerror or exc}", err=True)
        sys.exit(2)

    try:
        report: SalesImportReport = in_transaction(
            settings,
            lambda conn: run_import(conn, data, file.name, max_bytes=settings.max_import_file_bytes, dry_run=dry_run),
        )
    except AppError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2 if exc.status == 422 else 1)
    verb = "would store" if dry_run else "stored"
    click.echo(
        f"{report.file_name}: read {report.rows_read} rows, {verb} {report.rows_stored}, "
        f"rejected {len(report.rejected)}"
    )
    for item in report.rejected[:50]:
        click.echo(f"  row {item.row_number} ({item.field}): {item.reason}")
    if json_out is not None:
        json_out.write(msgspec.json.format(msgspec.json.encode(report)))
        json_out.write(b"\n")
