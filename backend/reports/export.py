"""Any report table as CSV (UTF-8 with BOM, so spreadsheet programs read it right) or XLSX."""

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


def to_csv(rows: Sequence[msgspec.Struct]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        values = msgspec.structs.asdict(row)
        writer.writerow(["" if values[name] is None else _cell(values[name]) for name in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[msgspec.Struct], sheet_name: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name[:31])
    columns = _columns(rows)
    sheet.append(columns)
    for row in rows:
        values = msgspec.structs.asdict(row)
        sheet.append([_cell(values[name]) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
