"""Per-request resources: the caller and a connection inside a transaction."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from backend.auth.principal import Principal
from backend.clock import Clock
from backend.db.pool import transaction
from backend.settings import Settings


async def provide_connection(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    settings: Settings = state.settings
    async with transaction(state.pool, settings.pool_acquire_timeout_s) as conn:
        yield conn


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_clock(state: State) -> Clock:
    clock: Clock = state.clock
    return clock


# Handler parameter types: injected by name (Litestar 3 drops inferred injection).
Conn = NamedDependency[asyncpg.Connection]
Caller = NamedDependency[Principal]
AppSettings = NamedDependency[Settings]
BusinessClock = NamedDependency[Clock]
