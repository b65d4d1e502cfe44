"""Idempotency records: what a replay of an offline write returns."""

from __future__ import annotations

from typing import Any

import msgspec


class StoredResult(msgspec.Struct, frozen=True):
    status_code: int
    response: Any


class StoredKey(msgspec.Struct, frozen=True):
    """A claimed key: the request's fingerprint and, once completed, its answer (status 0: in flight)."""

    fingerprint: str
    status_code: int
    response: Any
