"""Orders through the API: offline (late, twice, out of order), pricing, idempotency, bad input, statuses."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.orders.helpers import order_body, rep_account, small_catalogue
from tests.backend.visits.helpers import check_in_body

HEL = ZoneInfo("Europe/Helsinki")
NOV_27 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=HEL)
NOV_28 = dt.datetime(2026, 11, 28, 11, 0, tzinfo=HEL)


async def _count(conn: asyncpg.Connection, table: str) -> int:
    return int(await conn.fetchval(f"select count(*) from {table}"))


async def test_an_order_taken_offline_in_a_visit_sent_late_twice_and_out_of_order_is_one_order_at_that_days_prices(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await rep_account(conn, "rep1@example.com", "horeca")
    other = await rep_account(conn, "rep1@example.com", "horeca", offset=1)
    await small_catalogue(conn, own_list_account=account["id"])
    headers = await auth_headers(client, "rep1@example.com")
    visit = check_in_body(account, NOV_27.astimezone(dt.UTC))
    assert (await client.post("/api/v1/visits", json=visit, headers=headers)).status_code == 201
    # Taken on 27 November in the visit; the next day's order at another account; both sent in
    # December (after the HoReCa prices changed), the later one first, the first one twice.
    first = order_body(
        account["id"],
        NOV_27,
        [("W-RED", 6, 0), ("W-WHITE", 12, 5)],
        visit_id=visit["id"],
        delivery_day="2026-11-30",
        comment="deliver before noon",
        sent_at="2026-12-03T08:00:00+02:00",
    )
    second = order_body(other["id"], NOV_28, [("W-RED", 2, 0)], sent_at="2026-12-03T08:00:05+02:00")
    assert (await client.post("/api/v1/orders", json=second, headers=headers)).status_code == 201
    created = await client.post("/api/v1/orders", json=first, headers=headers)
    assert created.status_code == 201, created.text
    again = await client.post("/api/v1/orders", json={**first, "sent_at": "2026-12-03T09:30:00+02:00"}, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == created.json()

    assert await conn.fetchval("select count(*) from orders where id = $1", uuid.UUID(first["id"])) == 1
    order = created.json()
    assert order["order_day"] == "2026-11-27"
    assert order["visit_id"] == visit["id"]
    assert order["status"] == "submitted"
    lines = {line["sku"]: line for line in order["lines"]}
    # W-RED from the account's own list (9.00), W-WHITE from the channel list valid on 27 Nov (9.00, not 9.50).
    own_list = await conn.fetchval("select id from price_lists where code = 'OWN'")
    nov_list = await conn.fetchval("select id from price_lists where code = 'H-NOV'")
    assert (lines["W-RED"]["list_price"], lines["W-RED"]["price_list_id"], lines["W-RED"]["amount"]) == (
        9.0,
        own_list,
        54.0,
    )
    assert (lines["W-WHITE"]["list_price"], lines["W-WHITE"]["price_list_id"]) == (9.0, nov_list)
    assert lines["W-WHITE"]["amount"] == round(12 * 9.0 * 0.95, 2)
    assert order["total_amount"] == 54.0 + 102.6
    assert order["total_units"] == 18
    # The other account has no own list: the channel's November price.
    other_order = (await client.get(f"/api/v1/orders/{second['id']}", headers=headers)).json()
    assert other_order["lines"][0]["list_price"] == 10.0
    assert [change["to_status"] for change in order["history"]] == ["submitted"]


async def test_same_id_with_another_body_is_409_and_changes_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await rep_account(conn, "rep1@example.com", "horeca")
    await small_catalogue(conn)
    headers = await auth_headers(client, "rep1@example.com")
    body = order_body(account["id"], NOV_27, [("W-RED", 6, 0)])
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201
    changed = {**body, "lines": [{"sku": "W-RED", "quantity": 7, "discount_pct": 0}]}
    response = await client.post("/api/v1/orders", json=changed, headers=headers)
    assert response.status_code == 409
    assert response.json()["field"] == "id"
    assert (
        await conn.fetchval("select quantity::float8 from order_lines where order_id = $1", uuid.UUID(body["id"])) == 6
    )


async def test_a_discount_beyond_the_limit_is_422_naming_the_line_and_writes_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await rep_account(conn, "rep1@example.com", "horeca")
    await small_catalogue(conn)
    headers = await auth_headers(client, "rep1@example.com")
    body = order_body(account["id"], NOV_27, [("W-RED", 6, 0), ("W-WHITE", 1, 15), ("SP-BRUT", 2, 15.5)])
    response = await client.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "lines[2].discount_pct"
    assert await _count(conn, "orders") == 0
    # Corrected, the phone may resend under the same id.
    body["lines"][2]["discount_pct"] = 10
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201


async def test_bad_lines_are_422_naming_the_field(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    horeca = await rep_account(conn, "rep1@example.com", "horeca")
    retail = await rep_account(conn, "rep1@example.com", "retail")
    await small_catalogue(conn)
    headers = await auth_headers(client, "rep1@example.com")
    cases = [
        (horeca, [("NO-SUCH", 1, 0)], "lines[0].sku"),
        (horeca, [("W-RED", 1, 0), ("RIVAL-RED", 1, 0)], "lines[1].sku"),  # a competitor's: on no list
        (retail, [("B-KEG", 10, 0)], "lines[0].sku"),  # not on the retail list
        (horeca, [("W-RED", -2, 0)], "lines[0].quantity"),
        (horeca, [("W-RED", 0, 0)], "lines[0].quantity"),
        (horeca, [("W-WHITE", 1, 0), ("W-RED", 1.5, 0)], "lines[1].quantity"),  # bottles are whole
        (horeca, [("W-RED", 1, -1)], "lines[0].discount_pct"),
        (horeca, [("W-RED", 1, 0), ("W-RED", 2, 0)], "lines[1].sku"),
    ]
    for account, lines, field in cases:
        response = await client.post("/api/v1/orders", json=order_body(account["id"], NOV_27, lines), headers=headers)
        assert response.status_code == 422, (lines, response.text)
        assert response.json()["field"] == field, (lines, response.json())
    # Litres may be fractional.
    ok = await client.post(
        "/api/v1/orders", json=order_body(horeca["id"], NOV_27, [("B-KEG", 12.5, 0)]), headers=headers
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["total_amount"] == 50.0
    assert await _count(conn, "orders") == 1


async def test_an_order_for_an_account_out_of_scope_is_404_and_unknown_fields_are_refused(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    foreign = await rep_account(conn, "rep2@example.com", "horeca")
    await small_catalogue(conn)
    headers = await auth_headers(client, "rep1@example.com")
    response = await client.post(
        "/api/v1/orders", json=order_body(foreign["id"], NOV_27, [("W-RED", 1, 0)]), headers=headers
    )
    assert response.status_code == 404
    assert response.json()["field"] == "account_id"
    extra = order_body(foreign["id"], NOV_27, [("W-RED", 1, 0)], price=1)
    assert (await client.post("/api/v1/orders", json=extra, headers=headers)).status_code == 422
    assert await _count(conn, "orders") == 0


async def test_statuses_move_by_role_and_every_change_is_kept(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await rep_account(conn, "rep1@example.com", "horeca")
    await small_catalogue(conn)
    rep = await auth_headers(client, "rep1@example.com")
    office = await auth_headers(client, "supervisor@example.com")
    erp = await auth_headers(client, "admin@example.com")
    body = order_body(account["id"], NOV_27, [("W-RED", 6, 0)], status="draft")
    order_id = (await client.post("/api/v1/orders", json=body, headers=rep)).json()["id"]
    url = f"/api/v1/orders/{order_id}/status"
    assert (await client.post(url, json={"status": "submitted"}, headers=rep)).status_code == 200
    refused = await client.post(url, json={"status": "confirmed"}, headers=rep)
    assert refused.status_code == 409 and refused.json()["field"] == "status"
    assert (await client.post(url, json={"status": "confirmed", "note": "stock ok"}, headers=office)).status_code == 200
    assert (await client.post(url, json={"status": "delivered"}, headers=erp)).status_code == 200
    assert (await client.post(url, json={"status": "delivered"}, headers=erp)).status_code == 200  # a retry
    assert (await client.post(url, json={"status": "draft"}, headers=erp)).status_code == 409
    order = (await client.get(f"/api/v1/orders/{order_id}", headers=office)).json()
    assert order["status"] == "delivered"
    ids = {
        email: await conn.fetchval("select id from users where email = $1", email)
        for email in ("rep1@example.com", "supervisor@example.com", "admin@example.com")
    }
    assert [(change["from_status"], change["to_status"], change["changed_by"]) for change in order["history"]] == [
        (None, "draft", ids["rep1@example.com"]),
        ("draft", "submitted", ids["rep1@example.com"]),
        ("submitted", "confirmed", ids["supervisor@example.com"]),
        ("confirmed", "delivered", ids["admin@example.com"]),
    ]
    assert order["history"][2]["note"] == "stock ok"
    assert (
        await conn.fetchval("select distinct status from order_lines where order_id = $1", uuid.UUID(order_id))
        == "delivered"
    )
    listed = await client.get("/api/v1/orders", params={"status": "delivered"}, headers=rep)
    assert [item["id"] for item in listed.json()["items"]] == [order_id]
    assert (await client.get("/api/v1/orders", params={"status": "draft"}, headers=rep)).json()["items"] == []
    # Another rep does not see it.
    other = await auth_headers(client, "rep2@example.com")
    assert (await client.get(f"/api/v1/orders/{order_id}", headers=other)).status_code == 404
