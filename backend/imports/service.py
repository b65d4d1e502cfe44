"""Account import: read files, normalise rows, de-duplicate, write golden records with provenance.

The API (`POST /api/v1/imports/accounts`) and the CLI (`fieldsales import accounts`) both call
:func:`import_accounts` inside one transaction: a file that cannot be read raises
:class:`InvalidInput` before anything is written, so the database stays unchanged.

Idempotency: every file row is keyed by (source, external id). The source is ``--source`` or, by
default, the file's name; the external id is the row's id column, or ``row:<content hash>`` when the
file has none. A key stored before with the same content hash is "unchanged" (nothing is written);
with a different hash the account is updated from the row. So re-running an import writes nothing,
not even an `imports` log row.

De-duplication: new rows are blocked and scored among themselves (``geo_data.dedupe``) and against
every stored account however it was created (``backend.matching``: blocking in PostgreSQL on the
geography GiST index, shared phone, tax id, address key, trigram-similar name keys).
``merge`` pairs are merged (one golden record keeps every row's provenance in `account_sources`, and
every merged row is recorded in `account_merges` so it can be undone); ``review`` pairs go to the
`duplicate_candidates` queue; accounts sharing a tax id are linked to one `legal_entities` row.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

from backend.errors import InvalidInput
from backend.geocoding import service as geocoding
from backend.geocoding.providers import Geocoder
from backend.imports import repository
from backend.imports.schemas import (
    ExistingAccount,
    FileReport,
    ImportCounts,
    ImportOptions,
    ImportReport,
    NewAccount,
    RowIssue,
    UploadedFile,
)
from backend.matching import service as matching
from geo_data.account_rows import AccountRow, RejectedRow, RowOptions, map_columns, normalize_rows
from geo_data.dedupe import (
    Candidate,
    PairScore,
    Thresholds,
    block_pairs,
    cluster,
    score_pairs,
)
from geo_data.normalize import BBox, address_key, name_key
from geo_data.opening_hours import WeeklyWindow
from geo_data.spreadsheets import SpreadsheetError, WorkbookLimits, read_spreadsheet

log = logging.getLogger("fieldsales.imports")

BLOCK_RADIUS_M = 150.0
MAX_WARNINGS = 2000
THRESHOLDS = Thresholds()


@dataclass
class _Keyed:
    row: AccountRow
    source: str
    external_id: str


@dataclass
class _Cluster:
    rows: list[_Keyed]
    account: NewAccount
    scores: list[float] = field(default_factory=list)  # best merge score of each row after the first
    existing_id: int | None = None
    existing_score: PairScore | None = None
    new_id: int | None = None


def file_error(exc: SpreadsheetError) -> InvalidInput:
    field_name = f"files.{exc.file_name}" + (f".{exc.field}" if exc.field else "")
    return InvalidInput(f"{exc.file_name}: {exc.reason}", field=field_name)


def read_files(
    files: Sequence[UploadedFile], options: ImportOptions
) -> tuple[list[FileReport], list[AccountRow], list[RowIssue], list[RowIssue]]:
    """Read and normalise every file; raises InvalidInput for the first file that cannot be read."""
    if not files:
        raise InvalidInput("no file was sent", field="files")
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise InvalidInput("two files have the same name; each file's name is its provenance", field="files")
    try:
        region = BBox.parse(options.region_bbox) if options.region_bbox else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="region_bbox") from exc
    row_options = RowOptions(phone_region=options.phone_region, region=region)
    reports: list[FileReport] = []
    rows: list[AccountRow] = []
    rejected: list[RowIssue] = []
    warnings: list[RowIssue] = []
    for upload in files:
        try:
            limits = WorkbookLimits(max_rows=options.max_rows, max_cells=options.max_cells)
            sheet = read_spreadsheet(
                upload.data, upload.name, max_bytes=options.max_file_bytes, encoding=options.encoding, limits=limits
            )
            columns = map_columns(sheet, options.mapping)
        except SpreadsheetError as exc:
            raise file_error(exc) from exc
        reports.append(
            FileReport(
                name=upload.name,
                kind=sheet.kind,
                encoding=sheet.encoding,
                rows=len(sheet.rows),
                empty_rows=sheet.empty_rows,
                columns={name: sheet.headers[index] for name, index in columns.columns.items()},
                ignored_columns=columns.ignored_headers,
                notes=sheet.notes,
            )
        )
        for item in normalize_rows(sheet, columns, row_options):
            if isinstance(item, RejectedRow):
                rejected.append(RowIssue(item.file_name, item.row_number, item.field, item.reason))
                continue
            rows.append(item)
            warnings.extend(RowIssue(item.file_name, item.row_number, "row", w) for w in item.warnings)
    return reports, rows, rejected, warnings


def new_account(rows: Sequence[AccountRow]) -> NewAccount:
    """The golden record of rows that are one outlet: the most complete row, gaps filled from the others."""

    if len(rows) == 1:
        only = rows[0]
        return NewAccount(
            name=only.name,
            legal_form=only.legal_form,
            address=only.address,
            address_key=only.address_key,
            phones=list(only.phones),
            tax_id=only.tax_id,
            branch_code=only.branch_code,
            lat=only.lat,
            lon=only.lon,
            channel=only.channel,
            category=only.category,
            account_class=only.account_class,
            status=only.status,
            opening_hours_raw=only.opening_hours_raw,
            opening_hours=_iso_windows(only.opening_hours),
        )

    def completeness(row: AccountRow) -> tuple[int, int]:
        filled = sum(
            x is not None and x != []
            for x in (row.address, row.phones or None, row.lat, row.tax_id, row.opening_hours_raw, row.category)
        )
        return (filled, -rows.index(row))

    ordered = sorted(rows, key=completeness, reverse=True)
    base = ordered[0]
    phones: list[str] = []
    for row in ordered:
        phones.extend(p for p in row.phones if p not in phones)

    def first(attr: str) -> Any:
        return next((getattr(r, attr) for r in ordered if getattr(r, attr) is not None), None)

    located = next((r for r in ordered if r.lat is not None), None)
    hours_row = next((r for r in ordered if r.opening_hours), None)
    address = first("address")
    return NewAccount(
        name=base.name,
        legal_form=first("legal_form"),
        address=address,
        address_key=address_key(address) if address else None,
        phones=phones,
        tax_id=first("tax_id"),
        branch_code=first("branch_code"),
        lat=located.lat if located else None,
        lon=located.lon if located else None,
        channel=next((r.channel for r in ordered if r.channel != "other"), base.channel),
        category=first("category"),
        account_class=min(r.account_class for r in ordered),
        status="active" if any(r.status == "active" for r in ordered) else base.status,
        opening_hours_raw=hours_row.opening_hours_raw if hours_row else first("opening_hours_raw"),
        opening_hours=_iso_windows(hours_row.opening_hours) if hours_row else [],
    )


@functools.lru_cache(maxsize=4096)
def _iso_windows(windows: tuple[WeeklyWindow, ...]) -> list[list[int]]:
    """[[iso_weekday, open_s, close_s], ...] (shared between accounts with the same hours: read only)."""
    return [[w.weekday + 1, w.open_s, w.close_s] for w in windows]


def account_candidate(account: NewAccount | ExistingAccount) -> Candidate:
    """An account (new or stored) as the de-duplication scorer sees it."""
    return Candidate(
        name_key=name_key(account.name),
        address_key=account.address_key or (address_key(account.address) if account.address else None),
        phones=tuple(account.phones),
        tax_id=account.tax_id,
        branch_code=account.branch_code,
        lat=account.lat,
        lon=account.lon,
    )


def _row_candidate(row: AccountRow) -> Candidate:
    return Candidate(row.name_key, row.address_key, tuple(row.phones), row.tax_id, row.branch_code, row.lat, row.lon)


def dedupe_rows(rows: Sequence[_Keyed]) -> tuple[list[_Cluster], list[tuple[int, int, PairScore]], int]:
    """Clusters of rows that are one outlet; review pairs between clusters; same-legal-entity pair count."""
    candidates = [_row_candidate(k.row) for k in rows]
    merge_edges: list[tuple[int, int]] = []
    best: dict[int, float] = {}
    review: list[tuple[int, int, PairScore]] = []
    same_entity = 0
    pairs = sorted(block_pairs(candidates, radius_m=BLOCK_RADIUS_M))
    for (i, j), result in zip(pairs, score_pairs(candidates, candidates, pairs, THRESHOLDS), strict=True):
        if result.decision == "merge":
            merge_edges.append((i, j))
            best[j] = max(best.get(j, 0.0), result.score)
            best[i] = max(best.get(i, 0.0), result.score)
        elif result.decision == "review":
            review.append((i, j, result))
        elif result.decision == "same_legal_entity":
            same_entity += 1
    groups = cluster(len(rows), merge_edges)
    clusters: list[_Cluster] = []
    cluster_of: dict[int, int] = {}
    for group in groups:
        for member in group:
            cluster_of[member] = len(clusters)
        clusters.append(
            _Cluster(
                rows=[rows[m] for m in group],
                account=new_account([rows[m].row for m in group]),
                scores=[best.get(m, 0.0) for m in group[1:]],
            )
        )
    between = [(cluster_of[i], cluster_of[j], s) for i, j, s in review if cluster_of[i] != cluster_of[j]]
    return clusters, between, same_entity


async def match_existing(
    conn: asyncpg.Connection, clusters: Sequence[_Cluster]
) -> tuple[list[tuple[int, int, PairScore]], int]:
    """Score clusters against every stored account (``backend.matching``); sets `existing_id` for
    merges. Returns review pairs (cluster index, account id, score) and the number of
    same-legal-entity pairs."""
    matches = await matching.match_base(conn, [account_candidate(c.account) for c in clusters])
    review: list[tuple[int, int, PairScore]] = []
    same_entity = 0
    for match in matches:
        target, result = clusters[match.index], match.score
        if result.decision == "merge":
            if target.existing_score is None or result.score > target.existing_score.score:
                target.existing_id, target.existing_score = match.account.id, result
        elif result.decision == "review":
            review.append((match.index, match.account.id, result))
        elif result.decision == "same_legal_entity":
            same_entity += 1
    return [r for r in review if clusters[r[0]].existing_id != r[1]], same_entity


def _summary(counts: ImportCounts, files: Sequence[FileReport], rejected: Sequence[RowIssue], dry_run: bool) -> str:
    lines = [
        f"{'Dry run: would import' if dry_run else 'Imported'} {len(files)} file(s), {counts.rows} data row(s):",
        f"  {counts.created} account(s) created ({counts.needs_geocoding} without coordinates: {counts.geocoded} "
        f"geocoded, {counts.geocode_review} flagged for review (street or city only); "
        f"{counts.assigned} in a territory, {counts.unassigned} outside every territory: unassigned queue)",
        f"  {counts.merged_in_import} row(s) merged with another row of this import, "
        f"{counts.merged_into_existing} merged into existing accounts",
        f"  {counts.updated} updated, {counts.unchanged} unchanged (imported before)",
        f"  {counts.review_pairs} possible duplicate pair(s) for review, "
        f"{counts.same_legal_entity_pairs} pair(s) of outlets of one legal entity",
        f"  {counts.rejected} row(s) rejected",
    ]
    lines.extend(f"    {r.file} row {r.row}: {r.field}: {r.reason}" for r in rejected[:50])
    if len(rejected) > 50:
        lines.append(f"    ... and {len(rejected) - 50} more (see the JSON report)")
    return "\n".join(lines)


FilesRead = tuple[list[FileReport], list[AccountRow], list[RowIssue], list[RowIssue]]


async def read_uploads(files: Sequence[UploadedFile], options: ImportOptions) -> FilesRead:
    """Read and check the files (no database needed: callers hold no connection meanwhile).

    CPU-bound pure work runs in a thread so the event loop keeps serving other requests meanwhile
    (pure Python releases the GIL every few milliseconds; workbooks are read by a child process)."""
    return await asyncio.to_thread(read_files, files, options)


async def import_accounts(
    conn: asyncpg.Connection,
    files: Sequence[UploadedFile],
    options: ImportOptions,
    user_id: int | None,
    *,
    read: FilesRead | None = None,
    geocoder: Geocoder | None = None,
) -> ImportReport:
    """Import the files (module docstring); created accounts without coordinates are geocoded with
    ``geocoder`` when given (placed at a house number, or flagged for review)."""
    file_reports, rows, rejected, warnings = read if read is not None else await read_uploads(files, options)
    counts = ImportCounts(rows=sum(f.rows for f in file_reports))

    # 1. Idempotency: (source, external id) keys, within the batch and against the database.
    keyed: list[_Keyed] = []
    first_seen: dict[tuple[str, str], AccountRow] = {}
    for row in rows:
        source = options.source or row.file_name
        external_id = row.external_id or f"row:{row.content_hash}"
        previous = first_seen.get((source, external_id))
        if previous is not None:
            if previous.content_hash == row.content_hash:
                counts.unchanged += 1
            else:
                rejected.append(
                    RowIssue(
                        row.file_name,
                        row.row_number,
                        "external_id",
                        f"external id {external_id!r} is used by {previous.file_name} row "
                        f"{previous.row_number} with other content",
                    )
                )
            continue
        first_seen[(source, external_id)] = row
        keyed.append(_Keyed(row, source, external_id))
    stored = await repository.find_sources(conn, [(k.source, k.external_id) for k in keyed])
    fresh: list[_Keyed] = []
    changed: list[tuple[int, _Keyed]] = []
    for item in keyed:
        found = stored.get((item.source, item.external_id))
        if found is None:
            fresh.append(item)
        elif found[1] == item.row.content_hash:
            counts.unchanged += 1
        else:
            changed.append((found[0], item))
    counts.updated = len(changed)
    counts.rejected = len(rejected)

    # 2. De-duplication among the new rows, then against stored accounts.
    clusters, batch_review, same_entity_batch = await asyncio.to_thread(dedupe_rows, fresh)
    if options.dry_run:
        # Matching may first fill stored accounts' missing keys; a dry run leaves even that undone.
        savepoint = conn.transaction()
        await savepoint.start()
        try:
            db_review, same_entity_db = await match_existing(conn, clusters)
        finally:
            await savepoint.rollback()
    else:
        db_review, same_entity_db = await match_existing(conn, clusters)
    counts.same_legal_entity_pairs = same_entity_batch + same_entity_db
    creating = [c for c in clusters if c.existing_id is None]
    counts.created = len(creating)
    counts.needs_geocoding = sum(c.account.lat is None for c in creating)
    counts.merged_in_import = sum(len(c.rows) - 1 for c in creating)
    counts.merged_into_existing = sum(len(c.rows) for c in clusters if c.existing_id is not None)
    counts.review_pairs = len(batch_review) + len(db_review)
    report = ImportReport(
        import_id=None,
        dry_run=options.dry_run,
        files=file_reports,
        counts=counts,
        rejected=rejected,
        warnings=warnings[:MAX_WARNINGS],
        summary="",
    )
    wrote = bool(fresh or changed)
    if options.dry_run or not wrote:
        report.summary = _summary(counts, file_reports, rejected, options.dry_run)
        return report

    # 3. Writes.
    import_id = await repository.insert_import(
        conn,
        options.source or ",".join(f.name for f in file_reports),
        user_id,
        msgspec.to_builtins(file_reports),
        msgspec.to_builtins(counts),
        msgspec.to_builtins(rejected),
    )
    ids = await repository.allocate_account_ids(conn, len(creating))
    for cluster_item, new_id in zip(creating, ids, strict=True):
        cluster_item.new_id = new_id
    await repository.insert_accounts(conn, ids, [c.account for c in creating])
    await matching.save_keys(
        conn,
        [(i, c.account.name, c.account.address, c.account.lat is not None) for i, c in zip(ids, creating, strict=True)],
    )
    touched: list[int] = list(ids)
    for account_id, item in changed:
        await repository.update_account(conn, account_id, new_account([item.row]))
        await repository.update_source(
            conn,
            item.source,
            item.external_id,
            item.row.content_hash,
            item.row.file_name,
            item.row.row_number,
            import_id,
        )
        touched.append(account_id)
    source_rows: list[tuple[int, str, str, str, int, str]] = []
    for c in clusters:
        target = c.new_id if c.new_id is not None else c.existing_id
        assert target is not None
        source_rows.extend(
            (target, k.source, k.external_id, k.row.file_name, k.row.row_number, k.row.content_hash) for k in c.rows
        )
    source_ids = await repository.insert_sources(conn, source_rows, import_id)
    merges: list[tuple[object, ...]] = []
    # Stored accounts receiving rows: snapshots (for undo) and fills set-based, one statement each;
    # a second cluster merging into the same account is filled after the first, one by one.
    first_fill: dict[int, _Cluster] = {}
    for c in clusters:
        if c.existing_id is not None:
            first_fill.setdefault(c.existing_id, c)
    snapshots = await repository.account_snapshots(conn, sorted(first_fill))
    await repository.fill_accounts(conn, [(account_id, c.account) for account_id, c in first_fill.items()])
    for c in clusters:
        if c.existing_id is not None:
            if first_fill[c.existing_id] is c:
                before = snapshots.get(c.existing_id, {})
            else:
                before = await repository.account_snapshot(conn, c.existing_id) or {}
                await repository.fill_account(conn, c.existing_id, c.account)
            touched.append(c.existing_id)
            score = c.existing_score.score if c.existing_score else None
            signals = c.existing_score.signals if c.existing_score else {}
            for position, k in enumerate(c.rows):
                merges.append(
                    (
                        c.existing_id,
                        None,
                        _row_snapshot(k),
                        before if position == 0 else {},
                        [source_ids[(k.source, k.external_id)]],
                        score,
                        signals,
                        "import",
                        user_id,
                    )
                )
        else:
            for k, score_value in zip(c.rows[1:], c.scores, strict=True):
                merges.append(
                    (
                        c.new_id,
                        None,
                        _row_snapshot(k),
                        {},
                        [source_ids[(k.source, k.external_id)]],
                        score_value,
                        {},
                        "import",
                        user_id,
                    )
                )
    await repository.insert_merges(conn, merges)
    review_rows: list[tuple[int, int, float, dict[str, Any]]] = []
    for ci, cj, result in batch_review:
        a, b = _account_of(clusters[ci]), _account_of(clusters[cj])
        review_rows.append((a, b, result.score, {**result.signals, "reason": result.reason}))
    for ci, account_id, result in db_review:
        review_rows.append(
            (_account_of(clusters[ci]), account_id, result.score, {**result.signals, "reason": result.reason})
        )
    counts.review_pairs = await repository.insert_review_pairs(conn, review_rows)
    tax_ids = sorted(
        {c.account.tax_id for c in clusters if c.account.tax_id}
        | {item.row.tax_id for _, item in changed if item.row.tax_id}
    )
    await repository.link_legal_entities(conn, tax_ids)
    unplaced = [c.new_id for c in creating if c.account.lat is None and c.new_id is not None]
    if geocoder is not None and unplaced:
        geocoded = await geocoding.geocode_accounts(conn, geocoder, unplaced)
        counts.geocoded, counts.geocode_review = geocoded.placed, geocoded.review
    counts.assigned, counts.unassigned = await repository.territory_split(conn, ids)
    await repository.update_import_summary(conn, import_id, msgspec.to_builtins(counts))
    report.import_id = import_id
    report.account_ids = sorted(set(touched))
    report.summary = _summary(counts, file_reports, rejected, False)
    log.info(
        "import %s: %s rows, %s created, %s updated, %s rejected",
        import_id,
        counts.rows,
        counts.created,
        counts.updated,
        counts.rejected,
        extra={"import_id": import_id},
    )
    return report


def _account_of(c: _Cluster) -> int:
    target = c.new_id if c.new_id is not None else c.existing_id
    assert target is not None
    return target


def _row_snapshot(k: _Keyed) -> dict[str, Any]:
    snapshot = new_account([k.row]).snapshot()
    snapshot["provenance"] = {
        "source": k.source,
        "external_id": k.external_id,
        "file": k.row.file_name,
        "row": k.row.row_number,
    }
    return snapshot
