"""What every command shares: settings read and checked once, and one way to run work in a
transaction (committed, or rolled back for a dry run) on a connection of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    import asyncpg

from backend.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def cli_settings() -> Settings:
    """Settings from the environment; a bad or unsafe one stops the command with its message."""
    try:
        settings = load_settings()
        settings.check_safe()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings


def in_transaction(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[T]], *, commit: bool = True) -> T:
    """Run `work` in one transaction on a new connection: committed when it returns (unless `commit`
    is False: a dry run), rolled back when it raises; the connection is closed either way."""
    from backend.db.pool import connect

    async def run() -> T:
        conn = await connect(settings)
        try:
            transaction = conn.transaction()
            await transaction.start()
            try:
                result = await work(conn)
            except BaseException:
                await transaction.rollback()
                raise
            await (transaction.commit() if commit else transaction.rollback())
            return result
        finally:
            await conn.close()

    return asyncio.run(run())
