"""Idempotency records: what a replay of an offline write returns."""

from __future__ import annotations

from typing import Any

import msgspec


class StoredResult(msgspec.Struct, frozen=True):
    status_code: int
    response: Any
