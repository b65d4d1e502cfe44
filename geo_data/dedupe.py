"""Duplicate detection for accounts: blocking, pair scoring and clustering, as pure functions.

Blocking (which pairs are compared at all): the same tax id, a shared phone number or the same name
key; or the same address key, or lying within ``radius_m`` (150 m) of each other, with names at least
somewhat alike (name similarity >= 0.55). Places use an in-memory grid of radius-sized cells (each
point against its own and the neighbouring cells, joined with numpy); distances and name ratios are
computed in bulk (numpy, ``rapidfuzz.process.cpdist``). An address held by more than 25 rows (a
shopping centre) is not a block. A key block larger than ``max_block`` (a
chain's head-office phone on 500 rows, "Kiosk") is only compared through the grid, so the work
stays linear.

Scoring (:func:`score_pair`), each signal in 0..1, missing signals left out of the weighted mean:

===========  ======  ==============================================================
signal       weight  value
===========  ======  ==============================================================
name         0.40    mean of rapidfuzz token-set and token-sort ratio of the name keys
address      0.25    token-sort ratio of the address keys; 0.3 at most when house numbers differ;
                     left out when only one has a house number and they do not agree (a
                     building's name, "Asemahalli", against its street address)
phone        0.20    1 when a number is shared, 0 when both have numbers and none is shared
distance     0.15    1 within 30 m, falling linearly to 0 at 250 m
tax id       0.10    1 when equal (only counted when equal)
===========  ======  ==============================================================

Rules over the mean (in this order):

* different tax ids (both present) -> ``distinct``: different legal entities;
* the same tax id with different branch codes, or with different addresses / more than 100 m
  apart -> ``same_legal_entity`` (separate outlets, one company: a chain);
* more than 1 km apart -> ``distinct``;
* a shared phone but different addresses (a chain's central number) is never merged automatically;
* ``merge`` needs the mean >= ``merge_at`` (0.85) and, besides the name, one corroborating signal
  (address or phone at least 0.8, or within 40 m) -- or the same phone and address at the same place
  (within 100 m: each of two rows may be placed some 40 m off), with a name similarity of at least
  0.45 (a typo plus a dropped type word: "Plivi" for "Ravintola Pilvi"; a renamed outlet, "Grilli
  Sammal" for "Pizzeria Sammal"), or with the same brand once outlet-type words are set aside
  (:func:`geo_data.normalize.brand_key`, ratio >= 0.75: "Bistro Kuu" renamed "Viinibaari Kuu"); or the
  same name (>= 0.9) and address at the same place while the phones differ (a number changed or
  mistyped: the place and the name agree);
  ``review`` from ``review_at`` (0.65); else ``distinct``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from geo_data.normalize import brand_key

__all__ = [
    "Candidate",
    "PairScore",
    "Thresholds",
    "block_pairs",
    "block_pairs_between",
    "cluster",
    "haversine_m",
    "score_pair",
]

EARTH_RADIUS_M = 6_371_008.8
_NUMBER = re.compile(r"\d+[a-zäöå]?")


@dataclass(frozen=True, slots=True)
class Candidate:
    name_key: str
    address_key: str | None = None
    phones: tuple[str, ...] = ()
    tax_id: str | None = None
    branch_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    merge_at: float = 0.85
    review_at: float = 0.65


@dataclass(frozen=True, slots=True)
class PairScore:
    score: float
    decision: str  # "merge" | "review" | "same_legal_entity" | "distinct"
    signals: dict[str, float] = field(default_factory=dict)
    reason: str = ""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _first_number(address_key: str | None) -> str | None:
    if not address_key:
        return None
    found = _NUMBER.search(address_key)
    return found.group(0) if found else None


_WEIGHTS = {"name": 0.40, "address": 0.25, "phone": 0.20, "distance": 0.15, "tax_id": 0.10}
# Two rows of one outlet, each placed up to some 40 m off (a phone's fix, a geocoder's point).
_SAME_PLACE_M = 100.0


def _decide(
    a: Candidate, b: Candidate, name: float, address: float | None, distance_m: float | None, thresholds: Thresholds
) -> PairScore:
    """The rules of the module docstring over precomputed name/address similarity and distance."""
    signals: dict[str, float] = {"name": name}
    if address is not None:
        number_a, number_b = _first_number(a.address_key), _first_number(b.address_key)
        if number_a and number_b and number_a != number_b:
            address = min(address, 0.3)
        if (number_a is None) != (number_b is None) and address < 0.8:
            address = None  # "Asemahalli" against "Kaivokatu 1": an incomplete address neither agrees nor differs
    if address is not None:
        signals["address"] = address
    if a.phones and b.phones:
        signals["phone"] = 1.0 if set(a.phones) & set(b.phones) else 0.0
    if distance_m is not None:
        signals["distance"] = max(0.0, min(1.0, (250.0 - distance_m) / 220.0))
    same_tax = a.tax_id is not None and a.tax_id == b.tax_id
    if same_tax:
        signals["tax_id"] = 1.0
    total = weight = 0.0
    for key, value in signals.items():
        total += _WEIGHTS[key] * value
        weight += _WEIGHTS[key]
    score = total / weight
    score = round(score, 4)
    if distance_m is not None:
        signals["distance_m"] = round(distance_m, 1)
    address_differs = signals.get("address", 1.0) < 0.7
    far = distance_m is not None and distance_m > 100

    if a.tax_id and b.tax_id and not same_tax:
        return PairScore(score, "distinct", signals, "different tax ids")
    if same_tax and a.branch_code and b.branch_code and a.branch_code != b.branch_code:
        return PairScore(score, "same_legal_entity", signals, "same tax id, different branch codes")
    if same_tax and (address_differs or far):
        return PairScore(score, "same_legal_entity", signals, "same tax id, different address or place")
    if distance_m is not None and distance_m > 1000:
        return PairScore(score, "distinct", signals, "more than 1 km apart")
    corroborated = (
        signals.get("address", 0.0) >= 0.8
        or signals.get("phone", 0.0) >= 0.8
        or (distance_m is not None and distance_m <= 40)
    )
    if signals.get("phone") == 1.0 and address_differs:
        corroborated = False  # a chain's central number, not the same outlet
    if score >= thresholds.merge_at and corroborated and name >= 0.6:
        return PairScore(score, "merge", signals, "high score")
    same_place = distance_m is None or distance_m <= _SAME_PLACE_M
    if signals.get("phone") == 1.0 and signals.get("address", 0.0) >= 0.9 and same_place:
        if name >= 0.45:
            return PairScore(score, "merge", signals, "same phone and address, similar name")
        if _same_brand(a.name_key, b.name_key):
            return PairScore(score, "merge", signals, "same phone and address, same brand (renamed)")
    if signals.get("phone") == 0.0 and signals.get("address", 0.0) >= 0.9 and same_place and name >= 0.9:
        return PairScore(score, "merge", signals, "same name and address; phones differ (changed or mistyped)")
    if score >= thresholds.review_at:
        return PairScore(score, "review", signals, "grey zone")
    return PairScore(score, "distinct", signals, "low score")


def _same_brand(key_a: str, key_b: str) -> bool:
    brand_a, brand_b = brand_key(key_a), brand_key(key_b)
    return bool(brand_a and brand_b) and fuzz.ratio(brand_a, brand_b) >= 75


def score_pair(a: Candidate, b: Candidate, thresholds: Thresholds = Thresholds()) -> PairScore:
    """How likely two accounts are the same outlet, and what to do about it."""
    name = (fuzz.token_set_ratio(a.name_key, b.name_key) + fuzz.token_sort_ratio(a.name_key, b.name_key)) / 200
    address = fuzz.token_sort_ratio(a.address_key, b.address_key) / 100 if a.address_key and b.address_key else None
    distance_m = None
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        distance_m = haversine_m(a.lat, a.lon, b.lat, b.lon)
    return _decide(a, b, name, address, distance_m, thresholds)


def score_pairs(
    a: Sequence[Candidate],
    b: Sequence[Candidate],
    pairs: Sequence[tuple[int, int]],
    thresholds: Thresholds = Thresholds(),
) -> list[PairScore]:
    """:func:`score_pair` for many ``(index in a, index in b)`` pairs, the string and distance work
    done in bulk (rapidfuzz ``cpdist``, numpy)."""
    if not pairs:
        return []
    left = [a[i] for i, _ in pairs]
    right = [b[j] for _, j in pairs]
    names_l = [c.name_key for c in left]
    names_r = [c.name_key for c in right]
    name = (
        process.cpdist(names_l, names_r, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=-1)
        + process.cpdist(names_l, names_r, scorer=fuzz.token_sort_ratio, dtype=np.float64, workers=-1)
    ) / 200
    address = (
        process.cpdist(
            [c.address_key or "" for c in left],
            [c.address_key or "" for c in right],
            scorer=fuzz.token_sort_ratio,
            dtype=np.float64,
            workers=-1,
        )
        / 100
    )
    nan = float("nan")
    la = np.array([nan if c.lat is None else c.lat for c in left])
    lo = np.array([nan if c.lon is None else c.lon for c in left])
    ra = np.array([nan if c.lat is None else c.lat for c in right])
    ro = np.array([nan if c.lon is None else c.lon for c in right])
    p1, p2 = np.radians(la), np.radians(ra)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(ro - lo) / 2) ** 2
    distance = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    results: list[PairScore] = []
    for k, (x, y) in enumerate(zip(left, right, strict=True)):
        d = float(distance[k])
        results.append(
            _decide(
                x,
                y,
                float(name[k]),
                float(address[k]) if x.address_key and y.address_key else None,
                None if d != d else d,
                thresholds,
            )
        )
    return results


_FORWARD = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
_AROUND = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
_SHIFT = 1 << 32


def _cells(candidates: Sequence[Candidate], radius_m: float, max_abs_lat: float) -> tuple[np.ndarray, np.ndarray]:
    """Indexes of located candidates and their grid cell keys (cells at least radius_m wide everywhere)."""
    located = np.array([i for i, c in enumerate(candidates) if c.lat is not None and c.lon is not None], dtype=np.int64)
    if located.size == 0:
        return located, located
    lat = np.array([candidates[i].lat for i in located], dtype=np.float64)
    lon = np.array([candidates[i].lon for i in located], dtype=np.float64)
    lat_step = radius_m / 111_320.0
    lon_step = radius_m / (111_320.0 * max(0.05, math.cos(math.radians(min(89.0, max_abs_lat)))))
    row = np.floor(lat / lat_step).astype(np.int64)
    col = np.floor(lon / lon_step).astype(np.int64) + (1 << 31)
    return located, row * _SHIFT + col


def _join(
    keys_a: np.ndarray, keys_b: np.ndarray, offsets: Sequence[tuple[int, int]], same: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (pa, pb) with keys_b[pb] == keys_a[pa] + offset, for each offset; in the same set
    the (0, 0) offset keeps pa < pb only."""
    order = np.argsort(keys_b, kind="stable")
    sorted_b = keys_b[order]
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for d_row, d_col in offsets:
        target = keys_a + d_row * _SHIFT + d_col
        lo = np.searchsorted(sorted_b, target, "left")
        hi = np.searchsorted(sorted_b, target, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        pa = np.repeat(np.arange(keys_a.size), counts)
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        pb = order[starts + np.arange(total)]
        if same and d_row == 0 and d_col == 0:
            keep = pa < pb
            pa, pb = pa[keep], pb[keep]
        out_a.append(pa)
        out_b.append(pb)
    if not out_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(out_a), np.concatenate(out_b)


class _Arrays:
    """Coordinates and names of candidates as arrays, built once per blocking call."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        nan = float("nan")
        self.lat = np.array([nan if c.lat is None else c.lat for c in candidates], dtype=np.float64)
        self.lon = np.array([nan if c.lon is None else c.lon for c in candidates], dtype=np.float64)
        self.names = [c.name_key for c in candidates]


def _filter(
    ia: np.ndarray, ib: np.ndarray, a: _Arrays, b: _Arrays, radius_m: float | None, min_name: float
) -> list[tuple[int, int]]:
    """Pairs (ia[k], ib[k]) within radius_m (if given) whose name similarity (the mean of token-set and
    token-sort ratio, as scored) is at least min_name."""
    if ia.size and radius_m is not None:
        la, lo, ra, ro = a.lat[ia], a.lon[ia], b.lat[ib], b.lon[ib]
        dy = (la - ra) * 111_320.0
        dx = (lo - ro) * 111_320.0 * np.cos(np.radians((la + ra) / 2))
        near = dx * dx + dy * dy <= radius_m * radius_m
        ia, ib = ia[near], ib[near]
    if ia.size == 0:
        return []
    left = [a.names[i] for i in ia.tolist()]
    right = [b.names[j] for j in ib.tolist()]
    # token-set >= token-sort, so mean >= min_name needs token-set >= min_name: filter on it first
    by_set = process.cpdist(left, right, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1)
    first = np.nonzero(by_set >= min_name)[0]
    if first.size == 0:
        return []
    by_sort = process.cpdist(
        [left[k] for k in first.tolist()],
        [right[k] for k in first.tolist()],
        scorer=fuzz.token_sort_ratio,
        dtype=np.float32,
        workers=-1,
    )
    keep = first[(by_set[first] + by_sort) / 2 >= min_name]
    return list(zip(ia[keep].tolist(), ib[keep].tolist(), strict=True))


def block_pairs(
    candidates: Sequence[Candidate],
    *,
    radius_m: float = 150.0,
    max_block: int = 200,
    max_address_block: int = 25,
    min_name: float = 55.0,
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, worth scoring (see the module docstring).

    Pairs found only by place or by address must also have names at least ``min_name`` similar
    (0-100, the name signal of :func:`score_pair` times 100): two unrelated outlets next door or in one shopping centre
    are not worth a full comparison."""
    pairs: set[tuple[int, int]] = set()
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
    address_ids: dict[str, int] = {}
    address_of = np.full(len(candidates), -1, dtype=np.int64)
    for index, c in enumerate(candidates):
        if c.tax_id:
            keyed[("tax", c.tax_id)].append(index)
        for phone in c.phones:
            keyed[("phone", phone)].append(index)
        keyed[("name", c.name_key)].append(index)
        if c.address_key:
            address_of[index] = address_ids.setdefault(c.address_key, len(address_ids))
    for members in keyed.values():
        if 1 < len(members) <= max_block:
            _add_all(pairs, members)
    # An address held by more than max_address_block rows is a shopping centre's (or a placeholder):
    # its outlets are compared through place, phone and name instead of all against all.
    with_address = np.zeros(0, dtype=np.int64)
    if address_ids:
        sizes = np.bincount(address_of[address_of >= 0], minlength=len(address_ids))
        with_address = np.nonzero((address_of >= 0) & (sizes[np.maximum(address_of, 0)] <= max_address_block))[0]
    pa, pb = _join(address_of[with_address], address_of[with_address], [(0, 0)], same=True)
    arrays = _Arrays(candidates)
    pairs.update(_filter(with_address[pa], with_address[pb], arrays, arrays, None, min_name))
    located = [c.lat for c in candidates if c.lat is not None]
    if located:
        indexes, keys = _cells(candidates, radius_m, max(abs(v) for v in located))
        pa, pb = _join(keys, keys, _FORWARD, same=True)
        for i, j in _filter(indexes[pa], indexes[pb], arrays, arrays, radius_m, min_name):
            pairs.add((i, j) if i < j else (j, i))
    return pairs


def block_pairs_between(
    batch: Sequence[Candidate], stored: Sequence[Candidate], *, radius_m: float = 150.0, min_name: float = 55.0
) -> set[tuple[int, int]]:
    """(batch index, stored index) pairs within ``radius_m`` with names at least ``min_name`` similar."""
    lats = [c.lat for c in (*batch, *stored) if c.lat is not None]
    if not lats:
        return set()
    max_lat = max(abs(v) for v in lats)
    index_a, keys_a = _cells(batch, radius_m, max_lat)
    index_b, keys_b = _cells(stored, radius_m, max_lat)
    if index_a.size == 0 or index_b.size == 0:
        return set()
    pa, pb = _join(keys_a, keys_b, _AROUND, same=False)
    return set(_filter(index_a[pa], index_b[pb], _Arrays(batch), _Arrays(stored), radius_m, min_name))


def _add_all(pairs: set[tuple[int, int]], members: Sequence[int]) -> None:
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            i, j = members[x], members[y]
            if i != j:
                pairs.add((i, j) if i < j else (j, i))


def cluster(size: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected groups of ``0..size-1`` joined by ``edges`` (union-find); each sorted, by first member."""
    parent = list(range(size))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        root_i, root_j = find(i), find(j)
        if root_i != root_j:
            parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[int]] = defaultdict(list)
    for x in range(size):
        groups[find(x)].append(x)
    return sorted(groups.values(), key=lambda group: group[0])
