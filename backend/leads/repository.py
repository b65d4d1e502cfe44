"""SQL for leads: new potential accounts, the unassigned queue and manual assignment."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.leads.schemas import AssignmentTarget, LeadPlacement, UnassignedAccount

Q = load_queries("backend.leads")


async def insert_lead(
    conn: asyncpg.Connection, values: dict[str, Any], hours: list[list[int]], external_id: str
) -> int:
    account_id: int = await conn.fetchval(
        Q["insert_lead"],
        values["name"],
        values["legal_form"],
        values["address"],
        values["address_key"],
        values["phones"],
        values["channel"],
        values["category"],
        values["tax_id"],
        values["lat"],
        values["lon"],
        values["opening_hours_raw"],
        "import" if hours else "channel_default",
        values.get("geocode_source"),
    )
    await conn.execute(Q["insert_lead_source"], account_id, external_id)
    if hours:
        await conn.execute(Q["insert_lead_hours"], account_id, hours)
    return account_id


async def placement(conn: asyncpg.Connection, account_id: int) -> LeadPlacement:
    row = await conn.fetchrow(Q["lead_placement"], account_id)
    assert row is not None
    return msgspec.convert(dict(row), LeadPlacement)


async def queue_review(conn: asyncpg.Connection, a: int, b: int, score: float, signals: dict[str, object]) -> None:
    await conn.execute(Q["queue_review"], a, b, score, signals)


async def list_unassigned(
    conn: asyncpg.Connection, after_id: int | None, limit: int, include_manual: bool
) -> list[UnassignedAccount]:
    rows = await conn.fetch(Q["list_unassigned"], after_id, limit, include_manual)
    return [msgspec.convert(dict(row), UnassignedAccount) for row in rows]


async def account_for_assignment(conn: asyncpg.Connection, account_id: int) -> AssignmentTarget | None:
    row = await conn.fetchrow(Q["get_account_for_assignment"], account_id)
    return None if row is None else msgspec.convert(dict(row), AssignmentTarget)


async def assign(conn: asyncpg.Connection, account_id: int, territory_id: int, user_id: int) -> int | None:
    await conn.execute(Q["assign_account"], account_id, territory_id, user_id)
    owner: int | None = await conn.fetchval(Q["territory_owner"], territory_id)
    return owner
