"""Catalogue files (CSV/XLSX) -> rows of named text cells, with every formula cell found.

Files are read by `geo_data.spreadsheets` (header row found as for account files). Columns are
matched by header name, lower-cased with everything but letters and digits removed, against the
aliases below. A formula is never evaluated nor stored: in a workbook, every cell holding a formula
(read with openpyxl without computing it) makes its row rejected; in CSV, a cell whose text starts
like a formula (`backend.catalogue.rules.looks_like_formula`) does.
"""

from __future__ import annotations

import io
import re

from backend.catalogue.rules import looks_like_formula
from backend.errors import InvalidInput
from geo_data.spreadsheets import Sheet, SpreadsheetError, read_spreadsheet

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "products": {
        "sku": ("sku", "code", "article", "articleno", "itemcode", "productcode"),
        "name": ("name", "product", "productname", "description"),
        "brand": ("brand", "brandname"),
        "brand_type": ("brandtype", "own", "owner", "brandowner"),
        "category": ("category", "categorypath", "productcategory"),
        "unit": ("unit", "uom"),
        "pack_size": ("packsize", "pack", "casesize", "unitspercase"),
        "ean": ("ean", "barcode", "gtin"),
        "volume_l": ("volume", "volumel", "litres", "liters", "volumeliters"),
        "alcohol": ("alcohol", "isalcohol", "alcoholic"),
        "active": ("active", "isactive"),
    },
    "prices": {
        "price_list": ("pricelist", "list", "pricelistcode"),
        "sku": ("sku", "code", "article", "productcode"),
        "price": ("price", "listprice", "unitprice"),
    },
    "must_stock": {
        "channel": ("channel",),
        "account_class": ("class", "accountclass"),
        "sku": ("sku", "code", "article", "productcode"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "products": ("sku", "name", "brand", "category", "unit"),
    "prices": ("price_list", "sku", "price"),
    "must_stock": ("channel", "account_class", "sku"),
}
_KEY = re.compile(r"[^a-z0-9]+")


def _key(header: str) -> str:
    return _KEY.sub("", header.lower())


def formula_rows(data: bytes, sheet: Sheet) -> dict[int, list[str]]:
    """Row number -> the headers of its formula cells."""
    found: dict[int, list[str]] = {}
    if sheet.kind == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for worksheet in workbook.worksheets:
                for row in worksheet.iter_rows():
                    for cell in row:
                        if getattr(cell, "data_type", None) == "f" and cell.row is not None:
                            column = (cell.column or 1) - 1
                            header = sheet.headers[column] if column < len(sheet.headers) else f"column {column + 1}"
                            found.setdefault(cell.row, []).append(header)
        finally:
            workbook.close()
    for row_number, values in sheet.rows:
        for index, value in enumerate(values):
            if looks_like_formula(value):
                header = sheet.headers[index] if index < len(sheet.headers) else f"column {index + 1}"
                if header not in found.get(row_number, []):
                    found.setdefault(row_number, []).append(header)
    return found


def read_rows(
    data: bytes, file_name: str, kind: str, max_bytes: int
) -> tuple[int, list[tuple[int, dict[str, str | None]]], dict[int, list[str]]]:
    """(rows read, rows as {field: text}, formula cells by row); an unusable file is InvalidInput."""
    if kind not in COLUMNS:
        raise InvalidInput(f"kind must be one of {', '.join(COLUMNS)}", field="kind")
    try:
        sheet = read_spreadsheet(data, file_name, max_bytes=max_bytes)
    except SpreadsheetError as exc:
        raise InvalidInput(str(exc), field="file") from exc
    keys = [_key(header) for header in sheet.headers]
    columns: dict[str, int] = {}
    for name, aliases in COLUMNS[kind].items():
        for index, key in enumerate(keys):
            if key in aliases:
                columns[name] = index
                break
    missing = [name for name in REQUIRED[kind] if name not in columns]
    if missing:
        raise InvalidInput(
            f"{file_name}: missing column(s) {', '.join(missing)}; a {kind} file needs {', '.join(REQUIRED[kind])}",
            field="file",
        )
    try:
        formulas = formula_rows(data, sheet)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook calamine could read
        raise InvalidInput(f"{file_name}: the workbook cannot be checked for formulas ({exc})", field="file") from exc
    rows = [
        (number, {name: (values[index] if index < len(values) else None) for name, index in columns.items()})
        for number, values in sheet.rows
    ]
    return len(sheet.rows), rows, formulas
