"""Orders and visits for the accounts of a closer's deals and a farmer's book (issue 17): whoever works
an account (`visible_account_ids`, migration 0014) may visit it and take its order, even when it lies
outside their territories; the reports stay scoped as before."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.orders.helpers import order_body, rep_account, small_catalogue
from tests.backend.visits.helpers import check_in_body, user_id

HEL = ZoneInfo("Europe/Helsinki")
NOV_27 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=HEL)


async def test_a_closer_and_a_farmer_take_orders_for_accounts_outside_their_territories(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    deal_account = await rep_account(conn, "rep1@example.com", "horeca")
    book_account = await rep_account(conn, "rep1@example.com", "horeca", offset=1)
    stranger = await rep_account(conn, "rep1@example.com", "horeca", offset=2)
    await small_catalogue(conn)
    closer, farmer = await user_id(conn, "rep2@example.com"), await user_id(conn, "rep3@example.com")
    supervisor = await auth_headers(client, "supervisor@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    rep3 = await auth_headers(client, "rep3@example.com")
    # rep2 (closer) owns a deal on one of rep1's accounts; the other is in rep3's (farmer's) book.
    deal = {"id": str(uuid.uuid4()), "account_id": deal_account["id"], "pipeline": "new-customer", "owner_id": closer}
    assert (await client.post("/api/v1/deals", json=deal, headers=supervisor)).status_code == 201
    await conn.execute("update accounts set account_manager_id = $2 where id = $1", book_account["id"], farmer)

    for headers, account in ((rep2, deal_account), (rep3, book_account)):
        visit = check_in_body(account, NOV_27.astimezone(dt.UTC))
        checked_in = await client.post("/api/v1/visits", json=visit, headers=headers)
        assert checked_in.status_code == 201, checked_in.text
        order = order_body(account["id"], NOV_27 + dt.timedelta(minutes=5), [("W-RED", 6, 0)], visit_id=visit["id"])
        taken = await client.post("/api/v1/orders", json=order, headers=headers)
        assert taken.status_code == 201, taken.text
        assert (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).status_code == 200
        history = await client.get(f"/api/v1/accounts/{account['id']}/sales/history", headers=headers)
        assert history.status_code == 200, history.text

    # An account of rep1's they neither own a deal on nor manage stays out of reach: 404, nothing stored.
    orders_before = await conn.fetchval("select count(*) from orders")
    refused = await client.post(
        "/api/v1/orders", json=order_body(stranger["id"], NOV_27, [("W-RED", 1, 0)]), headers=rep2
    )
    assert refused.status_code == 404 and refused.json()["field"] == "account_id"
    assert await conn.fetchval("select count(*) from orders") == orders_before
    assert (
        await client.post("/api/v1/visits", json=check_in_body(stranger, NOV_27.astimezone(dt.UTC)), headers=rep3)
    ).status_code == 404
