"""Account lists: the accounts the caller works (territories, book, deals), optionally of one territory."""

from __future__ import annotations

import asyncpg

from backend.accounts import repository
from backend.accounts.schemas import AccountFilter, AccountPage
from backend.auth.principal import Principal
from backend.coordinates import checked
from backend.errors import InvalidInput, NotFound
from backend.pagination import decode_distance_cursor, decode_name_cursor, encode_cursor
from backend.scope.service import visible_territory_ids
from backend.segments.service import require_readable


def _check_near(filters: AccountFilter) -> tuple[float, float] | None:
    if filters.near_lat is None and filters.near_lon is None:
        return None
    if filters.near_lat is None or filters.near_lon is None:
        raise InvalidInput("near needs both latitude and longitude: near=LAT,LON", field="near")
    return checked(filters.near_lat, filters.near_lon, field="near")


async def list_accounts(
    conn: asyncpg.Connection,
    principal: Principal,
    filters: AccountFilter,
    *,
    territory_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> AccountPage:
    """Accounts the caller works (`visible_account_ids`: the accounts of the territories they see, the
    books and the deals' accounts of the people they see), optionally of one territory or one segment
    (404 naming segment_id when the caller may not read it); by name, or by distance with near."""
    await require_readable(conn, principal, filters.segment_id)
    if territory_id is not None and territory_id not in await visible_territory_ids(conn, principal):
        # 404, not 403: whether a territory outside one's scope exists is not the caller's business.
        raise NotFound(f"territory {territory_id} not found", field="territory_id")
    scope = (principal.role.value, principal.user_id)
    near = _check_near(filters)
    if near is not None:
        after_distance = None if cursor is None else decode_distance_cursor(cursor)
        items = await repository.list_by_distance(conn, scope, territory_id, filters, near, after_distance, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        next_cursor = encode_cursor([items[-1].distance_m, items[-1].id]) if more else None
        return AccountPage(items=items, next_cursor=next_cursor)
    after_name = None if cursor is None else decode_name_cursor(cursor)
    items = await repository.list_by_name(conn, scope, territory_id, filters, after_name, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return AccountPage(items=items, next_cursor=encode_cursor([items[-1].name, items[-1].id]) if more else None)
