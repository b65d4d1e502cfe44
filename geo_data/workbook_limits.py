"""Limits on a workbook checked before the native reader sees it, and the reader in a child process.

python-calamine allocates a sheet's whole declared range before reading a cell: a 1.6 KB XLSX with cells
in A1 and XFD1048576 asks for about 512 GiB and aborts the process (no exception to catch). So:

* every XLSX is checked first without unpacking it into memory: its parts' unpacked sizes (as read, not
  as declared), each sheet's ``<dimension>`` and the row/column of every cell and row reference, refused
  past ``max_rows`` rows or ``max_cells`` cells (the declared range counts, empty cells included);
* every workbook (XLSX, XLS, ODS) is then read in a child process whose address space is capped at
  ``memory_bytes``: a reader that runs out of memory kills only the child, and the file is refused.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from typing import IO

__all__ = ["WorkbookLimits", "WorkbookTooLarge", "check_xlsx", "read_workbook_rows_isolated"]

_CHUNK = 1 << 18
# The r="12" of a row or r="B12" of a cell, and a cell's column letters (literal prefixes: the regex
# engine skips ahead fast; one group each, so findall returns plain bytes).
_ROW_NUMBER = re.compile(rb' r="[A-Z]{0,3}([0-9]{1,9})"')
_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]{1,3})([0-9]{1,9})(?::([A-Z]{1,3})([0-9]{1,9}))?\"")


@dataclass(frozen=True)
class WorkbookLimits:
    max_rows: int = 250_000
    max_cells: int = 5_000_000
    # All parts of the archive together, unpacked.
    max_unpacked_bytes: int = 512 * 1024 * 1024
    # The child reader's address space.
    memory_bytes: int = 1536 * 1024 * 1024
    timeout_s: float = 120.0


class WorkbookTooLarge(ValueError):
    """The workbook is beyond a limit; the message says which, in the user's terms."""


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _check_extent(rows: int, columns: int, limits: WorkbookLimits, what: str) -> None:
    if rows > limits.max_rows:
        raise WorkbookTooLarge(f"{what} reaches row {rows:,}; the limit is {limits.max_rows:,} rows")
    if rows * columns > limits.max_cells:
        raise WorkbookTooLarge(
            f"{what} spans {rows:,} rows x {columns:,} columns = {rows * columns:,} cells; "
            f"the limit is {limits.max_cells:,} cells"
        )


def _scan_sheet(stream: IO[bytes], name: str, limits: WorkbookLimits, budget: list[int]) -> None:
    """Stream one sheet's XML, refusing as soon as its extent or the unpacked budget is exceeded."""
    max_row = 0
    max_column = 0
    cells = 0
    rows_seen = 0
    seen_data = False
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise WorkbookTooLarge(f"the workbook unpacks to more than {limits.max_unpacked_bytes / 2**20:.0f} MiB")
        window = tail + chunk
        if not seen_data:
            dimension = _DIMENSION.search(window)
            if dimension is not None:
                last_col, last_row = dimension.group(3) or dimension.group(1), dimension.group(4) or dimension.group(2)
                _check_extent(int(last_row), _column_number(last_col), limits, f"sheet {name}'s declared range")
            seen_data = b"<sheetData" in window or b":sheetData" in window
        # References cut by a chunk border are seen whole in the next window (the tail overlaps).
        # Work per chunk in C (findall, set, map): a Python loop per cell took seconds per 250k rows.
        # Rows without an r="" attribute follow each other: their count is a row number too.
        rows_seen += chunk.count(b"<row ") + chunk.count(b"<row>") + chunk.count(b":row ") + chunk.count(b":row>")
        max_row = max(max_row, rows_seen)
        numbers = _ROW_NUMBER.findall(window)
        if numbers:
            max_row = max(max_row, max(map(int, numbers)))
        columns = set(_COLUMN.findall(window))
        if columns:
            widest = max(map(len, columns))
            max_column = max(max_column, _column_number(max(c for c in columns if len(c) == widest)))
        # An upper bound (a namespaced "x:c" counts too): enough to stop a file of millions of cells.
        cells += chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b":c ")
        _check_extent(max_row, max_column or 1, limits, f"sheet {name}")
        if cells > limits.max_cells:
            raise WorkbookTooLarge(f"sheet {name} holds more than {limits.max_cells:,} cells")
        tail = window[-256:]


def check_xlsx(data: IO[bytes], limits: WorkbookLimits) -> None:
    """Refuse an XLSX whose sheets are beyond the limits, reading it in bounded chunks (never whole)."""
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip that can be checked: the reader's own error names it
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise WorkbookTooLarge(f"the workbook holds {len(infos):,} parts")
        budget = [limits.max_unpacked_bytes]
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_unpacked_bytes:
            raise WorkbookTooLarge(
                f"the workbook unpacks to {declared / 2**20:.0f} MiB; the limit is "
                f"{limits.max_unpacked_bytes / 2**20:.0f} MiB"
            )
        for info in infos:
            if not info.filename.startswith("xl/worksheets/") or not info.filename.endswith(".xml"):
                continue
            name = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            try:
                with archive.open(info) as stream:
                    _scan_sheet(stream, name, limits, budget)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                # Damaged, encrypted, or compressed by a method zipfile lacks (NotImplementedError):
                return  # the reader reports it


# --- the reader in a child process -------------------------------------------------------------

_CHILD = "from geo_data.workbook_limits import _child_main; _child_main()"


def read_workbook_rows_isolated(data: bytes, limits: WorkbookLimits) -> dict[str, object]:
    """Every sheet's rows (raw calamine values made JSON-safe) read by a child process with capped memory.

    Returns ``{"sheets": [[name, rows] | [name, error]...]}`` or ``{"error": message}`` when calamine
    cannot open the file; raises WorkbookTooLarge when the child runs out of memory or time."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", _CHILD, str(limits.max_rows), str(limits.max_cells), str(limits.memory_bytes)],
            input=data,
            capture_output=True,
            timeout=limits.timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkbookTooLarge(f"the workbook could not be read within {limits.timeout_s:.0f} s") from exc
    if done.returncode != 0:
        raise WorkbookTooLarge(f"the workbook could not be read within {limits.memory_bytes / 2**20:.0f} MiB of memory")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _json_cell(value: object) -> object:
    import datetime as dt

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return {"iso": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"seconds": value.total_seconds()}
    return str(value)


def _child_main() -> None:
    """The child: read stdin as a workbook, write its sheets as JSON to stdout."""
    import io

    import python_calamine

    max_rows, max_cells, memory_bytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    # First of all, before the file is read: this process may use no more than this.
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    data = sys.stdin.buffer.read()
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        json.dump({"error": str(exc)}, sys.stdout)
        return
    sheets: list[list[object]] = []
    for sheet_name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            if sheet.height > max_rows or sheet.height * max(1, sheet.width) > max_cells:
                sheets.append([sheet_name, {"too_large": [sheet.height, sheet.width]}])
                continue
            values = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            sheets.append([sheet_name, {"error": str(exc)}])
            continue
        sheets.append([sheet_name, [[_json_cell(cell) for cell in row] for row in values]])
    json.dump({"sheets": sheets}, sys.stdout)
