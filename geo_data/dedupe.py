"""Duplicate detection for accounts: blocking, pair scoring and clustering, as pure functions.

Blocking (which pairs are compared at all): the same tax id, a shared phone number, the same
address key, the same name key, or lying within ``radius_m`` (150 m) of each other with names at
least somewhat alike (rapidfuzz token-set ratio >= 50; an in-memory grid of radius-sized cells, each
point compared with its own and the neighbouring cells, distances and name ratios computed in bulk
with numpy and ``rapidfuzz.process.cpdist``). A key block larger than ``max_block`` (a chain's
head-office phone on 500 rows, "Kiosk") is only compared within the spatial grid, so the work stays
linear.

Scoring (:func:`score_pair`), each signal in 0..1, missing signals left out of the weighted mean:

===========  ======  ==============================================================
signal       weight  value
===========  ======  ==============================================================
name         0.40    mean of rapidfuzz token-set and token-sort ratio of the name keys
address      0.25    token-sort ratio of the address keys; 0.3 at most when house numbers differ
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
  (address or phone at least 0.8, or within 40 m) -- or the same phone and address, within 60 m, with a
  name similarity of at least 0.45 (a typo plus a dropped type word: "Plivi" for "Ravintola Pilvi");
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


def _address_similarity(a: str, b: str) -> float:
    similarity = fuzz.token_sort_ratio(a, b) / 100
    numbers_a, numbers_b = _NUMBER.findall(a), _NUMBER.findall(b)
    if numbers_a and numbers_b and numbers_a[0] != numbers_b[0]:
        return min(similarity, 0.3)
    return similarity


_WEIGHTS = {"name": 0.40, "address": 0.25, "phone": 0.20, "distance": 0.15, "tax_id": 0.10}


def score_pair(a: Candidate, b: Candidate, thresholds: Thresholds = Thresholds()) -> PairScore:
    """How likely two accounts are the same outlet, and what to do about it."""
    signals: dict[str, float] = {
        "name": (fuzz.token_set_ratio(a.name_key, b.name_key) + fuzz.token_sort_ratio(a.name_key, b.name_key)) / 200
    }
    if a.address_key and b.address_key:
        signals["address"] = _address_similarity(a.address_key, b.address_key)
    if a.phones and b.phones:
        signals["phone"] = 1.0 if set(a.phones) & set(b.phones) else 0.0
    distance_m: float | None = None
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        distance_m = haversine_m(a.lat, a.lon, b.lat, b.lon)
        signals["distance"] = max(0.0, min(1.0, (250.0 - distance_m) / 220.0))
    same_tax = a.tax_id is not None and a.tax_id == b.tax_id
    if same_tax:
        signals["tax_id"] = 1.0
    score = sum(_WEIGHTS[k] * v for k, v in signals.items()) / sum(_WEIGHTS[k] for k in signals)
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
    if score >= thresholds.merge_at and corroborated and signals["name"] >= 0.6:
        return PairScore(score, "merge", signals, "high score")
    same_place = distance_m is None or distance_m <= 60
    if signals.get("phone") == 1.0 and signals.get("address", 0.0) >= 0.9 and same_place and signals["name"] >= 0.45:
        return PairScore(score, "merge", signals, "same phone and address, similar name")
    if score >= thresholds.review_at:
        return PairScore(score, "review", signals, "grey zone")
    return PairScore(score, "distinct", signals, "low score")


def _cell(lat: float, lon: float, radius_m: float) -> tuple[int, int]:
    lat_step = radius_m / 111_320.0
    lon_step = radius_m / (111_320.0 * max(0.05, math.cos(math.radians(lat))))
    return math.floor(lat / lat_step), math.floor(lon / lon_step)


_FORWARD = ((0, 1), (1, -1), (1, 0), (1, 1))
_AROUND = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1))


def _close_and_similar(
    left: list[int], right: list[int], a: Sequence[Candidate], b: Sequence[Candidate], radius_m: float,
    min_name: float,
) -> list[tuple[int, int]]:
    """The (left, right) index pairs within radius_m whose names are at least min_name similar."""
    if not left:
        return []
    la = np.array([a[i].lat for i in left], dtype=np.float64)
    lo = np.array([a[i].lon for i in left], dtype=np.float64)
    ra = np.array([b[j].lat for j in right], dtype=np.float64)
    ro = np.array([b[j].lon for j in right], dtype=np.float64)
    dy = (la - ra) * 111_320.0
    dx = (lo - ro) * 111_320.0 * np.cos(np.radians((la + ra) / 2))
    near = np.nonzero(dx * dx + dy * dy <= radius_m * radius_m)[0]
    if near.size == 0:
        return []
    names_left = [a[left[k]].name_key for k in near]
    names_right = [b[right[k]].name_key for k in near]
    similar = process.cpdist(names_left, names_right, scorer=fuzz.token_set_ratio, score_cutoff=min_name,
                             dtype=np.uint8)
    return [(left[int(near[k])], right[int(near[k])]) for k in np.nonzero(similar)[0]]


def _similar_names(
    left: list[int], right: list[int], a: Sequence[Candidate], b: Sequence[Candidate], min_name: float
) -> list[tuple[int, int]]:
    if not left:
        return []
    similar = process.cpdist([a[i].name_key for i in left], [b[j].name_key for j in right],
                             scorer=fuzz.token_set_ratio, score_cutoff=min_name, dtype=np.uint8)
    return [(left[int(k)], right[int(k)]) for k in np.nonzero(similar)[0]]


def _grid(candidates: Sequence[Candidate], radius_m: float) -> dict[tuple[int, int], list[int]]:
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, c in enumerate(candidates):
        if c.lat is not None and c.lon is not None:
            grid[_cell(c.lat, c.lon, radius_m)].append(index)
    return grid


def block_pairs(
    candidates: Sequence[Candidate], *, radius_m: float = 150.0, max_block: int = 200, min_name: float = 50.0
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, worth scoring (see the module docstring).

    Pairs found only by place must also have names at least ``min_name`` similar (rapidfuzz
    token-set ratio, 0-100): two unrelated outlets next door are not worth a full comparison."""
    pairs: set[tuple[int, int]] = set()
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, c in enumerate(candidates):
        if c.tax_id:
            keyed[("tax", c.tax_id)].append(index)
        for phone in c.phones:
            keyed[("phone", phone)].append(index)
        if c.address_key:
            keyed[("address", c.address_key)].append(index)
        keyed[("name", c.name_key)].append(index)
    left: list[int] = []
    right: list[int] = []
    for (kind, _), members in keyed.items():
        if 1 < len(members) <= max_block:
            if kind == "address":  # a shopping centre holds many outlets: only similar names are compared
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        left.append(members[x])
                        right.append(members[y])
            else:
                _add_all(pairs, members)
    for i, j in _similar_names(left, right, candidates, candidates, min_name):
        pairs.add((i, j) if i < j else (j, i))
    left, right = [], []
    grid = _grid(candidates, radius_m)
    for (row, col), members in grid.items():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                left.append(members[x])
                right.append(members[y])
        for d_row, d_col in _FORWARD:
            other = grid.get((row + d_row, col + d_col))
            if other:
                for i in members:
                    left.extend([i] * len(other))
                    right.extend(other)
    for i, j in _close_and_similar(left, right, candidates, candidates, radius_m, min_name):
        pairs.add((i, j) if i < j else (j, i))
    return pairs


def block_pairs_between(
    batch: Sequence[Candidate], stored: Sequence[Candidate], *, radius_m: float = 150.0, min_name: float = 50.0
) -> set[tuple[int, int]]:
    """(batch index, stored index) pairs within ``radius_m`` with names at least ``min_name`` similar."""
    grid = _grid(stored, radius_m)
    left: list[int] = []
    right: list[int] = []
    for i, c in enumerate(batch):
        if c.lat is None or c.lon is None:
            continue
        row, col = _cell(c.lat, c.lon, radius_m)
        for d_row, d_col in _AROUND:
            other = grid.get((row + d_row, col + d_col))
            if other:
                left.extend([i] * len(other))
                right.extend(other)
    return set(_close_and_similar(left, right, batch, stored, radius_m, min_name))


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
