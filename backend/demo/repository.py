"""SQL that writes the demo city."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from backend.db.queries import load_queries

Q = load_queries("backend.demo")


async def count_users(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(Q["count_users"])
    return count


async def insert_territory(
    conn: asyncpg.Connection, code: str, name: str, region: str | None, wkt: str, owner_rep_id: int | None
) -> int:
    territory_id: int = await conn.fetchval(Q["insert_territory"], code, name, region, wkt, owner_rep_id)
    return territory_id


async def insert_accounts(conn: asyncpg.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    await conn.executemany(Q["insert_account_with_source_and_hours"], rows)


async def set_rep_profile(
    conn: asyncpg.Connection,
    user_id: int,
    home_lat: float,
    home_lon: float,
    shift_start_s: int,
    shift_end_s: int,
    time_zone: str,
    travel_mode: str,
) -> None:
    await conn.execute(
        Q["set_rep_profile"], user_id, home_lat, home_lon, shift_start_s, shift_end_s, time_zone, travel_mode
    )
