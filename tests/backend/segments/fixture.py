"""A small town ("Testby") of six accounts whose facts are known by hand, for the segment tests.

Business day: 4 December 2026 (Helsinki). Turnover bands for these tests: A >= 1000, B >= 300, C >= 50.
Orders are taken through the API by the territory's rep, at the prices of tests/backend/orders/helpers.

=====  =======  =====  ===========================================  ========  ========  ==========
name   channel  class  fact orders (day: lines)                      turnover  band      last order
=====  =======  =====  ===========================================  ========  ========  ==========
T1     horeca   A      1 Dec: 100 W-RED x 11.00 (wine/red)           1100.00   A         3 days
T2     horeca   B      15 Oct: 20 SP-BRUT x 15.00 (sparkling)         300.00   B         50 days
T3     retail   C      20 Nov: 50 B-LAGER x 1.20 (beer)                60.00   C         14 days
                       (2 Dec: 1 SP-BRUT, cancelled: not a fact)
T4     horeca   C      none; an open deal at stage negotiation          0.00   D         never
T5     retail   B      10 Jan: 5 W-RED x 8.00 (wine/red)               40.00   D         328 days
X      horeca   A      1 Dec: 10 W-WHITE x 9.50 (wine/white)          95.00   C         3 days
                       (in rep3's territory: the other team's)
=====  =======  =====  ===========================================  ========  ========  ==========

T3 also has a won (closed) deal at stage won; T1 has a manager (rep2); T4's territory owner is rep1.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import msgspec

from backend.settings import Settings
from tests.backend.conftest import auth_headers
from tests.backend.orders.helpers import order_body, small_catalogue

HEL = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=HEL)
TODAY = NOW.date()
API = "/api/v1"


def with_bands(settings: Settings) -> Settings:
    return msgspec.structs.replace(
        settings, segment_turnover_band_a=1000.0, segment_turnover_band_b=300.0, segment_turnover_band_c=50.0
    )


@dataclass
class Town:
    ids: dict[str, int]  # T1..T5, X -> account id
    orders: dict[str, uuid.UUID]
    users: dict[str, int]

    def names(self, account_ids: list[int] | set[int]) -> set[str]:
        by_id = {value: key for key, value in self.ids.items()}
        return {by_id.get(account_id, f"other:{account_id}") for account_id in account_ids}


async def _pick(conn: asyncpg.Connection, email: str, channel: str, taken: list[int]) -> int:
    return int(
        await conn.fetchval(
            "select a.id from accounts a join territories t on t.id = a.territory_id "
            "join users u on u.id = t.owner_rep_id "
            "where u.email = $1 and a.channel = $2 and a.location is not null and a.id <> all($3::bigint[]) "
            "order by a.id limit 1",
            email,
            channel,
            taken,
        )
    )


async def _order(
    client: httpx.AsyncClient, headers: dict[str, str], account_id: int, day: dt.date, lines: list[tuple[str, float]]
) -> uuid.UUID:
    at = dt.datetime.combine(day, dt.time(10), HEL)
    body = order_body(account_id, at, [(sku, quantity, 0) for sku, quantity in lines])
    response = await client.post(f"{API}/orders", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return uuid.UUID(body["id"])


async def build_town(conn: asyncpg.Connection, client: httpx.AsyncClient) -> Town:
    users = {
        row["email"].split("@")[0]: row["id"]
        for row in await conn.fetch("select id, email from users where email like '%@example.com'")
    }
    taken: list[int] = []
    ids: dict[str, int] = {}
    for name, email, channel, account_class in (
        ("T1", "rep1@example.com", "horeca", "A"),
        ("T2", "rep1@example.com", "horeca", "B"),
        ("T3", "rep1@example.com", "retail", "C"),
        ("T4", "rep1@example.com", "horeca", "C"),
        ("T5", "rep1@example.com", "retail", "B"),
        ("X", "rep3@example.com", "horeca", "A"),
    ):
        account_id = await _pick(conn, email, channel, taken)
        taken.append(account_id)
        ids[name] = account_id
        await conn.execute(
            "update accounts set address = $2, account_class = $3, status = 'active' where id = $1",
            account_id,
            f"Kauppakatu {len(taken)}, 99990 Testby",
            account_class,
        )
    await conn.execute("update accounts set account_manager_id = $2 where id = $1", ids["T1"], users["rep2"])
    await small_catalogue(conn)
    rep1 = await auth_headers(client, "rep1@example.com")
    rep3 = await auth_headers(client, "rep3@example.com")
    orders = {
        "T1": await _order(client, rep1, ids["T1"], dt.date(2026, 12, 1), [("W-RED", 100)]),
        "T2": await _order(client, rep1, ids["T2"], dt.date(2026, 10, 15), [("SP-BRUT", 20)]),
        "T3": await _order(client, rep1, ids["T3"], dt.date(2026, 11, 20), [("B-LAGER", 50)]),
        "T3-cancelled": await _order(client, rep1, ids["T3"], dt.date(2026, 12, 2), [("SP-BRUT", 1)]),
        "T5": await _order(client, rep1, ids["T5"], dt.date(2026, 1, 10), [("W-RED", 5)]),
        "X": await _order(client, rep3, ids["X"], dt.date(2026, 12, 1), [("W-WHITE", 10)]),
    }
    office = await auth_headers(client, "admin@example.com")
    cancelled = await client.post(
        f"{API}/orders/{orders['T3-cancelled']}/status", json={"status": "cancelled"}, headers=office
    )
    assert cancelled.status_code == 200, cancelled.text
    amounts = {
        row["account_id"]: float(row["amount"])
        for row in await conn.fetch(
            "select account_id, sum(total_amount) as amount from orders where status <> 'cancelled' "
            "and account_id = any($1::bigint[]) group by 1",
            list(ids.values()),
        )
    }
    assert amounts == {ids["T1"]: 1100.0, ids["T2"]: 300.0, ids["T3"]: 60.0, ids["T5"]: 40.0, ids["X"]: 95.0}
    await _deals(conn, ids, users)
    return Town(ids=ids, orders=orders, users=users)


async def _deals(conn: asyncpg.Connection, ids: dict[str, int], users: dict[str, int]) -> None:
    """A pipeline with stages lead -> negotiation -> won / lost; T4 open at negotiation, T3 won."""
    pipeline = await conn.fetchval(
        "insert into pipelines (code, name, goal) "
        "values ('new-customers', 'New customers', 'new_customer') returning id"
    )
    stages = {}
    for position, (code, outcome) in enumerate(
        (("lead", "open"), ("negotiation", "open"), ("won", "won"), ("lost", "lost"))
    ):
        stages[code] = await conn.fetchval(
            "insert into pipeline_stages (pipeline_id, position, code, name, outcome) values ($1, $2, $3, $3, $4) "
            "returning id",
            pipeline,
            position,
            code,
            outcome,
        )
    at = NOW - dt.timedelta(days=10)
    for account, stage, status in (("T4", "negotiation", "open"), ("T3", "won", "won")):
        await conn.execute(
            "insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, created_at, "
            "stage_entered_at, closed_at) values ($1, $2, $3, $4, $5, $6, 'field', $7, $7, $8)",
            uuid.uuid4(),
            pipeline,
            ids[account],
            stages[stage],
            status,
            users["rep1"],
            at,
            None if status == "open" else at,
        )
