"""Shared pieces of the deals tests: an app on a simulated clock, people, a lead in a rep's territory."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx

API = "/api/v1"


async def user_id(conn: asyncpg.Connection, email: str) -> int:
    return int(await conn.fetchval("select id from users where email = $1", email))


async def territory_of(conn: asyncpg.Connection, email: str) -> int:
    return int(
        await conn.fetchval(
            "select t.id from territories t join users u on u.id = t.owner_rep_id where u.email = $1 order by t.id "
            "limit 1",
            email,
        )
    )


async def point_in_territory(conn: asyncpg.Connection, email: str, nth: int = 0) -> tuple[float, float]:
    """A point 40 m north of one of the rep's accounts (inside their territory); `nth` picks the account."""
    row = await conn.fetchrow(
        "select ST_Y(a.location) + 0.00036 as lat, ST_X(a.location) as lon from accounts a "
        "join territories t on t.id = a.territory_id join users u on u.id = t.owner_rep_id "
        "where u.email = $1 and a.location is not null "
        "and ST_Contains(t.geom, ST_SetSRID(ST_MakePoint(ST_X(a.location), ST_Y(a.location) + 0.00036), 4326)) "
        "order by a.id offset $2 limit 1",
        email,
        nth * 7,
    )
    return float(row["lat"]), float(row["lon"])


async def capture_lead(
    client: httpx.AsyncClient,
    conn: asyncpg.Connection,
    headers: dict[str, str],
    email: str,
    name: str,
    nth: int = 0,
) -> dict[str, Any]:
    lat, lon = await point_in_territory(conn, email, nth)
    response = await client.post(
        f"{API}/leads", json={"name": name, "channel": "horeca", "lat": lat, "lon": lon}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def sse_events(body: str) -> list[dict[str, Any]]:
    """The events of a text/event-stream body, with their data decoded."""
    events: list[dict[str, Any]] = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if "event" in fields:
            events.append({"id": fields.get("id"), "event": fields["event"], "data": json.loads(fields["data"])})
    return events


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Rows a refused request must not have written."""
    tables = ("deals", "deal_stage_changes", "handovers", "notifications", "pipelines", "pipeline_stages")
    result = {table: int(await conn.fetchval(f"select count(*) from {table}")) for table in tables}
    result["territory_sales_roles"] = int(await conn.fetchval("select count(*) from territory_sales_roles"))
    result["handover_rules"] = int(await conn.fetchval("select count(*) from handover_rules"))
    return result
