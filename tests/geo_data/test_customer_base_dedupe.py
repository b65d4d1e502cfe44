"""De-duplication scoring, blocking and clustering (pure)."""

from __future__ import annotations

from geo_data.dedupe import Candidate, block_pairs, block_pairs_between, cluster, score_pair
from geo_data.normalize import address_key, name_key


def _c(
    name: str,
    address: str | None = None,
    phones: tuple[str, ...] = (),
    tax: str | None = None,
    branch: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Candidate:
    return Candidate(name_key(name), address_key(address) if address else None, phones, tax, branch, lat, lon)


def test_the_same_outlet_spelled_differently_merges() -> None:
    a = _c("Cafe Regatta", "Merikannontie 8", ("+358401234567",), lat=60.1835, lon=24.9125)
    b = _c("CAFE REGATTA OY", "Merikannontie 8, 00260 Helsinki", ("+358401234567",), lat=60.18355, lon=24.91262)
    result = score_pair(a, b)
    assert result.decision == "merge" and result.score > 0.95
    assert result.signals["distance_m"] < 10


def test_a_name_alone_is_not_enough() -> None:
    a = _c("Kiosk", lat=60.17, lon=24.94)
    b = _c("Kiosk", lat=60.1705, lon=24.9405)
    assert score_pair(a, b).decision == "review"  # same name 60 m apart, nothing else: a person decides
    assert score_pair(_c("Kiosk"), _c("Kiosk")).decision == "review"


def test_different_tax_ids_are_different_companies() -> None:
    a = _c("Pub Ilta", "Kallio 1", tax="0112038-9", lat=60.18, lon=24.95)
    b = _c("Pub Ilta", "Kallio 1", tax="2096012-1", lat=60.18, lon=24.95)
    assert score_pair(a, b).decision == "distinct"


def test_chain_branches_stay_separate_outlets_of_one_legal_entity() -> None:
    head_office = ("+35891234567",)
    a = _c("Kulma-Market Kallio", "Fleminginkatu 10", head_office, "0112038-9", "001", 60.185, 24.950)
    b = _c("Kulma-Market Vallila", "Mäkelänkatu 17", head_office, "0112038-9", "002", 60.1858, 24.951)
    assert score_pair(a, b).decision == "same_legal_entity"
    no_branch_codes = _c("Kulma-Market Vallila", "Mäkelänkatu 17", head_office, "0112038-9", None, 60.1858, 24.951)
    assert (
        score_pair(
            _c("Kulma-Market Kallio", "Fleminginkatu 10", head_office, "0112038-9", None, 60.185, 24.950),
            no_branch_codes,
        ).decision
        == "same_legal_entity"
    )
    # a shared central phone alone never merges two addresses
    c = _c("Grilli Express", "Hämeentie 1", head_office, lat=60.19, lon=24.96)
    d = _c("Grilli Express", "Sturenkatu 40", head_office, lat=60.1901, lon=24.9601)
    assert score_pair(c, d).decision != "merge"


def test_far_apart_is_distinct_and_grey_zone_is_review() -> None:
    a = _c("Kahvila Kuu", "Hämeentie 1", lat=60.18, lon=24.95)
    assert score_pair(a, _c("Kahvila Kuu", "Hämeentie 1", lat=60.20, lon=24.95)).decision == "distinct"
    grey = score_pair(a, _c("Kahvila Kuu", "Hämeentie 3", lat=60.1806, lon=24.95))
    assert grey.decision == "review"


def test_blocking_by_place_phone_and_tax_id() -> None:
    candidates = [
        _c("Kahvila Aurora", lat=60.1800, lon=24.9500),
        _c("Aurora", lat=60.1808, lon=24.9502),  # ~90 m away, similar name
        _c("Baari Myrsky", lat=60.1801, lon=24.9501),  # next door, unrelated name: not compared
        _c("Kahvila Aurora", lat=60.1900, lon=24.9500),  # 1.1 km away, same name: compared by name
        _c("Lokki", phones=("+358401111111",)),
        _c("Lokki Oy", phones=("+358401111111",)),
        _c("X1", tax="0112038-9"),
        _c("Y2", tax="0112038-9"),
    ]
    pairs = block_pairs(candidates)
    assert (0, 1) in pairs and (0, 2) not in pairs and (4, 5) in pairs and (6, 7) in pairs and (0, 3) in pairs
    assert (1, 3) not in pairs
    between = block_pairs_between([candidates[0]], [candidates[1], candidates[2], candidates[3]])
    assert between == {(0, 0)}


def test_cluster_joins_transitively() -> None:
    assert cluster(5, [(0, 2), (2, 4)]) == [[0, 2, 4], [1], [3]]


def test_a_renamed_outlet_with_the_same_phone_and_address_merges() -> None:
    # Each row placed some 40 m off its door: 74 m apart is still one place.
    a = _c("Pizzeria Sammal", "Uudenmaankatu 7", ("+358405159166",), lat=60.188113, lon=24.94068)
    b = _c("Grilli Sammal", "Uudenmaank. 7", ("+358405159166",), lat=60.188775, lon=24.940861)
    result = score_pair(a, b)
    assert result.decision == "merge", result
    assert result.signals["distance_m"] > 70
    # The type word changed and nothing else: the brand is the same outlet's.
    c = _c("Bistro Kuu", "Vuorimiehenkatu 39", ("+358445679366",), lat=60.18825, lon=24.931106)
    d = _c("Viinibaari Kuu", "Vuorimiehenkatu 39", ("+358445679366",), lat=60.188201, lon=24.931104)
    assert score_pair(c, d).decision == "merge"
    assert score_pair(c, d).reason == "same phone and address, same brand (renamed)"
    # The issue's own pair: one phone, one street address.
    e = _c("Stockmann Herkku", "Aleksanterinkatu 52", ("+358912151",))
    f = _c("Stockmann Delicatessen", "Aleksanterinkatu 52", ("+358912151",))
    assert score_pair(e, f).decision == "merge"


def test_another_brand_behind_the_same_phone_and_door_is_not_merged() -> None:
    a = _c("Bistro Kuu", "Vuorimiehenkatu 39", ("+358445679366",), lat=60.18825, lon=24.931106)
    b = _c("Kahvila Lumi", "Vuorimiehenkatu 39", ("+358445679366",), lat=60.188201, lon=24.931104)
    assert score_pair(a, b).decision != "merge"
