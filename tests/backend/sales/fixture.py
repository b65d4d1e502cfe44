"""The small commercial fixture the figures are recomputed on by hand (numbers in the tests).

rep1's territory (west): A1 orders in August, September and October (steady); A2 in August and
September only (churns in October); A3 in August, not September, again in October (comes back); A4
first in October (new); R1 (retail) only a draft in October. rep2's territory (centre): B1 orders in
September and October (delivered); B2 only a cancelled order in October. HoReCa prices of H-NOV:
W-RED 10, W-WHITE 9, SP-BRUT 15, B-LAGER 1.5 (retail: B-LAGER 1.2).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.orders.helpers import order_body, rep_account, small_catalogue

HEL = ZoneInfo("Europe/Helsinki")


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=HEL)


@dataclass
class Fixture:
    accounts: dict[str, int]
    west: int
    centre: int
    east: int
    west_region: str
    centre_region: str
    rep1: int
    rep2: int


ORDERS: list[tuple[str, str, dt.datetime, list[tuple[str, float, float]], str]] = [
    ("A1", "rep1", at(8, 10), [("W-RED", 6, 0)], "submitted"),
    ("A1", "rep1", at(9, 15), [("W-RED", 6, 0)], "submitted"),
    ("A1", "rep1", at(10, 5), [("W-RED", 6, 0), ("SP-BRUT", 2, 0)], "submitted"),
    ("A1", "rep1", at(10, 20), [("B-LAGER", 24, 0)], "confirmed"),
    ("A2", "rep1", at(8, 10), [("W-WHITE", 12, 0)], "submitted"),
    ("A2", "rep1", at(9, 15), [("W-WHITE", 12, 0)], "submitted"),
    ("A3", "rep1", at(8, 10), [("SP-BRUT", 6, 0)], "submitted"),
    ("A3", "rep1", at(10, 12), [("SP-BRUT", 6, 0), ("W-WHITE", 6, 10)], "submitted"),
    ("A4", "rep1", at(10, 25), [("W-RED", 12, 0)], "submitted"),
    ("R1", "rep1", at(10, 8), [("B-LAGER", 48, 0)], "draft"),
    ("B1", "rep2", at(9, 15), [("W-RED", 1, 0)], "submitted"),
    ("B1", "rep2", at(10, 3), [("W-RED", 3, 0)], "delivered"),
    ("B2", "rep2", at(10, 9), [("W-WHITE", 2, 0)], "cancelled"),
]


async def build(client: httpx.AsyncClient, conn: asyncpg.Connection) -> Fixture:
    accounts: dict[str, int] = {}
    for index, name in enumerate(("A1", "A2", "A3", "A4")):
        accounts[name] = (await rep_account(conn, "rep1@example.com", "horeca", index))["id"]
    accounts["R1"] = (await rep_account(conn, "rep1@example.com", "retail"))["id"]
    for index, name in enumerate(("B1", "B2")):
        accounts[name] = (await rep_account(conn, "rep2@example.com", "horeca", index))["id"]
    await conn.execute(
        "update accounts set account_class = 'A', status = 'active' where id = any($1::bigint[])",
        [accounts[name] for name in ("A1", "A2", "A3", "A4", "B1", "B2")],
    )
    await small_catalogue(conn)
    headers = {email: await auth_headers(client, f"{email}@example.com") for email in ("rep1", "rep2")}
    office = await auth_headers(client, "admin@example.com")
    for account, rep, when, lines, status in ORDERS:
        body = order_body(accounts[account], when, lines, status="draft" if status == "draft" else "submitted")
        created = await client.post("/api/v1/orders", json=body, headers=headers[rep])
        assert created.status_code == 201, created.text
        path = f"/api/v1/orders/{body['id']}/status"
        moves = {"confirmed": ["confirmed"], "delivered": ["confirmed", "delivered"], "cancelled": ["cancelled"]}
        for target in moves.get(status, []):
            moved = await client.post(path, json={"status": target}, headers=office)
            assert moved.status_code == 200, moved.text
    territories = {
        row["email"]: (row["id"], row["region"] or "(none)")
        for row in await conn.fetch(
            "select u.email, t.id, t.region from territories t join users u on u.id = t.owner_rep_id"
        )
    }
    reps = {row["email"]: row["id"] for row in await conn.fetch("select id, email from users where role = 'rep'")}
    return Fixture(
        accounts=accounts,
        west=territories["rep1@example.com"][0],
        centre=territories["rep2@example.com"][0],
        east=territories["rep3@example.com"][0],
        west_region=territories["rep1@example.com"][1],
        centre_region=territories["rep2@example.com"][1],
        rep1=reps["rep1@example.com"],
        rep2=reps["rep2@example.com"],
    )


def order_id() -> str:
    return str(uuid.uuid4())
