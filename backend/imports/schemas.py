"""Import structs: options, the per-row plan and the report (JSON and a human summary)."""

from __future__ import annotations

from typing import Any

import msgspec


class UploadedFile(msgspec.Struct, frozen=True):
    name: str
    data: bytes


class ImportOptions(msgspec.Struct, frozen=True):
    source: str | None = None  # None: each file is its own source (its file name)
    dry_run: bool = False
    mapping: dict[str, tuple[str, ...]] | None = None
    phone_region: str = "FI"
    region_bbox: str | None = None  # MIN_LON,MIN_LAT,MAX_LON,MAX_LAT; None: no region check
    max_file_bytes: int = 50 * 1024 * 1024
    encoding: str | None = None
    # Rows per file and cells per sheet (a workbook's declared range counts): see geo_data.workbook_limits.
    max_rows: int = 250_000
    max_cells: int = 5_000_000


class FileReport(msgspec.Struct, frozen=True):
    name: str
    kind: str
    encoding: str | None
    rows: int
    empty_rows: list[int]
    columns: dict[str, str]  # field -> header found
    ignored_columns: list[str]
    notes: list[str]


class RowIssue(msgspec.Struct, frozen=True):
    file: str
    row: int
    field: str
    reason: str


class ImportCounts(msgspec.Struct):
    rows: int = 0
    created: int = 0
    merged_in_import: int = 0  # rows merged into another row of this import
    merged_into_existing: int = 0  # rows merged into an account already in the database
    updated: int = 0  # same source + external id, changed content
    unchanged: int = 0  # same source + external id (or content), same content
    rejected: int = 0
    needs_geocoding: int = 0  # created without coordinates
    geocoded: int = 0  # of those, placed by the geocoder at their house number
    geocode_review: int = 0  # of those, found only at street or city level: flagged, not placed
    review_pairs: int = 0
    same_legal_entity_pairs: int = 0
    assigned: int = 0  # created inside a territory (in its rep's list)
    unassigned: int = 0  # created outside every territory (the unassigned queue)


class ImportReport(msgspec.Struct):
    import_id: int | None
    dry_run: bool
    files: list[FileReport]
    counts: ImportCounts
    rejected: list[RowIssue]
    warnings: list[RowIssue]
    summary: str
    account_ids: list[int] = []  # accounts created or changed by this import


class NewAccount(msgspec.Struct):
    """A golden record about to be written (one or more file rows)."""

    name: str
    legal_form: str | None
    address: str | None
    address_key: str | None
    phones: list[str]
    tax_id: str | None
    branch_code: str | None
    lat: float | None
    lon: float | None
    channel: str
    category: str | None
    account_class: str
    status: str
    opening_hours_raw: str | None
    opening_hours: list[list[int]]  # [[iso_weekday, open_s, close_s], ...]

    def snapshot(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class ExistingAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None
    address_key: str | None
    phones: list[str]
    tax_id: str | None
    branch_code: str | None
    lat: float | None
    lon: float | None


class SourceRef(msgspec.Struct, frozen=True):
    account_id: int
    external_id: str
    content_hash: str | None
