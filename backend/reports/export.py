"""Any report table as CSV (UTF-8 with BOM, so spreadsheet programs read it right) or XLSX.

Text is never a formula, whoever typed it (a territory named ``=HYPERLINK(...)``): in CSV a text cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (the OWASP
advice; spreadsheet programs show the rest as text); in XLSX every text cell is written as a string,
never as a formula. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

import msgspec


def _columns(rows: Sequence[msgspec.Struct]) -> list[str]:
    if not rows:
        return []
    return list(msgspec.structs.asdict(rows[0]).keys())


def _cell(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A CSV text cell that no spreadsheet program will evaluate."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value: object) -> object:
    cell = _cell(value)
    return neutralise(cell) if isinstance(cell, str) else cell


def to_csv(rows: Sequence[msgspec.Struct]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        values = msgspec.structs.asdict(row)
        writer.writerow(["" if values[name] is None else _csv_cell(values[name]) for name in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[msgspec.Struct], sheet_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name[:31])

    def xlsx_cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, even when it starts with "=" (openpyxl would write a formula)
        return cell

    columns = _columns(rows)
    sheet.append([xlsx_cell(name) for name in columns])
    for row in rows:
        values = msgspec.structs.asdict(row)
        sheet.append([xlsx_cell(_cell(values[name])) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
