"""SQL for accounts, always scoped to the accounts the caller works (`visible_account_ids`)."""

from __future__ import annotations

import asyncpg
import msgspec

from backend.accounts.schemas import Account, AccountFilter
from backend.db.queries import load_queries

Q = load_queries("backend.accounts")


def _scoped(name: str, role: str, role_param: int) -> str:
    """The query with its scope line; an admin's scope is every account (nothing to build)."""
    sql = Q[name]
    worked = f"a.id in (select visible_account_ids(${role_param}::text, ${role_param + 1}::bigint))"
    assert worked in sql, f"{name}: scope line missing"
    if role != "admin":
        return sql
    return sql.replace(worked, f"(${role_param}::text = 'admin' and ${role_param + 1}::bigint is not null)")


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
        _scoped("list_accounts_by_name", scope[0], 10),
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
        _scoped("list_accounts_by_distance", scope[0], 12),
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
