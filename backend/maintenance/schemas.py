"""What one maintenance pass removed."""

from __future__ import annotations

import msgspec


class Purged(msgspec.Struct, frozen=True):
    idempotency_keys: int
    sync_log: int
    notifications: int
