"""The asyncpg pool and the one way handlers, jobs and the CLI get a connection."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import asyncpg

from backend.clock import Clock, SystemClock
from backend.errors import AppError, Unavailable
from backend.observability import metrics
from backend.settings import Settings

log = logging.getLogger("fieldsales.db")


class AcquiredConnection(Protocol):
    # Any: an asyncpg pool hands out a connection proxy that behaves as, but is not typed as, a Connection.
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: object) -> object: ...


class ConnectionSource(Protocol):
    """What hands out connections: an asyncpg pool, or in tests one connection in a transaction."""

    def acquire(self, *, timeout: float | None = None) -> AcquiredConnection: ...


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def slow_query_logger(threshold_ms: int) -> Callable[[asyncpg.connection.LoggedQuery], None]:
    """Logs (with the request or job id of the caller) and counts statements slower than the threshold."""

    def check(query: asyncpg.connection.LoggedQuery) -> None:
        if query.elapsed * 1000 >= threshold_ms:
            metrics.SLOW_QUERIES.inc()
            statement = " ".join(query.query.split())[:300]
            log.warning(
                "slow query: %.0f ms: %s", query.elapsed * 1000, statement, extra={"elapsed_ms": query.elapsed * 1000}
            )

    return check


async def create_pool(settings: Settings, clock: Clock | None = None) -> asyncpg.Pool:
    """The pool. With a clock other than wall time (a simulation), every acquired connection carries
    that clock's instant as the database's business time (`business_now()`, migration 0022), so
    retention ages idempotency keys and the sync log by simulated days."""
    log_slow = slow_query_logger(settings.slow_query_ms)

    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        conn.add_query_logger(log_slow)

    setup = None
    if clock is not None and not isinstance(clock, SystemClock):
        business_clock = clock

        async def set_business_time(conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record]) -> None:
            await conn.execute(
                "select set_config('fieldsales.business_now', $1, false)", business_clock.now().isoformat()
            )

        setup = set_business_time

    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout_s,
        command_timeout=settings.statement_timeout_ms / 1000 + 5,
        server_settings={
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": "fieldsales",
        },
        init=init,
        setup=setup,
    )
    assert pool is not None
    return pool


async def connect(settings: Settings) -> asyncpg.Connection:
    """A single connection for the CLI and migrations."""
    conn = await asyncpg.connect(settings.database_url, timeout=settings.connect_timeout_s)
    await _init_connection(conn)
    return conn


@asynccontextmanager
async def transaction(source: ConnectionSource, timeout_s: float) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction; the only place that commits."""
    try:
        acquired = source.acquire(timeout=timeout_s)
        conn: asyncpg.Connection = await acquired.__aenter__()
    except TimeoutError as exc:
        raise Unavailable("the database is busy; retry shortly") from exc
    except (OSError, asyncpg.CannotConnectNowError, asyncpg.ConnectionDoesNotExistError) as exc:
        raise Unavailable("the database is not reachable; retry shortly") from exc
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            yield conn
        except AppError as exc:
            await (tx.commit() if exc.keeps_writes else tx.rollback())
            raise
        except BaseException:
            await tx.rollback()
            raise
        else:
            await tx.commit()
    except BaseException as exc:
        await acquired.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        await acquired.__aexit__(None, None, None)
