"""SQL for accounts, always scoped by the territories the caller may read."""

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
    territory_ids: list[int],
    filters: AccountFilter,
    after: tuple[str, int] | None,
    limit: int,
) -> list[Account]:
    rows = await conn.fetch(
        Q["list_accounts_by_name"],
        territory_ids,
        _enum_value(filters.channel),
        _enum_value(filters.account_class),
        _enum_value(filters.status),
        filters.search,
        None if after is None else after[0],
        None if after is None else after[1],
        limit,
        filters.segment_id,
    )
    return [msgspec.convert(dict(row), Account) for row in rows]


async def list_by_distance(
    conn: asyncpg.Connection,
    territory_ids: list[int],
    filters: AccountFilter,
    near: tuple[float, float],
    after: tuple[float, int] | None,
    limit: int,
) -> list[Account]:
    rows = await conn.fetch(
        Q["list_accounts_by_distance"],
        territory_ids,
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
    )
    return [msgspec.convert(dict(row), Account) for row in rows]
