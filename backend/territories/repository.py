"""SQL for territories, scoped by the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.territories.schemas import CoverageCounts, Territory, TerritoryCoverageCounts, TerritoryRow

Q = load_queries("backend.territories")


async def list_visible(conn: asyncpg.Connection, role: str, user_id: int) -> list[Territory]:
    rows = await conn.fetch(Q["list_visible_territories"], role, user_id)
    return [msgspec.convert(dict(row), Territory) for row in rows]


async def get_for_update(conn: asyncpg.Connection, territory_id: int) -> TerritoryRow | None:
    row = await conn.fetchrow(Q["get_territory_for_update"], territory_id)
    return None if row is None else msgspec.convert(dict(row), TerritoryRow)


async def territory_code(conn: asyncpg.Connection, territory_id: int) -> str | None:
    code: str | None = await conn.fetchval(Q["territory_code"], territory_id)
    return code


async def update_territory(
    conn: asyncpg.Connection,
    territory_id: int,
    wkt: str | None,
    name: str,
    owner_rep_id: int | None,
    backup_rep_id: int | None,
) -> None:
    await conn.execute(Q["update_territory"], territory_id, wkt, name, owner_rep_id, backup_rep_id)


async def other_geometries(conn: asyncpg.Connection, territory_id: int) -> list[tuple[int, str, bytes]]:
    rows = await conn.fetch(Q["other_territory_geometries"], territory_id)
    return [(row["id"], row["code"], bytes(row["wkb"])) for row in rows]


async def account_territories(
    conn: asyncpg.Connection, territory_id: int, old_wkt: str | None, new_wkt: str | None
) -> dict[int, int | None]:
    rows = await conn.fetch(Q["account_territories"], territory_id, old_wkt, new_wkt)
    return {row["id"]: row["territory_id"] for row in rows}


async def territory_of_accounts(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, int | None]:
    rows = await conn.fetch(Q["territory_of_accounts"], list(ids))
    return {row["id"]: row["territory_id"] for row in rows}


async def users_by_email(conn: asyncpg.Connection, emails: Sequence[str]) -> dict[str, tuple[int, str]]:
    rows = await conn.fetch(Q["users_by_email"], list(emails))
    return {row["email"]: (row["id"], row["role"]) for row in rows}


async def user_roles(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, str]:
    rows = await conn.fetch(Q["user_roles"], list(ids))
    return {row["id"]: row["role"] for row in rows}


async def upsert_territory(
    conn: asyncpg.Connection,
    code: str,
    name: str,
    region: str | None,
    wkt: str,
    owner_rep_id: int | None,
    backup_rep_id: int | None,
) -> bool | None:
    """True: created, False: updated, None: unchanged."""
    row = await conn.fetchrow(Q["upsert_territory"], code, name, region, wkt, owner_rep_id, backup_rep_id)
    return None if row is None else bool(row["inserted"])


async def count_unassigned(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(Q["count_unassigned"])
    return count


async def coverage_rows(
    conn: asyncpg.Connection, territory_ids: list[int], first: dt.date, last: dt.date
) -> list[TerritoryCoverageCounts]:
    rows = await conn.fetch(Q["coverage"], territory_ids, first, last)
    return [msgspec.convert(dict(row), TerritoryCoverageCounts) for row in rows]


async def coverage_unassigned(conn: asyncpg.Connection, first: dt.date, last: dt.date) -> list[CoverageCounts]:
    rows = await conn.fetch(Q["coverage_unassigned"], first, last)
    return [msgspec.convert(dict(row), CoverageCounts) for row in rows]


async def assign_owner(conn: asyncpg.Connection, code: str, rep_id: int) -> int | None:
    territory_id: int | None = await conn.fetchval(Q["assign_owner"], code, rep_id)
    return territory_id
