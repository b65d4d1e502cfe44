"""Spreadsheet rows -> normalised account rows or rejections with a reason.

Column mapping
--------------
Columns are found by header name: a header matches a field when, lower-cased with everything but
letters and digits removed, it equals one of the field's aliases in :data:`DEFAULT_COLUMNS`
(English, Finnish, Russian, Swedish names managers use). ``name`` is required; every other column
is optional. An override mapping file (JSON or TOML) replaces the aliases of the fields it names::

    # mapping.toml
    name = ["Asiakas", "Outlet"]
    external_id = "Customer no"
    phone = ["Puh", "GSM"]

A field may also be given as ``coordinates`` (one cell "60.17, 24.94").

Rows
----
A row is rejected (with a reason naming the field) when it has no name, or coordinates that are
out of range or outside the expected region (swapped lat/lon are corrected, not rejected). Bad
phones, tax ids failing their check digits and unreadable opening hours are warnings: the value
is dropped, the row is kept. A row without coordinates is kept with ``lat``/``lon`` None (needs
geocoding). ``content_hash`` identifies the normalised content, so the same row imported twice is
recognised even without an external id.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geo_data.normalize import (
    BBox,
    CoordinateError,
    address_key,
    check_coordinates,
    name_key,
    normalize_address,
    normalize_hours,
    normalize_name,
    normalize_phones,
    normalize_tax_id,
    parse_coordinate,
)
from geo_data.opening_hours import OpeningHoursError, WeeklyWindow
from geo_data.spreadsheets import Sheet, SpreadsheetError

__all__ = [
    "DEFAULT_COLUMNS",
    "FIELDS",
    "AccountRow",
    "ColumnMap",
    "MappingError",
    "RejectedRow",
    "RowOptions",
    "load_mapping",
    "map_columns",
    "normalize_rows",
]

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "externalid", "customerid", "customerno", "customernumber", "clientid", "code",
                    "accountid", "asiakasnumero", "asiakasnro", "asnro", "kod", "код", "кодклиента", "idклиента"),
    "name": ("name", "outlet", "outletname", "customer", "customername", "account", "accountname", "company",
             "nimi", "asiakas", "asiakkaannimi", "liike", "toimipaikka", "namn", "название", "наименование",
             "клиент", "торговаяточка", "тт"),
    "address": ("address", "streetaddress", "street", "osoite", "katuosoite", "lähiosoite", "adress", "адрес"),
    "postcode": ("postcode", "zip", "zipcode", "postalcode", "postinumero", "postnr", "индекс"),
    "city": ("city", "town", "kaupunki", "postitoimipaikka", "kunta", "stad", "город"),
    "phone": ("phone", "phones", "tel", "telephone", "phonenumber", "mobile", "puhelin", "puh", "puhelinnumero",
              "gsm", "telefon", "телефон", "тел"),
    "tax_id": ("taxid", "inn", "vat", "vatid", "vatnumber", "businessid", "ytunnus", "orgnr", "инн", "taxnumber"),
    "branch_code": ("branch", "branchcode", "branchid", "kpp", "кпп", "toimipistenumero", "филиал"),
    "lat": ("lat", "latitude", "leveys", "leveysaste", "широта", "y"),
    "lon": ("lon", "lng", "long", "longitude", "pituus", "pituusaste", "долгота", "x"),
    "coordinates": ("coordinates", "coords", "latlon", "location", "koordinaatit", "координаты"),
    "channel": ("channel", "kanava", "канал", "segment"),
    "category": ("category", "type", "outlettype", "kategoria", "tyyppi", "тип", "категория"),
    "account_class": ("class", "accountclass", "abc", "luokka", "класс"),
    "status": ("status", "tila", "статус"),
    "opening_hours": ("openinghours", "hours", "opening", "aukioloajat", "aukiolo", "öppettider",
                      "режимработы", "часыработы"),
}  # fmt: skip
FIELDS = tuple(DEFAULT_COLUMNS)
REQUIRED = ("name",)

_HORECA = {"horeca", "cafe", "café", "coffee", "restaurant", "bar", "pub", "nightclub", "fast_food", "fastfood",
           "kahvila", "ravintola", "baari", "кафе", "ресторан", "бар", "hotel", "biergarten", "food_court"}  # fmt: skip
_RETAIL = {"retail", "shop", "store", "kiosk", "supermarket", "convenience", "alcohol", "market", "kauppa",
           "kioski", "myymälä", "магазин", "киоск", "grocery", "deli", "bakery", "wine", "beverages"}  # fmt: skip


class MappingError(ValueError):
    """A mapping file that cannot be used."""


def _key(header: str) -> str:
    return re.sub(r"[\W_]+", "", header.casefold())


def load_mapping(path: Path) -> dict[str, tuple[str, ...]]:
    """Read an override mapping (JSON or TOML): field -> header name or list of header names."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path.name}: cannot read the mapping file: {exc}") from exc
    return parse_mapping(text, path.name)


def parse_mapping(text: str, origin: str = "mapping") -> dict[str, tuple[str, ...]]:
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{origin}: not valid JSON or TOML: {exc}") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"{origin}: expected an object of field = header name(s)")
    result: dict[str, tuple[str, ...]] = {}
    for name, headers in raw.items():
        if name not in DEFAULT_COLUMNS:
            raise MappingError(f"{origin}: unknown field {name!r}; fields are {', '.join(FIELDS)}")
        values = [headers] if isinstance(headers, str) else headers
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise MappingError(f"{origin}: field {name!r} needs a header name or a list of header names")
        result[name] = tuple(_key(value) for value in values)
    return result


@dataclass(frozen=True)
class ColumnMap:
    columns: dict[str, int]  # field -> column index
    ignored_headers: list[str]


def map_columns(sheet: Sheet, override: Mapping[str, tuple[str, ...]] | None = None) -> ColumnMap:
    """Which column holds which field; SpreadsheetError (field = the missing field) without a name column."""
    aliases = {name: tuple(_key(a) for a in values) for name, values in DEFAULT_COLUMNS.items()}
    if override:
        aliases.update(override)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(sheet.headers):
        key = _key(header)
        found = next((name for name, keys in aliases.items() if key in keys and name not in columns), None)
        if found is None:
            if header:
                ignored.append(header)
        else:
            columns[found] = index
    for name in REQUIRED:
        if name not in columns:
            raise SpreadsheetError(
                sheet.file_name,
                f"no column for {name!r}: none of the headers {sheet.headers!r} is one of "
                f"{list(aliases[name])!r}; rename the column or pass a mapping file",
                field=name,
            )
    return ColumnMap(columns, ignored)


@dataclass(frozen=True)
class RowOptions:
    phone_region: str = "FI"
    region: BBox | None = None
    default_channel: str = "other"


@dataclass(frozen=True)
class AccountRow:
    file_name: str
    row_number: int
    external_id: str | None
    name: str
    legal_form: str | None
    name_key: str
    address: str | None
    address_key: str | None
    phones: list[str]
    tax_id: str | None
    branch_code: str | None
    lat: float | None
    lon: float | None
    channel: str
    category: str | None
    account_class: str
    status: str
    opening_hours_raw: str | None
    opening_hours: tuple[WeeklyWindow, ...]
    content_hash: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RejectedRow:
    file_name: str
    row_number: int
    field: str
    reason: str


def _channel(channel: str | None, category: str | None, default: str) -> str:
    for value in (channel, category):
        if value:
            key = value.strip().casefold().replace(" ", "_")
            if key in {"horeca", "retail", "other"}:
                return key
            if key in _HORECA:
                return "horeca"
            if key in _RETAIL:
                return "retail"
    return default


def _status(raw: str | None) -> str:
    key = (raw or "").strip().casefold()
    if key in {"active", "aktiivinen", "активный", "customer", "asiakas", "yes", "1"}:
        return "active"
    if key in {"closed", "suljettu", "закрыт", "inactive"}:
        return "closed"
    return "potential"


def _hash(parts: Sequence[object]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()[:32]


def normalize_rows(sheet: Sheet, columns: ColumnMap, options: RowOptions) -> Iterator[AccountRow | RejectedRow]:
    """Each data row of the sheet as an :class:`AccountRow` or a :class:`RejectedRow`."""
    col = columns.columns

    def cell(row: list[str | None], name: str) -> str | None:
        index = col.get(name)
        return None if index is None or index >= len(row) else row[index]

    for row_number, row in sheet.rows:
        raw_name = cell(row, "name")
        if raw_name is None or not raw_name.strip():
            yield RejectedRow(sheet.file_name, row_number, "name", "the row has no name")
            continue
        name, legal_form = normalize_name(raw_name)
        key = name_key(name)
        if not key:
            yield RejectedRow(sheet.file_name, row_number, "name", f"name {raw_name!r} has no letters or digits")
            continue
        warnings: list[str] = []
        lat = lon = None
        try:
            if "coordinates" in col and cell(row, "coordinates"):
                parts = re.split(r"[;\s]+|,\s+|,(?=-?\d+[.,]\d+$)", str(cell(row, "coordinates")).strip())
                parts = [part for part in parts if part]
                if len(parts) != 2:
                    raise CoordinateError(f"coordinates {cell(row, 'coordinates')!r} are not 'LAT, LON'")
                lat, lon = parse_coordinate(parts[0]), parse_coordinate(parts[1])
            else:
                lat, lon = parse_coordinate(cell(row, "lat")), parse_coordinate(cell(row, "lon"))
            if (lat is None) != (lon is None):
                raise CoordinateError("only one of latitude and longitude is given")
            if lat is not None and lon is not None:
                lat, lon, note = check_coordinates(lat, lon, options.region)
                if note:
                    warnings.append(note)
        except CoordinateError as exc:
            yield RejectedRow(sheet.file_name, row_number, "coordinates", str(exc))
            continue
        phones, phone_warnings = normalize_phones(cell(row, "phone"), options.phone_region)
        warnings.extend(phone_warnings)
        tax, tax_warning = normalize_tax_id(cell(row, "tax_id"))
        if tax_warning:
            warnings.append(tax_warning)
        address = normalize_address(cell(row, "address"))
        postcode, city = cell(row, "postcode"), cell(row, "city")
        if address and (postcode or city) and "," not in address:
            address = ", ".join(part for part in (address, " ".join(p for p in (postcode, city) if p)) if part)
        hours_raw = cell(row, "opening_hours")
        hours: tuple[WeeklyWindow, ...] = ()
        if hours_raw:
            try:
                hours = normalize_hours(hours_raw)
            except OpeningHoursError as exc:
                warnings.append(f"opening hours {hours_raw!r} not understood ({exc.reason}); channel default used")
        category = cell(row, "category")
        channel = _channel(cell(row, "channel"), category, options.default_channel)
        account_class = (cell(row, "account_class") or "C").strip().upper()
        if account_class not in {"A", "B", "C"}:
            warnings.append(f"class {account_class!r} is not A, B or C; C used")
            account_class = "C"
        status = _status(cell(row, "status"))
        branch = cell(row, "branch_code")
        external_id = cell(row, "external_id")
        rounded = None if lat is None or lon is None else (round(lat, 6), round(lon, 6))
        content = [name, legal_form, address, phones, tax.value if tax else None, branch, rounded, channel,
                   category, account_class, status, hours_raw]  # fmt: skip
        yield AccountRow(
            file_name=sheet.file_name,
            row_number=row_number,
            external_id=external_id.strip() if external_id else None,
            name=name,
            legal_form=legal_form,
            name_key=key,
            address=address,
            address_key=address_key(address) if address else None,
            phones=phones,
            tax_id=tax.value if tax else None,
            branch_code=branch.strip() if branch else None,
            lat=lat,
            lon=lon,
            channel=channel,
            category=category.strip().lower() if category else None,
            account_class=account_class,
            status=status,
            opening_hours_raw=hours_raw,
            opening_hours=hours,
            content_hash=_hash(content),
            warnings=warnings,
        )
