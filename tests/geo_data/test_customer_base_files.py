"""Reading account spreadsheets and mapping their columns (pure, files made here)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import openpyxl
import pytest

from geo_data.account_rows import (
    AccountRow,
    MappingError,
    RejectedRow,
    RowOptions,
    load_mapping,
    map_columns,
    normalize_rows,
    parse_mapping,
)
from geo_data.normalize import FINLAND_BBOX
from geo_data.spreadsheets import SpreadsheetError, read_spreadsheet


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_csv_encodings_are_detected_and_mojibake_repaired() -> None:
    text = "Nimi;Osoite\nKahvila Pöllö;Hämeentie 1\nBaari Äijä;Sturenkatu 2\n"
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        sheet = read_spreadsheet(text.encode(encoding), "south.csv")
        assert sheet.rows[0][1][0] == "Kahvila Pöllö", encoding
    russian = "Наименование;Адрес\nООО «Ромашка»;Невский 1\nИП Иванов;Литейный 2\n".encode("cp1251")
    sheet = read_spreadsheet(russian, "ru.csv")
    assert sheet.encoding == "cp1251" and sheet.rows[0][1][0] == "ООО «Ромашка»"
    broken = "name,address\nPub Pöllö,Kallio\n".encode().decode("cp1252").encode("utf-8")
    assert read_spreadsheet(broken, "crm.csv").rows[0][1][0] == "Pub Pöllö"


def test_title_rows_and_empty_rows_and_numbers_in_xlsx() -> None:
    data = _xlsx(
        [
            ["Customer list 2024"],
            ["Name", "Phone", "Lat"],
            ["A", 358401234567, 60.17],
            [None, None, None],
            ["B", "040 1", 60.2],
            [None, None, None],
        ]
    )
    sheet = read_spreadsheet(data, "list.xlsx")
    assert sheet.kind == "xlsx" and sheet.headers == ["Name", "Phone", "Lat"]
    assert [number for number, _ in sheet.rows] == [3, 5]
    assert sheet.rows[0][1] == ["A", "358401234567", "60.17"]
    assert sheet.empty_rows == [4]
    assert any("above the header" in note for note in sheet.notes)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.csv", "empty (0 bytes)"),
        (b"%PDF-1.7 ...", "customers.xlsx", "PDF"),
        (b"\x89PNG\r\n\x1a\n....", "customers.csv", "PNG"),
        (b"PK\x03\x04 not really a zip", "customers.xlsx", "not a readable XLSX"),
        (b"just one line of text without separators\n", "notes.csv", "no column separator"),
        ("name,address\n".encode("utf-16-le"), "utf16.csv", "NUL bytes"),
        (
            b"name;address\n" + random.Random(1).randbytes(3000).translate(bytes(range(128, 256)) * 2),
            "bin.csv",
            "encoding cannot be determined",
        ),
        (b"name;address\nfake;1\n", "customers.xlsx", "not a spreadsheet"),
    ],
)
def test_bad_files_are_refused_with_the_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(SpreadsheetError) as caught:
        read_spreadsheet(data, name)
    assert reason in caught.value.reason and caught.value.file_name == name


def test_size_limit_and_declared_encoding() -> None:
    with pytest.raises(SpreadsheetError, match="limit is 1 MiB"):
        read_spreadsheet(b"a,b\n" + b"x,y\n" * 300_000, "big.csv", max_bytes=1024 * 1024)
    with pytest.raises(SpreadsheetError, match="does not decode as utf-8"):
        read_spreadsheet("nimi;x\nÄÖ;1\n".encode("cp1252"), "x.csv", encoding="utf-8")


def test_default_mapping_finds_columns_in_several_languages() -> None:
    sheet = read_spreadsheet(b"Asiakas;Puh;Y-tunnus;Leveys;Pituus;Aukioloajat;Muuta\nA;1;2;3;4;5;6\n", "f.csv")
    columns = map_columns(sheet)
    assert columns.columns == {"name": 0, "phone": 1, "tax_id": 2, "lat": 3, "lon": 4, "opening_hours": 5}
    assert columns.ignored_headers == ["Muuta"]


def test_missing_name_column_names_the_field_and_file() -> None:
    sheet = read_spreadsheet(b"street,phone\nx,1\n", "nonames.csv")
    with pytest.raises(SpreadsheetError) as caught:
        map_columns(sheet)
    assert caught.value.field == "name" and "no column for 'name'" in caught.value.reason


def test_override_mapping_file(tmp_path: Path) -> None:
    sheet = read_spreadsheet(b"Outlet title,Tel no\nKahvila Kuu,040 123 4567\n", "odd.csv")
    path = tmp_path / "mapping.toml"
    path.write_text('name = "Outlet title"\nphone = ["Tel no", "GSM"]\n', encoding="utf-8")
    columns = map_columns(sheet, load_mapping(path))
    assert columns.columns == {"name": 0, "phone": 1}
    assert parse_mapping('{"name": "Outlet title"}') == {"name": ("outlettitle",)}
    with pytest.raises(MappingError, match="unknown field"):
        parse_mapping('colour = "Paint"')
    with pytest.raises(MappingError, match="not valid JSON or TOML"):
        parse_mapping("name = ")


def test_rows_normalised_or_rejected_with_a_reason() -> None:
    text = (
        "id,name,phone,inn,coordinates,hours,class\n"
        '1,CAFE REGATTA OY,09 1234567,,"60.1699, 24.9384",09:00-18:00,a\n'
        "2,,040 1234567,,,,\n"
        '3,Baari Kuu,123,7707083894,"24.9384, 60.1699",sometimes,Z\n'
        '4,Kioski Tähti,,,"0, 0",,\n'
        "5,Pub Ilta,,,,,\n"
    )
    sheet = read_spreadsheet(text.encode(), "rows.csv")
    items = list(normalize_rows(sheet, map_columns(sheet), RowOptions(region=FINLAND_BBOX)))
    ok = [i for i in items if isinstance(i, AccountRow)]
    rejected = [i for i in items if isinstance(i, RejectedRow)]
    assert [(r.row_number, r.field) for r in rejected] == [(3, "name"), (5, "coordinates")]
    first, second, third = ok
    assert (first.name, first.legal_form, first.phones, first.account_class) == (
        "Cafe Regatta",
        "Oy",
        ["+35891234567"],
        "A",
    )
    assert first.external_id == "1" and len(first.opening_hours) == 7
    assert (second.lat, second.lon) == (60.1699, 24.9384)
    assert second.phones == [] and second.tax_id is None and second.account_class == "C"
    assert len(second.warnings) == 5  # swapped, phone, INN, hours, class
    assert third.lat is None and third.lon is None  # kept: needs geocoding
    again = list(normalize_rows(sheet, map_columns(sheet), RowOptions(region=FINLAND_BBOX)))
    assert [i.content_hash for i in again if isinstance(i, AccountRow)] == [i.content_hash for i in ok]
