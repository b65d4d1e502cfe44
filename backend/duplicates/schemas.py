"""Structs of the duplicate review queue and of merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class SourceBrief(msgspec.Struct, frozen=True):
    source: str
    external_id: str
    file_name: str | None
    row_number: int | None


class AccountBrief(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None
    phones: list[str]
    tax_id: str | None
    lat: float | None
    lon: float | None
    territory_id: int | None
    status: str
    sources: list[SourceBrief]


class DuplicatePair(msgspec.Struct, frozen=True):
    id: int
    score: float
    signals: dict[str, Any]
    status: str
    created_at: dt.datetime
    a: AccountBrief
    b: AccountBrief


class DuplicatePage(msgspec.Struct, frozen=True):
    items: list[DuplicatePair]
    next_cursor: str | None


class CandidateRow(msgspec.Struct, frozen=True):
    id: int
    account_a_id: int
    account_b_id: int
    score: float
    signals: dict[str, Any]
    status: str
    created_at: dt.datetime


class MergeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    keep_id: int | None = None  # which account survives; default: the older (lower id)


class MergeResult(msgspec.Struct, frozen=True):
    merge_id: int
    winner_id: int
    loser_id: int | None


class MergeRow(msgspec.Struct, frozen=True):
    id: int
    winner_id: int
    loser_id: int | None
    loser_snapshot: dict[str, Any]
    winner_before: dict[str, Any]
    source_ids: list[int]
    kind: str
    undone_at: dt.datetime | None
    score: float | None = None
    signals: dict[str, Any] = {}


class UndoResult(msgspec.Struct, frozen=True):
    merge_id: int
    winner_id: int
    restored_account_id: int
