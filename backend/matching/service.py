"""Matching new records against the whole customer base, however its accounts were created.

Every writer of accounts (imports, `POST /api/v1/accounts` and its alias `POST /api/v1/leads`, and
the base scan) goes through :func:`match_base`. Blocking runs in PostgreSQL on indexes: the same tax
id, phone (GIN) or address key; trigram similarity of name keys (pg_trgm GIN) where one side has no
place; and by place, the stored accounts of the batch's area from one GiST index scan, joined to the
batch on a 150 m grid in memory with names at least somewhat alike (``geo_data.dedupe``). The
candidate pairs are scored in bulk with the same thresholds as within a batch.

Keys (``account_match_keys``): ``name_key``/``address_key`` are computed in Python (transliteration),
so an account written by SQL alone (the demo loader, another system's load, a restore) has none; a
trigger drops the keys of an account whose name, address or place changes, and :func:`refresh_keys`
computes every missing or stale key before each match (bumping ``KEYS_VERSION`` recomputes all of
them after a change of the key functions). Writers that know the keys store them at once
(:func:`save_keys`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import numpy as np
from rapidfuzz import fuzz, process

from backend.matching import repository
from backend.matching.schemas import BaseMatch, StoredAccount
from geo_data.dedupe import Candidate, Thresholds, block_pairs_between, score_pairs
from geo_data.normalize import address_key, name_key

KEYS_VERSION = 1
BLOCK_RADIUS_M = 150.0
MAX_KEY_BLOCK = 200  # a key shared by more stored accounts is a chain's, not an outlet's
MAX_ADDRESS_BLOCK = 25  # an address held by more accounts is a shopping centre's: place, phone, name decide
NAME_MIN_SIMILARITY = 0.45  # trigram similarity of name keys when one side has no place
MIN_NAME = 55.0  # name similarity (0-100) for pairs found by place or address alone, as within a batch
THRESHOLDS = Thresholds()
_REFRESH_CHUNK = 20_000
_BATCH_CHUNK = 100_000


def keys_of(
    rows: Sequence[tuple[int, str, str | None, bool]],
) -> list[tuple[int, str, str | None, bool]]:
    """(account id, name key, address key, located) of (account id, name, address, located) rows."""
    return [
        (i, name_key(name), address_key(address) if address else None, located) for i, name, address, located in rows
    ]


async def save_keys(conn: asyncpg.Connection, rows: Sequence[tuple[int, str, str | None, bool]]) -> None:
    """Keys of accounts just written (id, name, address, located), so the next match need not compute them."""
    await repository.set_keys(conn, keys_of(rows), KEYS_VERSION)


async def refresh_keys(conn: asyncpg.Connection) -> int:
    """Compute the matching keys of every account that lacks them or has stale ones; how many."""
    done = 0
    while True:
        rows = await repository.stale_keys(conn, KEYS_VERSION, _REFRESH_CHUNK)
        if not rows:
            return done
        await repository.set_keys(conn, await asyncio.to_thread(keys_of, rows), KEYS_VERSION)
        done += len(rows)


def candidate(account: StoredAccount) -> Candidate:
    return Candidate(
        name_key=account.name_key if account.name_key is not None else name_key(account.name),
        address_key=account.address_key or (address_key(account.address) if account.address else None),
        phones=tuple(account.phones),
        tax_id=account.tax_id,
        branch_code=account.branch_code,
        lat=account.lat,
        lon=account.lon,
    )


async def match_base(
    conn: asyncpg.Connection,
    batch: Sequence[Candidate],
    *,
    self_ids: Sequence[int | None] | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> list[BaseMatch]:
    """Stored accounts that may be the same outlet as each batch record: every pair whose decision
    is ``merge``, ``review`` or ``same_legal_entity`` (``distinct`` pairs are left out)."""
    await refresh_keys(conn)
    matches: list[BaseMatch] = []
    for start in range(0, len(batch), _BATCH_CHUNK):
        part = batch[start : start + _BATCH_CHUNK]
        own = self_ids[start : start + _BATCH_CHUNK] if self_ids is not None else [None] * len(part)
        own_ids = list(own)
        rows = await repository.candidate_pairs(
            conn,
            [
                (c.name_key, c.address_key, c.tax_id, c.lat, c.lon, c.phones, own_id)
                for c, own_id in zip(part, own_ids, strict=True)
            ],
            max_key_block=MAX_KEY_BLOCK,
            name_min_similarity=NAME_MIN_SIMILARITY,
            max_address_block=MAX_ADDRESS_BLOCK,
        )
        found = {(i, a) for i, a, keyed in rows if keyed}
        by_address = [(i, a) for i, a, keyed in rows if not keyed]
        if by_address:
            # Found by address alone (one building holds many outlets): only with names somewhat alike.
            names = await repository.name_keys(conn, sorted({a for _, a in by_address}))
            found.update(
                await asyncio.to_thread(names_alike, [(part[i].name_key, names[a]) for i, a in by_address], by_address)
            )
        found.update(await _near_pairs(conn, part, own_ids))
        pairs = sorted(found)
        if not pairs:
            continue
        stored = await repository.stored_accounts(conn, sorted({account_id for _, account_id in pairs}))
        position = {a.id: k for k, a in enumerate(stored)}
        stored_candidates = [candidate(a) for a in stored]
        results = await asyncio.to_thread(
            score_pairs, part, stored_candidates, [(i, position[a]) for i, a in pairs], thresholds
        )
        matches.extend(
            BaseMatch(index=start + i, account=stored[position[a]], score=result)
            for (i, a), result in zip(pairs, results, strict=True)
            if result.decision != "distinct"
        )
    return matches


def names_alike(
    names: Sequence[tuple[str, str]], pairs: Sequence[tuple[int, int]], min_name: float = MIN_NAME
) -> set[tuple[int, int]]:
    """The pairs whose names are at least ``min_name`` alike (0-100: the name signal of scoring)."""
    left = [a for a, _ in names]
    right = [b for _, b in names]
    by_set = process.cpdist(left, right, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1)
    by_sort = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, dtype=np.float32, workers=-1)
    keep = np.nonzero((by_set + by_sort) / 2 >= min_name)[0]
    return {pairs[k] for k in keep.tolist()}


async def _near_pairs(
    conn: asyncpg.Connection, batch: Sequence[Candidate], own_ids: Sequence[int | None]
) -> set[tuple[int, int]]:
    """(batch index, account id) within BLOCK_RADIUS_M with names at least somewhat alike: the stored
    accounts of the batch's area come from one scan of the GiST index and are joined on a grid in
    memory (per-row ST_DWithin probes measured 0.3-0.6 ms each here: too slow for 100,000 rows)."""
    located = [c for c in batch if c.lat is not None and c.lon is not None]
    if not located:
        return set()
    lats = [c.lat for c in located if c.lat is not None]
    lons = [c.lon for c in located if c.lon is not None]
    margin = 0.01  # degrees: more than BLOCK_RADIUS_M of latitude, and of longitude below 70°N
    stored = await repository.located_in_box(
        conn, min(lons) - 2 * margin, min(lats) - margin, max(lons) + 2 * margin, max(lats) + margin
    )
    if not stored:
        return set()
    stored_candidates = [Candidate(name, lat=lat, lon=lon) for _, name, lat, lon in stored]
    found = await asyncio.to_thread(block_pairs_between, batch, stored_candidates, radius_m=BLOCK_RADIUS_M)
    return {(i, stored[k][0]) for i, k in found if stored[k][0] != own_ids[i]}


async def scan_base(conn: asyncpg.Connection, *, chunk: int = 5000) -> tuple[int, int]:
    """Match the stored accounts among themselves: pairs that are, or may be, one outlet go to the
    review queue (never merged automatically: both are records people may have worked with).
    Pairs decided before (queued, dismissed, or a merge undone) are not asked again. Returns
    (accounts scanned, pairs queued)."""
    await refresh_keys(conn)
    after, scanned, queued = 0, 0, 0
    while True:
        ids = await repository.account_ids_after(conn, after, chunk)
        if not ids:
            return scanned, queued
        after = ids[-1]
        accounts = await repository.stored_accounts(conn, ids)
        matches = await match_base(conn, [candidate(a) for a in accounts], self_ids=[a.id for a in accounts])
        found: dict[tuple[int, int], tuple[float, dict[str, Any]]] = {}
        for m in matches:
            if m.score.decision not in {"merge", "review"}:
                continue
            a, b = sorted((accounts[m.index].id, m.account.id))
            found[(a, b)] = (m.score.score, {**m.score.signals, "reason": m.score.reason})
        fresh = await repository.undecided_pairs(conn, sorted(found)) if found else set()
        queued += await repository.queue_review_pairs(
            conn, [(a, b, found[(a, b)][0], found[(a, b)][1]) for a, b in sorted(fresh)]
        )
        scanned += len(ids)
