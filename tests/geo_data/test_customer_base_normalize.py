"""Normalisation of account fields (pure)."""

from __future__ import annotations

import pytest

from geo_data.normalize import (
    FINLAND_BBOX,
    BBox,
    CoordinateError,
    address_key,
    check_coordinates,
    inn_is_valid,
    name_key,
    normalize_hours,
    normalize_name,
    normalize_phones,
    normalize_tax_id,
    parse_coordinate,
    split_legal_form,
    y_tunnus_is_valid,
)
from geo_data.opening_hours import OpeningHoursError


@pytest.mark.parametrize(
    ("raw", "name", "form"),
    [
        ("Cafe Regatta Oy", "Cafe Regatta", "Oy"),
        ("  CAFE   REGATTA  ", "Cafe Regatta", None),
        ("Oy Hartwall Ab", "Hartwall", "Oy"),
        ("ООО «Ромашка»", "Ромашка", "ООО"),
        ('OOO "Ромашка"', "Ромашка", "ООО"),
        ("Brew Dog LLC", "Brew Dog", "LLC"),
        ("Bäckerei Müller GmbH", "Bäckerei Müller", "GmbH"),
        ("Ab", "Ab", None),  # a name that is only a legal form stays a name
        ("McDonald's", "McDonald's", None),  # an apostrophe inside a word is part of the name
        ("O'LEARYS HELSINKI OY", "O'Learys Helsinki", "Oy"),
        ("'Kappeli'", "Kappeli", None),
    ],
)
def test_names_split_off_legal_forms_and_fix_shouting(raw: str, name: str, form: str | None) -> None:
    assert normalize_name(raw) == (name, form)


def test_name_key_ignores_case_punctuation_and_legal_form() -> None:
    assert name_key("CAFE REGATTA OY") == name_key("Cafe Regatta") == "cafe regata"
    assert name_key("O'Learys") == name_key("O Learys")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Жемчужина", "Zhemchuzhina"),  # BGN/PCGN
        ("Жемчужина", "Žemčužina"),  # ISO 9
        ("Кофейня Хлеб", "Kofeinja Hleb"),  # informal
        ("Кофейня Хлеб", "Kofeynya Khleb"),
        ("ООО «Щука»", "Shchuka Oy"),
        ("Царь", "Tsar"),
    ],
)
def test_name_key_bridges_cyrillic_and_its_latin_spellings(cyrillic: str, latin: str) -> None:
    assert name_key(cyrillic) == name_key(latin)
    assert split_legal_form("Kahvila Kuu Ky") == ("Kahvila Kuu", "Ky")


def test_phones_become_e164_with_the_default_region() -> None:
    phones, warnings = normalize_phones("040-123 4567; (09) 123 4567, +358 40 123 4567 / 00358 50 765 4321", "FI")
    assert phones == ["+358401234567", "+35891234567", "+358507654321"]
    assert warnings == []
    phones, warnings = normalize_phones("123", "FI")
    assert phones == [] and "not a valid number" in warnings[0]
    assert normalize_phones("8 (495) 123-45-67", "RU")[0] == ["+74951234567"]
    assert normalize_phones(None, "FI") == ([], [])


def test_inn_check_digits() -> None:
    assert inn_is_valid("7707083893")  # Sberbank
    assert not inn_is_valid("7707083894")
    assert inn_is_valid("500100732259")  # a 12-digit personal INN
    assert not inn_is_valid("500100732258")
    tax, warning = normalize_tax_id("ИНН 7707083893")
    assert tax is not None and (tax.value, tax.kind) == ("7707083893", "inn") and warning is None
    tax, warning = normalize_tax_id("7707083894")
    assert tax is None and warning is not None and "check digits" in warning


def test_finnish_business_id_and_vat_number() -> None:
    assert y_tunnus_is_valid("0112038-9")
    assert not y_tunnus_is_valid("0112038-8")
    assert normalize_tax_id("FI01120389")[0] == normalize_tax_id("112038-9")[0]
    assert normalize_tax_id("0112038-8")[0] is None
    other, _ = normalize_tax_id("de 123 456 789")
    assert other is not None and (other.value, other.kind) == ("DE123456789", "other")


def test_address_key_matches_spelling_variants() -> None:
    assert address_key("Mannerheimintie 12 B, 00100 Helsinki") == address_key("MANNERHEIMIN TIE 12b")
    assert address_key("Aleksanterink. 5") == address_key("Aleksanterinkatu 5")
    assert address_key("Aleksanterinkatu 5") != address_key("Aleksanterinkatu 7")
    assert address_key("Kalevank 3") == address_key("00100 Helsinki, Kalevankatu 3")
    assert address_key("Pohj. esplanadi 19") == address_key("Pohjoisesplanadi 19, Helsinki")
    assert address_key("Fredrikinkatu 42 A 3") == address_key("Fredrikinkatu 42a") == address_key("Fredrikinkatu 42-A")
    assert address_key("Hämeentie 12-14") == address_key("Hameentie 12")
    assert address_key("г. Москва, ул. Ленина, д. 5") == address_key("Lenina ulitsa 5") == address_key("ul. Lenina 5")


def test_coordinates_swapped_detected_and_bad_ones_refused() -> None:
    assert check_coordinates(60.17, 24.94, FINLAND_BBOX) == (60.17, 24.94, None)
    lat, lon, note = check_coordinates(24.94, 60.17, FINLAND_BBOX)
    assert (lat, lon) == (60.17, 24.94) and note is not None and "swapped" in note
    with pytest.raises(CoordinateError, match="placeholder"):
        check_coordinates(0, 0, FINLAND_BBOX)
    with pytest.raises(CoordinateError, match="out of range"):
        check_coordinates(160.2, 24.9, FINLAND_BBOX)
    with pytest.raises(CoordinateError, match="outside the expected region"):
        check_coordinates(48.85, 2.35, FINLAND_BBOX)  # Paris
    assert check_coordinates(48.85, 2.35, None)[:2] == (48.85, 2.35)
    assert check_coordinates(120.0, 45.0, None)[:2] == (45.0, 120.0)
    assert parse_coordinate("60,1699") == pytest.approx(60.1699)
    assert parse_coordinate(" ") is None
    with pytest.raises(CoordinateError):
        parse_coordinate("north")
    with pytest.raises(ValueError):
        BBox.parse("1,2,3")


def test_opening_hours_osm_and_simple() -> None:
    every_day = normalize_hours("09:00-18:00")
    assert len(every_day) == 7 and every_day[0].open_s == 9 * 3600 and every_day[0].close_s == 18 * 3600
    assert normalize_hours("Mo-Fr 7.30-17.00")[0].open_s == 7 * 3600 + 1800
    assert [w.weekday for w in normalize_hours("Mo-Fr 08:00-20:00; Sa 10:00-16:00")] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(OpeningHoursError):
        normalize_hours("when the owner feels like it")
