"""What the metrics read from the database."""

from __future__ import annotations

import msgspec


class QueueDepth(msgspec.Struct, frozen=True):
    entrypoint: str
    queued: int
