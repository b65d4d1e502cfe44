"""Reading account spreadsheets (CSV, XLSX/XLS/ODS) into header + rows of text cells.

What is refused, each with a :class:`SpreadsheetError` naming the file:

* an empty (0-byte) file, a file larger than ``max_bytes``;
* a file with more rows than ``limits.max_rows``, and a workbook beyond the limits of
  :mod:`geo_data.workbook_limits` (checked before the native reader allocates; the reader runs in a
  child process with capped memory);
* a file that is not a spreadsheet (PDF, images, archives, other binaries);
* a workbook python-calamine cannot open, or one with no sheet holding data;
* a text file whose encoding cannot be determined (UTF-8/UTF-16 with BOM, plain UTF-8, or a legacy
  code page detected by charset-normalizer among :data:`LEGACY_ENCODINGS`), or that does not decode
  with the encoding the caller named.

Cells come back as trimmed text (``None`` for empty): numbers without a fractional part are written
without ``.0`` (phone numbers and tax ids typed as numbers), dates in ISO format. Mojibake from a
UTF-8 file once decoded as Windows-1252 (``CafÃ©``) is repaired cell by cell.

The header is the first row with at least two non-empty cells (title rows above it are skipped);
``row_number`` is the 1-based line/row in the file, as a person sees it in their spreadsheet.
Empty rows are counted and listed, not returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from geo_data.workbook_limits import WorkbookLimits, WorkbookTooLarge, check_xlsx, read_workbook_rows_isolated

__all__ = ["LEGACY_ENCODINGS", "Sheet", "SpreadsheetError", "WorkbookLimits", "read_spreadsheet"]

LEGACY_ENCODINGS = ("cp1252", "cp1251", "iso8859_15", "koi8_r", "cp1257")
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
_MOJIBAKE = re.compile("[ÃÐÑÂ][\u0080-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u2122]")


class SpreadsheetError(ValueError):
    """A file that cannot be read as a spreadsheet; ``file_name`` and ``reason`` say which and why."""

    def __init__(self, file_name: str, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class Sheet:
    file_name: str
    kind: str  # "csv" | "xlsx" | "xls" | "ods"
    headers: list[str]
    rows: list[tuple[int, list[str | None]]]
    encoding: str | None = None
    empty_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_spreadsheet(
    data: bytes,
    file_name: str,
    *,
    max_bytes: int = 50 * 1024 * 1024,
    encoding: str | None = None,
    limits: WorkbookLimits | None = None,
) -> Sheet:
    """Read one file's bytes; ``file_name`` is used in messages and to tell CSV from a workbook."""
    limits = limits or WorkbookLimits()
    if len(data) == 0:
        raise SpreadsheetError(file_name, "the file is empty (0 bytes)")
    if len(data) > max_bytes:
        raise SpreadsheetError(
            file_name, f"the file is {len(data) / 1_048_576:.1f} MiB; the limit is {max_bytes / 1_048_576:.0f} MiB"
        )
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise SpreadsheetError(file_name, f"not a spreadsheet: the file is {what}; send CSV or XLSX")
    if data.startswith(_ZIP):
        return _read_workbook(data, file_name, "ods" if file_name.lower().endswith(".ods") else "xlsx", limits)
    if data.startswith(_OLE):
        return _read_workbook(data, file_name, "xls", limits)
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise SpreadsheetError(file_name, "not a spreadsheet: the name says a workbook but the content is not one")
    text, used = _decode(data, file_name, encoding)
    return _read_csv(text, file_name, used, limits.max_rows)


# --- workbooks ---------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}"
    text = str(value).strip()
    return _repair(text) if text else None


def _from_child(value: object) -> object:
    """A cell as the child reader sent it (JSON) back to the value calamine gave."""
    if isinstance(value, dict):
        if "iso" in value:
            return str(value["iso"])
        if "seconds" in value:
            return dt.timedelta(seconds=float(value["seconds"]))
    return value


def _read_workbook(data: bytes, file_name: str, kind: str, limits: WorkbookLimits) -> Sheet:
    try:
        if kind == "xlsx":
            check_xlsx(io.BytesIO(data), limits)
        result = read_workbook_rows_isolated(data, limits)
    except WorkbookTooLarge as exc:
        raise SpreadsheetError(file_name, f"the workbook is too large to import: {exc}") from exc
    if "error" in result:
        raise SpreadsheetError(file_name, f"not a readable {kind.upper()} workbook ({result['error']})")
    sheets = result.get("sheets")
    assert isinstance(sheets, list)
    notes: list[str] = []
    for sheet_name, values in sheets:
        if isinstance(values, dict):
            if "too_large" in values:
                height, width = values["too_large"]
                raise SpreadsheetError(
                    file_name,
                    f"the workbook is too large to import: sheet {sheet_name!r} spans {height:,} rows x "
                    f"{width:,} columns (limits: {limits.max_rows:,} rows, {limits.max_cells:,} cells)",
                )
            notes.append(f"sheet {sheet_name!r} could not be read: {values.get('error')}")
            continue
        rows = [[_cell_text(_from_child(cell)) for cell in row] for row in values]
        if any(sum(cell is not None for cell in row) >= 2 for row in rows):
            if len(sheets) > 1:
                notes.append(f"read sheet {sheet_name!r}; other sheets ignored")
            return _table(rows, file_name, kind, None, notes)
    raise SpreadsheetError(file_name, "the workbook has no sheet with a header row and data")


# --- CSV ---------------------------------------------------------------------------------------


def _decode(data: bytes, file_name: str, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise SpreadsheetError(file_name, f"the file does not decode as {encoding}: {exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(file_name, f"the file starts with a UTF-8 mark but is not UTF-8 ({exc})") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(file_name, f"the file starts with a UTF-16 mark but is not UTF-16 ({exc})") from exc
    sample = data[:65536]
    if b"\x00" in sample:
        raise SpreadsheetError(file_name, "not a spreadsheet: binary content (NUL bytes) in what should be CSV text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None or best.chaos > 0.25:
        raise SpreadsheetError(
            file_name,
            "the text encoding cannot be determined (not UTF-8, nor a recognisable Windows/ISO code page); "
            "save the file as CSV UTF-8",
        )
    used = str(best.encoding)
    return data.decode(used), used


def _repair(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (``CafÃ©`` -> ``Café``) when that is what happened."""
    if not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def _read_csv(text: str, file_name: str, encoding: str, max_rows: int) -> Sheet:
    lines = text.splitlines()
    head = next((line for line in lines if line.strip()), "")
    if not head:
        raise SpreadsheetError(file_name, "the file holds no text rows")
    delimiter = max((";", ",", "\t", "|"), key=head.count)
    if head.count(delimiter) == 0:
        raise SpreadsheetError(file_name, "not a spreadsheet: no column separator (, ; tab |) in the first line")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str | None]] = []
    try:
        for row in reader:
            if len(rows) >= max_rows:
                raise SpreadsheetError(file_name, f"the file has more than {max_rows:,} rows; split it")
            rows.append([_repair(cell.strip()) or None for cell in row])
    except csv.Error as exc:
        raise SpreadsheetError(file_name, f"not a readable CSV file: {exc}") from exc
    notes = [] if encoding.startswith("utf") else [f"decoded as {encoding}"]
    return _table(rows, file_name, "csv", encoding, notes)


def _table(rows: list[list[str | None]], file_name: str, kind: str, encoding: str | None, notes: list[str]) -> Sheet:
    header_index = next((i for i, row in enumerate(rows[:20]) if sum(cell is not None for cell in row) >= 2), None)
    if header_index is None:
        raise SpreadsheetError(file_name, "no header row (a row with at least two column names) in the first 20 rows")
    if header_index > 0:
        notes.append(f"{header_index} row(s) above the header skipped")
    headers = [cell or "" for cell in rows[header_index]]
    body: list[tuple[int, list[str | None]]] = []
    empty: list[int] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if all(cell is None for cell in row):
            empty.append(index + 1)
            continue
        body.append((index + 1, row + [None] * (len(headers) - len(row))))
    # Trailing empty rows of a workbook's used range are not worth reporting.
    last = body[-1][0] if body else 0
    empty = [number for number in empty if number < last]
    return Sheet(file_name, kind, headers, body, encoding, empty, notes)
