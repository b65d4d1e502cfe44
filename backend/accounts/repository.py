"""SQL for accounts, always scoped to the accounts the caller works (`visible_account_ids`)."""

from __future__ import annotations

import asyncpg
import msgspec

from backend.accounts.schemas import Account, AccountFilter
from backend.db.queries import load_queries

Q = load_queries("backend.accounts")


def _enum_value(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


async def list_by_name(
    conn: asyncpg.Connection,
    scope: tuple[str, int],
    territory_id: int | None,
    filters: AccountFilter,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Account]:
    rows = await conn.fetch(
        Q["list_accounts_by_name"],
        territory_id,
        _enum_value(filters.channel),
        _enum_value(filters.account_class),
        _enum_value(filters.status),
        filters.search,
        None if after is None else after[0],
        None if after is None else after[1],
        limit,
        filters.segment_id,
        *scope,
    )
    return [msgspec.convert(dict(row), Account) for row in rows]


async def list_by_distance(
    conn: asyncpg.Connection,
    scope: tuple[str, int],
    territory_id: int | None,
    filters: AccountFilter,
    near: tuple[float, float],
    after: tuple[float, int] | None,
    limit: int,
) -> list[Account]:
    rows = await conn.fetch(
        Q["list_accounts_by_distance"],
        territory_id,
        _enum_value(filters.channel),
        _enum_value(filters.account_class),
        _enum_value(filters.status),
        filters.search,
        None if after is None else after[0],
        None if after is None else after[1],
        near[0],
        near[1],
        limit,
        filters.segment_id,
        *scope,
    )
    return [msgspec.convert(dict(row), Account) for row in rows]
