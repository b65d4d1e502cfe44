"""Hostile workbooks made on the fly for the limit tests and benchmarks/hardening.py."""

from __future__ import annotations

import io
import zipfile
from typing import IO

import openpyxl

_ROW = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Bar %d</t></is></c><c r="B%d"><v>60.1</v></c></row>'
# The probe's kind: identical rows without references, so millions of them zip to almost nothing.
_BARE_ROW = b'<row><c t="inlineStr"><is><t>Bar</t></is></c><c><v>60.1</v></c></row>'


def streamed_rows_xlsx(rows: int, out: IO[bytes] | None = None, *, references: bool = True) -> bytes:
    """An XLSX of `rows` rows of two cells with no <dimension> (so every row must be scanned), written
    piece by piece: with references, 5 million rows are about 54 MB zipped. Returns the bytes when
    `out` is None, else writes to `out` and returns b"". Without `references` the rows are identical and
    carry no r="" (5 million rows zip to a few MB)."""
    template = io.BytesIO()
    openpyxl.Workbook().save(template)
    source = zipfile.ZipFile(io.BytesIO(template.getvalue()))
    target_file = out if out is not None else io.BytesIO()
    level = 1 if references else 9
    with zipfile.ZipFile(target_file, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                sheet.write(b"<sheetData>")
                for start in range(1, rows + 1, 10_000):
                    stop = min(start + 10_000, rows + 1)
                    if references:
                        sheet.write(b"".join(_ROW % (i, i, i, i) for i in range(start, stop)))
                    else:
                        sheet.write(_BARE_ROW * (stop - start))
                sheet.write(b"</sheetData></worksheet>")
    return b"" if out is not None else target_file.getvalue()  # type: ignore[attr-defined]
