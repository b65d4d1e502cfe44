"""Shared helpers of the visit API tests: a rep's account, positions at a distance, request bodies."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

DAY = datetime(2026, 11, 23, tzinfo=UTC)
# The server's business time in these tests (their app's clock): two days after DAY, so every action
# the tests send lies in the past and within the offline window (a wall clock would move on).
SERVER_NOW = DAY + timedelta(days=2, hours=12)


async def rep_accounts(conn: asyncpg.Connection, email: str, count: int = 5) -> list[asyncpg.Record]:
    """Accounts in the rep's own territory, with their position."""
    return await conn.fetch(
        "select a.id, ST_Y(a.location) as lat, ST_X(a.location) as lon, a.channel, a.account_class "
        "from accounts a join territories t on t.id = a.territory_id join users u on u.id = t.owner_rep_id "
        "where u.email = $1 and a.location is not null order by a.id limit $2",
        email,
        count,
    )


async def user_id(conn: asyncpg.Connection, email: str) -> int:
    return int(await conn.fetchval("select id from users where email = $1", email))


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point `metres` due north (the meridian arc: 1 degree of latitude is about 111.2 km)."""
    return lat + metres / (math.pi * 6_371_008.8 / 180), lon


def check_in_body(
    account: asyncpg.Record,
    at: datetime,
    *,
    metres: float = 10.0,
    accuracy_m: float = 8.0,
    mock: bool = False,
    visit_id: uuid.UUID | None = None,
    sent_at: datetime | None = None,
) -> dict[str, Any]:
    lat, lon = north_of(account["lat"], account["lon"], metres)
    body: dict[str, Any] = {
        "id": str(visit_id or uuid.uuid4()),
        "account_id": account["id"],
        "checked_in_at": at.isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy_m,
        "mock_location": mock,
    }
    if sent_at is not None:
        body["sent_at"] = sent_at.isoformat()
    return body


def check_out_body(account: asyncpg.Record, at: datetime, *, metres: float = 10.0) -> dict[str, Any]:
    lat, lon = north_of(account["lat"], account["lon"], metres)
    return {"checked_out_at": at.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 10.0}


def later(at: datetime, minutes: float) -> datetime:
    return at + timedelta(minutes=minutes)
