"""Tables as CSV or XLSX that never carry a live formula.

CSV: a text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some
programs strip first) gets a leading apostrophe, so a spreadsheet shows it as text. Numbers are
written as numbers (a negative number is not text and stays as it is).
XLSX: every text cell is written with the string type, so even ``=1+1`` is stored as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import msgspec

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _columns(rows: Sequence[msgspec.Struct]) -> list[str]:
    return [] if not rows else list(msgspec.structs.asdict(rows[0]).keys())


def _value(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if value is not None and not isinstance(value, bool | int | float | str):
        return str(value)
    return value


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Sequence[msgspec.Struct], columns: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = columns or _columns(rows)
    writer.writerow(names)
    for row in rows:
        values = msgspec.structs.asdict(row)
        cells: list[Any] = []
        for name in names:
            value = _value(values[name])
            cells.append("" if value is None else neutralise(value) if isinstance(value, str) else value)
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[msgspec.Struct], sheet_name: str, columns: list[str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name[:31])
    names = columns or _columns(rows)

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never "f": a leading "=" stays text
        return cell

    sheet.append([text_cell(name) for name in names])
    for row in rows:
        values = msgspec.structs.asdict(row)
        cells: list[Any] = []
        for name in names:
            value = _value(values[name])
            cells.append(text_cell(value) if isinstance(value, str) else value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
