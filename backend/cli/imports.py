"""`fieldsales import accounts|territories`: the same services the API runs, in one transaction.

Exit status 0 on success (rejected rows are listed in the report, they do not fail the import),
2 when a file cannot be used (nothing is written), 1 for other errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click
import msgspec

from backend.cli.common import cli_settings, in_transaction

_settings = cli_settings


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group("import")
def import_group() -> None:
    """Import accounts (CSV/XLSX) or territories (GeoJSON/Shapefile/GeoPackage)."""


@import_group.command("accounts")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="source name for every file (default: each file's name)")
@click.option("--dry-run", is_flag=True, help="read, normalise and de-duplicate, but write nothing")
@click.option(
    "--mapping",
    "mapping_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON or TOML file: field = header name(s), overriding the default column mapping",
)
@click.option("--encoding", default=None, help="text encoding of CSV files (default: detected)")
@click.option("--json", "json_out", default=None, type=click.File("wb"), help="write the JSON report here (- = stdout)")
def import_accounts(
    files: tuple[Path, ...],
    source: str | None,
    dry_run: bool,
    mapping_file: Path | None,
    encoding: str | None,
    json_out: BinaryIO | None,
) -> None:
    """Import accounts from CSV/XLSX FILES: normalise, de-duplicate, keep each row's provenance."""
    from backend.errors import AppError
    from backend.geocoding.providers import make_geocoder
    from backend.imports.schemas import ImportOptions, UploadedFile
    from backend.imports.service import import_accounts as run_import
    from geo_data.account_rows import MappingError, load_mapping

    settings = _settings()
    mapping = None
    if mapping_file is not None:
        try:
            mapping = load_mapping(mapping_file)
        except MappingError as exc:
            _fail(str(exc))
    uploads: list[UploadedFile] = []
    for path in files:
        try:
            size = path.stat().st_size
            if size > settings.max_import_file_bytes:
                _fail(
                    f"{path.name}: the file is {size / 1_048_576:.1f} MiB; the limit is "
                    f"{settings.max_import_file_bytes / 1_048_576:.0f} MiB (FIELDSALES_MAX_IMPORT_FILE_BYTES)"
                )
            uploads.append(UploadedFile(name=path.name, data=path.read_bytes()))
        except OSError as exc:
            _fail(f"{path.name}: cannot read the file: {exc.strerror or exc}")
    options = ImportOptions(
        source=source,
        dry_run=dry_run,
        mapping=mapping,
        phone_region=settings.default_phone_region,
        region_bbox=settings.import_region_bbox or None,
        max_file_bytes=settings.max_import_file_bytes,
        max_rows=settings.max_import_rows,
        max_cells=settings.max_import_cells,
        encoding=encoding,
    )

    try:
        report = in_transaction(
            settings,
            lambda conn: run_import(
                conn, uploads, options, None, geocoder=make_geocoder(settings.geocoder, settings.geocoder_url)
            ),
        )
    except AppError as exc:
        _fail(exc.detail, 2 if exc.status == 422 else 1)
        return
    click.echo(report.summary)
    if json_out is not None:
        json_out.write(msgspec.json.format(msgspec.json.encode(report)))
        json_out.write(b"\n")


@import_group.command("territories")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read and check the file, report problems, write nothing")
@click.option("--json", "json_out", default=None, type=click.File("wb"), help="write the JSON report here (- = stdout)")
def import_territories(file: Path, dry_run: bool, json_out: BinaryIO | None) -> None:
    """Create or update territories (by code) from a GeoJSON, Shapefile or GeoPackage FILE."""
    from backend.territories.schemas import TerritoryImportReport
    from backend.territories.service import import_territories as run_import
    from geo_data.territory_files import TerritoryFileError, read_territory_file

    settings = _settings()
    try:
        parsed = read_territory_file(file)
    except TerritoryFileError as exc:
        _fail(str(exc))
        return
    if not parsed.territories:
        _fail(f"{file.name}: no usable territory: " + "; ".join(p.detail for p in parsed.problems))

    report: TerritoryImportReport = in_transaction(settings, lambda conn: run_import(conn, parsed), commit=not dry_run)
    click.echo(("Dry run (nothing written): " if dry_run else "") + report.summary)
    for problem in report.problems:
        where = f" at {problem.location[0]},{problem.location[1]}" if problem.location else ""
        click.echo(f"  {problem.kind}: {problem.detail}{where}")
    if json_out is not None:
        json_out.write(msgspec.json.format(msgspec.json.encode(report)))
        json_out.write(b"\n")
