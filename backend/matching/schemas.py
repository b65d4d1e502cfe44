"""Matching structs: a stored account as the matcher sees it, and one scored match."""

from __future__ import annotations

import msgspec

from geo_data.dedupe import PairScore


class StoredAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    name_key: str | None
    address: str | None
    address_key: str | None
    phones: list[str]
    tax_id: str | None
    branch_code: str | None
    lat: float | None
    lon: float | None
    territory_id: int | None = None


class BaseMatch(msgspec.Struct, frozen=True):
    """A new record (by its index in the batch) and a stored account that may be the same outlet."""

    index: int
    account: StoredAccount
    score: PairScore
