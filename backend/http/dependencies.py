"""Per-request resources: the caller and a connection inside a transaction."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager
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


TransactionFactory = Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]


def provide_transactions(state: State) -> TransactionFactory:
    """For handlers that must not hold a pooled connection while they read the request (slow
    uploads, parsing): they open the transaction themselves once the input is in hand."""
    settings: Settings = state.settings

    def open_transaction() -> AbstractAsyncContextManager[asyncpg.Connection]:
        return transaction(state.pool, settings.pool_acquire_timeout_s)

    return open_transaction


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
Transactions = NamedDependency[TransactionFactory]
Caller = NamedDependency[Principal]
AppSettings = NamedDependency[Settings]
BusinessClock = NamedDependency[Clock]
