"""The /health answer."""

from __future__ import annotations

from typing import Literal

import msgspec


class HealthStatus(msgspec.Struct, frozen=True):
    """ok (200) when the database answers and no migration is pending; unavailable (503) otherwise,
    `database` then saying `ok` or `unreachable: <error kind>`."""

    status: Literal["ok", "unavailable"]
    database: str
    pending_migrations: list[str] = msgspec.field(default_factory=list)
