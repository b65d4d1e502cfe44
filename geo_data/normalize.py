"""Normalisation of account fields from spreadsheets: pure functions, no I/O.

* **Names** (the display name is kept as written): trimmed, whitespace collapsed, enclosing quotes
  removed (an apostrophe inside a word stays: ``O'Learys``, ``McDonald's``), shouting case
  (``CAFE REGATTA``) turned into title case; a legal form (LLC, Ltd, Oy, Oyj, Ab, Ky, Tmi, GmbH, AG,
  Inc, ООО, АО, ПАО, ИП, ...) at the start or the end is split off into ``legal_form``.
  :func:`name_key` is the matching key only: lower case, no legal form, no punctuation, any script
  transliterated to Latin letters by ``anyascii`` (``Ромашка`` -> ``romashka``, ``Pöllö`` -> ``pollo``),
  then :func:`fold_latin` folds the spellings that differ between transliteration systems
  (``zh``/``ž``/``z``, ``kh``/``h``, ``ts``/``c``, ``y``/``j``/``i``, doubled letters).
* **Phones** to E.164 with ``phonenumbers`` and a default region (local formats such as
  ``09 123 4567`` or ``040-123 4567`` need it); several numbers in one cell are split on ``,;/|``;
  invalid numbers are dropped with a warning.
* **Tax ids**: a country-agnostic ``tax_id``: Russian INN (10 or 12 digits; check digits validated),
  Finnish Business ID (``1234567-8``; check digit validated), anything else upper-cased
  alphanumerics (``FI12345678`` VAT ids keep their prefix). An id that fails its checksum is not
  used (warning), so a typo never links two different companies.
* **Addresses**: whitespace and commas tidied; :func:`address_key` is the matching key: the street
  and its house number only (postcode, city, staircase-apartment parts and the ``д.``/``дом`` marker
  dropped), lower case, transliterated and folded like names, Finnish street-word abbreviations
  expanded and joined (``Aleksanterink.``, ``Mannerheimin tie`` -> ``aleksanterinkatu``,
  ``mannerheimintie``), street-type words of other languages dropped (``ул.``/``улица``/``ulitsa``,
  ``пр-т``/``проспект``, ``street``/``st``, ``tn``...), house numbers in one form (``12 B``, ``12-b``,
  ``12b`` -> ``12b``; ``12-14`` -> ``12``).
* **Coordinates**: decimal commas accepted; range-checked (±90/±180); a point outside the expected
  region's bounding box whose swapped (lon, lat) lies inside is swapped back, with a warning;
  (0, 0) and points outside the region are refused.
* **Opening hours**: :func:`geo_data.opening_hours.parse_opening_hours` (full OSM syntax, and so
  also the simple ``09:00-18:00`` meaning every day).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from anyascii import anyascii

from geo_data.opening_hours import OpeningHoursError, WeeklyWindow, parse_opening_hours

__all__ = [
    "FINLAND_BBOX",
    "LEGAL_FORMS",
    "BBox",
    "CoordinateError",
    "TaxId",
    "address_key",
    "check_coordinates",
    "fold_latin",
    "inn_is_valid",
    "name_key",
    "normalize_address",
    "normalize_hours",
    "normalize_name",
    "normalize_phones",
    "normalize_tax_id",
    "parse_coordinate",
    "split_legal_form",
    "y_tunnus_is_valid",
]

# --- names -------------------------------------------------------------------------------------

# Written form -> canonical form. Matched case-insensitively as whole words, with or without dots.
LEGAL_FORMS: dict[str, str] = {
    "llc": "LLC", "l.l.c.": "LLC", "ltd": "Ltd", "ltd.": "Ltd", "limited": "Ltd", "inc": "Inc", "inc.": "Inc",
    "corp": "Corp", "corp.": "Corp", "plc": "PLC", "oy": "Oy", "oyj": "Oyj", "ab": "Ab", "ky": "Ky", "tmi": "Tmi",
    "ay": "Ay", "osk": "Osk", "gmbh": "GmbH", "ag": "AG", "kg": "KG", "sa": "SA", "s.a.": "SA", "bv": "BV",
    "b.v.": "BV", "as": "AS", "aps": "ApS", "oü": "OÜ", "ou": "OÜ", "sia": "SIA", "uab": "UAB",
    "ооо": "ООО", "ooo": "ООО", "оао": "ОАО", "зао": "ЗАО", "пао": "ПАО", "ао": "АО", "ип": "ИП",
}  # fmt: skip
_FORM_WORDS = sorted(LEGAL_FORMS, key=len, reverse=True)
_FORM_ALT = "|".join(re.escape(word) for word in _FORM_WORDS)
_LEADING_FORM = re.compile(rf"^(?:{_FORM_ALT})(?=[\s\"'«»“”„]|$)[\s,]*", re.IGNORECASE)
_TRAILING_FORM = re.compile(rf"[\s,]+(?:{_FORM_ALT})$", re.IGNORECASE)
_QUOTES = re.compile(r"[\"«»“”„`]|(?<!\w)['’´]|['’´](?!\w)")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip(" ,;-")


def split_legal_form(raw: str) -> tuple[str, str | None]:
    """``("Regatta", "Oy")`` for ``"Regatta Oy"``, ``("Ромашка", "ООО")`` for ``'ООО "Ромашка"'``."""
    text = _tidy(raw)
    form: str | None = None
    leading = _LEADING_FORM.match(text)
    if leading and leading.end() < len(text):
        form = LEGAL_FORMS[leading.group(0).strip(" ,").lower()]
        text = text[leading.end() :]
    trailing = _TRAILING_FORM.search(text)
    if trailing and trailing.start() > 0:
        form = form or LEGAL_FORMS[trailing.group(0).strip(" ,").lower()]
        text = text[: trailing.start()]
    text = _tidy(_QUOTES.sub(" ", text))
    return (text, form) if text else (_tidy(_QUOTES.sub(" ", raw)), None)


def _title_word(word: str) -> str:
    """``CAFE`` -> ``Cafe``, ``O'LEARYS`` -> ``O'Learys``; words with digits or other signs unchanged."""
    pieces = re.split(r"(['’])", word)
    if not all(piece.isalpha() for piece in pieces[::2] if piece):
        return word
    return "".join(piece[:1].upper() + piece[1:].lower() if piece.isalpha() else piece for piece in pieces)


def normalize_name(raw: str) -> tuple[str, str | None]:
    """Display name and legal form. All-upper or all-lower names become title case; mixed case stays."""
    name, form = split_legal_form(raw)
    letters = [c for c in name if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)) and len(letters) > 3:
        name = " ".join(_title_word(word) for word in name.split(" "))
    return name, form


# Spellings that differ between transliteration systems (BGN/PCGN, ISO 9, German, informal) and
# between Latin alphabets, folded to one letter; longest first.
_FOLDS = (
    ("shch", "s"), ("sch", "s"), ("tch", "c"), ("zh", "z"), ("ch", "c"), ("sh", "s"), ("kh", "h"), ("ts", "c"),
    ("tz", "c"), ("cz", "c"), ("ph", "f"), ("w", "v"), ("y", "i"), ("j", "i"), ("x", "ks"),
)  # fmt: skip
_FOLD = re.compile("|".join(a for a, _ in _FOLDS))
_FOLD_TO = dict(_FOLDS)
_DOUBLE = re.compile(r"([a-z])\1+")


def fold_latin(text: str) -> str:
    """Lower-case ASCII words with transliteration variants folded: ``zhemchuzhina`` and ``zemcuzina``
    both give ``zemcuzina``; ``kofeynya``/``kofejnja`` give ``kofeinia``; doubled letters single."""
    return _DOUBLE.sub(r"\1", _FOLD.sub(lambda m: _FOLD_TO[m.group(0)], text))


def _ascii_words(text: str) -> str:
    """Any script as lower-case ASCII words (``anyascii``), punctuation as single spaces."""
    ascii_text = text if text.isascii() else anyascii(text)  # the same text, without the per-letter work
    return _SPACES.sub(" ", _NON_WORD.sub(" ", ascii_text.casefold())).strip()


@functools.lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """Matching key of a name: no legal form, no punctuation, transliterated and folded (module doc)."""
    base, _ = split_legal_form(name)
    return fold_latin(_ascii_words(base))


# Words that say what kind of outlet a place is, not which one, as they appear in a name key (folded
# ASCII): Finnish, English and Russian (transliterated) venue and shop types. A renamed outlet often
# changes exactly these ("Pizzeria Sammal" -> "Grilli Sammal", "Bar Loose" -> "Loose Bar & Grill").
OUTLET_TYPE_WORDS = frozenset({
    "kahvila", "ravintola", "baari", "bar", "pub", "bistro", "grili", "gril", "grill", "pizeria", "kioski",
    "lahikaupa", "leipomo", "cafe", "kafe", "sushi", "deli", "vinibari", "restaurant", "restoran", "kitchen",
    "lounge", "herku", "delicatesen", "food", "co", "and", "magazin", "kofeinia", "pekarnia", "zakusocnaia",
})  # fmt: skip


def brand_key(key: str) -> str:
    """A name key without its outlet-type words: ``pizeria samal`` -> ``samal`` (empty if nothing is left)."""
    return " ".join(word for word in key.split() if word not in OUTLET_TYPE_WORDS)


# --- phones ------------------------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"[,;/|]+|\s{3,}")
_PHONE_NOISE = re.compile(r"[\s().\-\u00a0]")  # separators people type; removed before parsing (and caching)


def normalize_phones(raw: str | None, region: str) -> tuple[list[str], list[str]]:
    """E.164 numbers found in ``raw`` and warnings for the parts that are not valid numbers."""
    if raw is None or not raw.strip():
        return [], []
    phones: list[str] = []
    warnings: list[str] = []
    for part in _PHONE_SPLIT.split(raw):
        text = part.strip()
        if not text:
            continue
        e164 = _phone(_canonical_phone(_PHONE_NOISE.sub("", text), region), region)
        if e164 is None:
            warnings.append(f"phone {text!r} is not a valid number (region {region}); dropped")
        elif e164 not in phones:
            phones.append(e164)
    return phones, warnings


def _canonical_phone(text: str, region: str) -> str:
    """One spelling per number before parsing, so "040...", "+35840..." and "0035840..." share a cache entry."""
    if text.startswith("00"):
        return "+" + text[2:]
    if text.startswith("0") and text.isdigit():
        code = phonenumbers.country_code_for_region(region)
        if code and phonenumbers.ndd_prefix_for_region(region, True) == "0":
            return f"+{code}{text[1:]}"
    return text


@functools.lru_cache(maxsize=262_144)
def _phone(text: str, region: str) -> str | None:
    candidate = "+" + text[2:] if text.startswith("00") else text
    attempts = [candidate]
    digits = re.sub(r"\D", "", candidate)
    if not candidate.startswith("+") and len(digits) >= 11:
        attempts.append("+" + digits)  # an international number written without its "+"
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# --- tax ids -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxId:
    value: str  # normalised, e.g. "7707083893", "0112038-9", "FI01120389"
    kind: str  # "inn" | "y_tunnus" | "other"


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """Russian INN check digits: 10 digits (organisation) or 12 (individual)."""
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _inn_digit(inn, _INN10) == int(inn[9])
    if len(inn) == 12:
        return _inn_digit(inn, _INN12_1) == int(inn[10]) and _inn_digit(inn, _INN12_2) == int(inn[11])
    return False


def y_tunnus_is_valid(value: str) -> bool:
    """Finnish Business ID ``NNNNNNN-C``: weights 7,9,10,5,8,4,2; remainder 1 is never issued."""
    match = re.fullmatch(r"(\d{7})-(\d)", value)
    if not match:
        return False
    remainder = sum(int(d) * w for d, w in zip(match.group(1), (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if remainder == 1:
        return False
    return (0 if remainder == 0 else 11 - remainder) == int(match.group(2))


def normalize_tax_id(raw: str | None, *, inn_digits: bool = True) -> tuple[TaxId | None, str | None]:
    """The normalised tax id and a warning. Digit-only 10/12-character ids are read as INN."""
    if raw is None:
        return None, None
    text = re.sub(r"[\s.]", "", raw.strip()).upper()
    if text.startswith(("ИНН", "INN")):
        text = text[3:].lstrip(":")
    if not text:
        return None, None
    if inn_digits and text.isdigit() and len(text) in (10, 12):
        if inn_is_valid(text):
            return TaxId(text, "inn"), None
        return None, f"tax id {raw.strip()!r} fails the INN check digits; not used"
    if re.fullmatch(r"\d{6,7}-\d", text):
        text = text.zfill(9)
        if y_tunnus_is_valid(text):
            return TaxId(text, "y_tunnus"), None
        return None, f"tax id {raw.strip()!r} fails the Finnish Business ID check digit; not used"
    if re.fullmatch(r"FI\d{8}", text):
        y = f"{text[2:9]}-{text[9]}"
        if y_tunnus_is_valid(y):
            return TaxId(y, "y_tunnus"), None
        return None, f"tax id {raw.strip()!r} fails the Finnish VAT check digit; not used"
    cleaned = re.sub(r"[^0-9A-Z-]", "", text)
    if len(cleaned) < 5:
        return None, f"tax id {raw.strip()!r} is too short; not used"
    return TaxId(cleaned, "other"), None


# --- addresses ---------------------------------------------------------------------------------

# Finnish street words: abbreviations expanded, and joined to the street name ("Mannerheimin tie").
_FINNISH_ABBREVIATIONS = {
    "k": "katu",
    "kat": "katu",
    "t": "tie",
    "pst": "puistotie",
    "esp": "esplanadi",
    "pohi": "pohiois",
    "et": "etela",
}  # fmt: skip (folded: "pohj" -> "pohi")
_FINNISH_PREFIXES = {"pohiois", "etela", "ita", "lansi"}  # "Pohj. esplanadi" -> "pohioisesplanadi"
_FINNISH_SUFFIXES = {"katu", "tie", "kuja", "polku", "ranta", "puistotie", "tori", "vayla", "kaari", "rinne", "tanhua"}
# Street-type words of other languages (folded ASCII, as after transliteration): dropped, since one
# street is written with, without or with an abbreviated type word ("ул. Ленина", "Lenina ulitsa").
_STREET_TYPES = {
    "ulica", "ul", "prospekt", "prosp", "pr", "pr t", "pereulok", "per", "bulvar", "b r", "sose", "s", "naberezenaia",
    "nab", "plosad", "pl", "proezd", "pr d", "street", "st", "str", "road", "rd", "avenue", "ave", "av",
    "tanav", "tn", "mnt", "maantee", "iela", "gatan", "vagen", "strase",
}  # fmt: skip
_HOUSE_MARKERS = {"d", "dom", "nr", "no", "n"}
_POSTCODE = re.compile(r"\d{5,6}")
_HOUSE = re.compile(r"(\d+)([a-z]?)")
_CITY_PART = re.compile(r"^\s*(?:г|город|g|gorod)\b\.?")


def normalize_address(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = _tidy(raw.replace("\n", ", "))
    text = re.sub(r"\s*,\s*", ", ", text)
    text = re.sub(r"(,\s*)+", ", ", text).strip(" ,")
    return text or None


def _street_part(address: str) -> str:
    """The comma-separated part holding the street and house number ("ул. Ленина, д. 5" -> both)."""
    parts = [part for part in address.split(",") if part.strip() and not _CITY_PART.match(part)]
    if not parts:
        return ""
    for index, part in enumerate(parts):
        if re.search(r"\d", part) and not _POSTCODE.fullmatch(part.strip().split(" ")[0]):
            if index > 0 and re.match(r"\s*(?:д|дом|d|dom|nr|no)?\.?\s*\d", part):
                return parts[index - 1] + " " + part  # the house number was written in its own part
            return part
    return parts[0]


@functools.lru_cache(maxsize=262_144)
def address_key(address: str) -> str:
    """Street words and house number (module docstring); postcodes, cities and apartments dropped."""
    first = _street_part(address.casefold())
    first = re.sub(r"(?<=[a-zäöå])(k|t)\.(?=\s|\d|$)", lambda m: "katu" if m.group(1) == "k" else "tie", first)
    first = re.sub(r"(\d)\s*-\s*(?=[a-zа-я]\b)", r"\1", first)  # "12-b" -> "12b"
    first = re.sub(r"(\d)\s*-\s*\d+", r"\1", first)  # "12-14" -> "12"
    tokens = fold_latin(_ascii_words(first)).split()
    street: list[str] = []
    house: str | None = None
    for token in tokens:
        if house is not None:
            if not street and not token.isdigit():
                street.append(token)  # "12 Lenina ulica": number first
                continue
            if len(token) == 1 and token.isalpha() and not house[-1].isalpha():
                house += token  # "12 b", a staircase letter; the apartment after it is dropped
            break
        number = _HOUSE.match(token)
        if number and not _POSTCODE.fullmatch(token):
            house = number.group(1) + number.group(2)
            continue
        if token.isdigit():
            continue  # a postcode before the street
        token = _FINNISH_ABBREVIATIONS.get(token, token)
        if len(token) > 4 and token[-2:] in ("nk", "nt"):
            token += "atu" if token[-1] == "k" else "ie"  # "Kalevank 3", "Mannerheimint 12"
        if token in _STREET_TYPES or token in _HOUSE_MARKERS:
            continue
        if street and (token in _FINNISH_SUFFIXES or street[-1] in _FINNISH_PREFIXES) and street[-1].isalpha():
            street[-1] += token
        else:
            street.append(token)
    return " ".join(street + ([house] if house else []))


# --- coordinates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BBox:
    """An expected region: (min_lon, min_lat, max_lon, max_lat) in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    @classmethod
    def parse(cls, text: str) -> BBox:
        form = "a bounding box is MIN_LON,MIN_LAT,MAX_LON,MAX_LAT in degrees"
        try:
            parts = [float(part) for part in text.split(",")]
        except ValueError:
            raise ValueError(f"{form}, not {text!r}") from None
        if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
            raise ValueError(f"{form}, not {text!r}")
        return cls(*parts)


FINLAND_BBOX = BBox(19.0, 59.0, 32.0, 70.5)


class CoordinateError(ValueError):
    """Coordinates that cannot be used (the message says why)."""


def parse_coordinate(raw: object) -> float | None:
    """A float from a cell: numbers as they are, text with a decimal comma or spaces; None if empty."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CoordinateError(f"coordinate {raw!r} is not a number")
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError as exc:
        raise CoordinateError(f"coordinate {str(raw)!r} is not a number") from exc


def check_coordinates(lat: float, lon: float, region: BBox | None) -> tuple[float, float, str | None]:
    """Range-checked (lat, lon) and a warning when they were swapped; raises CoordinateError."""
    if lat != lat or lon != lon:  # NaN
        raise CoordinateError("coordinates are not numbers")
    if lat == 0 and lon == 0:
        raise CoordinateError("coordinates (0, 0) are a placeholder, not a place")
    in_range = -90 <= lat <= 90 and -180 <= lon <= 180
    swapped_in_range = -90 <= lon <= 90 and -180 <= lat <= 180
    if region is None:
        if in_range:
            return lat, lon, None
        if swapped_in_range:
            return lon, lat, f"latitude {lat} is out of range; latitude and longitude were swapped"
        raise CoordinateError(f"coordinates ({lat}, {lon}) are out of range")
    if in_range and region.contains(lat, lon):
        return lat, lon, None
    if swapped_in_range and region.contains(lon, lat):
        return lon, lat, f"({lat}, {lon}) lies outside the region but swapped inside it; latitude and longitude swapped"
    if not in_range:
        raise CoordinateError(f"coordinates ({lat}, {lon}) are out of range (latitude ±90, longitude ±180)")
    raise CoordinateError(
        f"coordinates ({lat}, {lon}) lie outside the expected region "
        f"(lon {region.min_lon}..{region.max_lon}, lat {region.min_lat}..{region.max_lat})"
    )


# --- opening hours -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=16_384)
def normalize_hours(raw: str) -> tuple[WeeklyWindow, ...]:
    """Weekly windows of an OSM ``opening_hours`` or simple ``09:00-18:00`` string.

    Raises :class:`geo_data.opening_hours.OpeningHoursError` with the reason when it cannot be read.
    """
    text = raw.strip()
    # "9-18", "9.00-18.00" are frequent in hand-kept sheets.
    text = re.sub(r"(?<!\d)(\d{1,2})\.(\d{2})(?!\d)", r"\1:\2", text)
    try:
        return parse_opening_hours(text)
    except OpeningHoursError:
        if text != raw.strip():
            raise OpeningHoursError(raw, "not an OSM opening_hours expression nor HH:MM-HH:MM") from None
        raise
