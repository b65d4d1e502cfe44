"""Workbook limits: the declared range and every cell reference are checked before calamine allocates,
and the reader runs in a child process whose memory is capped."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest

from geo_data.spreadsheets import SpreadsheetError, read_spreadsheet
from geo_data.workbook_limits import WorkbookLimits, WorkbookTooLarge, check_xlsx, read_workbook_rows_isolated
from tests.geo_data.workbooks import streamed_rows_xlsx


def far_cell_xlsx(*, keep_dimension: bool = True) -> bytes:
    """The probe's file: cells A1, B1 and XFD1048576 (a declared range of 17 billion cells)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "name"
    sheet["B1"] = "lat"
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    if keep_dimension:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
                assert b"<dimension" not in data
            target.writestr(info, data)
    return out.getvalue()


def many_rows_xlsx(rows: int) -> bytes:
    """A sheet of `rows` rows written as XML directly (small zipped, large unzipped)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>'
    )
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i) for i in range(1, rows + 1)
    )
    template = openpyxl.Workbook()
    buffer = io.BytesIO()
    template.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = head + body + b"</sheetData></worksheet>"
            target.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("keep_dimension", [True, False])
def test_a_far_cell_is_refused_before_reading(keep_dimension: bool) -> None:
    data = far_cell_xlsx(keep_dimension=keep_dimension)
    assert len(data) < 10_000
    with pytest.raises(WorkbookTooLarge, match="1,048,576"):
        check_xlsx(io.BytesIO(data), WorkbookLimits())
    with pytest.raises(SpreadsheetError, match="too large"):
        read_spreadsheet(data, "bomb.xlsx")


def test_the_child_reader_dies_alone_when_memory_runs_out() -> None:
    # Without the pre-check, calamine in the child asks for the whole range; the cap kills only it.
    with pytest.raises(WorkbookTooLarge, match="memory"):
        read_workbook_rows_isolated(far_cell_xlsx(), WorkbookLimits(memory_bytes=256 * 1024 * 1024))


def test_rows_beyond_the_limit_are_refused_quickly() -> None:
    data = many_rows_xlsx(5_000)
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError, match=r"reaches row .*the limit is 1,000 rows"):
        read_spreadsheet(data, "rows.xlsx", limits=WorkbookLimits(max_rows=1_000))
    assert time.perf_counter() - started < 2


def test_csv_rows_beyond_the_limit_are_refused() -> None:
    data = b"name,lat\n" + b"a,1\n" * 20
    with pytest.raises(SpreadsheetError, match="more than 10 rows"):
        read_spreadsheet(data, "rows.csv", limits=WorkbookLimits(max_rows=10))


def test_a_normal_workbook_reads_through_the_child() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "lat", "opened"])
    sheet.append(["Kahvila", 60.17, 12.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_spreadsheet(buffer.getvalue(), "ok.xlsx")
    assert read.headers == ["name", "lat", "opened"]
    assert read.rows == [(2, ["Kahvila", "60.17", "12"])]


def test_rows_without_references_count_too() -> None:
    # The probe's 5-million-row bomb: identical rows with no r="" (1.1 MB zipped); 300k suffice here.
    data = streamed_rows_xlsx(300_000, references=False)
    started = time.process_time()
    with pytest.raises(SpreadsheetError, match=r"reaches row .*the limit is 250,000 rows"):
        read_spreadsheet(data, "bare.xlsx")
    assert time.process_time() - started < 2
