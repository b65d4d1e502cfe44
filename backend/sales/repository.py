"""SQL for sales figures; reads always take the caller's scope."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.sales.schemas import SalesFact

Q = load_queries("backend.sales")


async def rep_ids_by_email(conn: asyncpg.Connection, emails: list[str]) -> dict[str, int]:
    return {row["email"]: row["id"] for row in await conn.fetch(Q["rep_ids_by_email"], emails)}


async def upsert_months(
    conn: asyncpg.Connection,
    rows: list[tuple[int, str, str, dt.date, float | None, float | None, str]],
) -> None:
    await conn.executemany(Q["upsert_month"], rows)


async def facts_in_scope(
    conn: asyncpg.Connection, role: str, user_id: int, first: dt.date, last: dt.date
) -> list[SalesFact]:
    rows = await conn.fetch(Q["facts_in_scope"], role, user_id, first, last)
    return [msgspec.convert(dict(row), SalesFact) for row in rows]
