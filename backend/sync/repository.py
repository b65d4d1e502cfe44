"""SQL for offline sync: the change log, and the rows the phone keeps, scoped to the rep."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.accounts.schemas import Account
from backend.checklists.schemas import Template
from backend.db.queries import load_queries
from backend.sync.schemas import ChangeEntry, RouteVersion

Q = load_queries("backend.sync")


async def snapshot_xmin(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(Q["snapshot_xmin"]))


async def rep_territory_ids(conn: asyncpg.Connection, rep_id: int) -> list[int]:
    return [row["id"] for row in await conn.fetch(Q["rep_territory_ids"], rep_id)]


async def changes_since(
    conn: asyncpg.Connection, xmin: int, territory_ids: list[int], rep_id: int, after_seq: int, limit: int
) -> list[ChangeEntry]:
    rows = await conn.fetch(Q["changes_since"], str(xmin), territory_ids, rep_id, after_seq, limit)
    return [msgspec.convert(dict(row), ChangeEntry) for row in rows]


async def accounts(
    conn: asyncpg.Connection, rep_id: int, ids: list[int] | None, *, after_id: int = 0, limit: int
) -> list[Account]:
    rows = await conn.fetch(Q["rep_accounts"], rep_id, ids, after_id, limit)
    return [msgspec.convert(dict(row), Account) for row in rows]


async def prune_log(conn: asyncpg.Connection, older_than: dt.datetime) -> int:
    return int((await conn.execute(Q["prune_log"], older_than)).split()[-1])


async def templates(conn: asyncpg.Connection, ids: list[int] | None) -> list[Template]:
    return [msgspec.convert(dict(row), Template) for row in await conn.fetch(Q["templates_by_id"], ids)]


async def rep_time_zone(conn: asyncpg.Connection, rep_id: int) -> str:
    return str(await conn.fetchval(Q["rep_time_zone"], rep_id))


async def route_versions(conn: asyncpg.Connection, route_ids: list[int], rep_id: int) -> list[RouteVersion]:
    rows = await conn.fetch(Q["route_versions"], route_ids, rep_id)
    return [RouteVersion(**dict(row), etag=f'"route-{row["route_id"]}"') for row in rows]
