"""Per-account history and suggestions, the ERP export (formulas neutralised) and the signed webhook
delivered with retries to a local receiver."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import io
import json

import asyncpg
import httpx
import msgspec
import pytest
from openpyxl import load_workbook

from backend.app import create_app
from backend.orders import webhooks
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.orders.helpers import order_body, rep_account, small_catalogue
from tests.backend.sales.fixture import Fixture, at, build


@pytest.fixture
async def fixture(client: httpx.AsyncClient, conn: asyncpg.Connection) -> Fixture:
    return await build(client, conn)


async def test_account_history_by_month_and_category(client: httpx.AsyncClient, fixture: Fixture) -> None:
    rep = await auth_headers(client, "rep1@example.com")
    url = f"/api/v1/accounts/{fixture.accounts['A1']}/sales/history"
    history = (await client.get(url, params={"from": "2026-08", "to": "2026-10"}, headers=rep)).json()
    assert [
        (row["month"], row["category"], row["orders"], row["units"], row["amount"]) for row in history["totals"]
    ] == [
        ("2026-08-01", "wine", 1, 6, 60.0),
        ("2026-09-01", "wine", 1, 6, 60.0),
        ("2026-10-01", "beer", 1, 24, 36.0),
        ("2026-10-01", "sparkling", 1, 2, 30.0),
        ("2026-10-01", "wine", 1, 6, 60.0),
    ]
    assert [order["order_day"] for order in history["orders"]] == [
        "2026-10-20",
        "2026-10-05",
        "2026-09-15",
        "2026-08-10",
    ]
    other = await auth_headers(client, "rep2@example.com")
    assert (await client.get(url, headers=other)).status_code == 404


async def test_not_bought_in_90_days_and_cross_sell(client: httpx.AsyncClient, fixture: Fixture) -> None:
    rep = await auth_headers(client, "rep1@example.com")
    base = "/api/v1/accounts/{}/sales/"
    a1, a2, a4 = (fixture.accounts[name] for name in ("A1", "A2", "A4"))
    lapsed = (await client.get(base.format(a2) + "not-bought", params={"day": "2026-12-20"}, headers=rep)).json()
    assert [(item["sku"], item["last_ordered_day"]) for item in lapsed["items"]] == [("W-WHITE", "2026-09-15")]
    recent = (await client.get(base.format(a1) + "not-bought", params={"day": "2026-12-20"}, headers=rep)).json()
    assert recent["items"] == []  # W-RED and SP-BRUT last on 5 October: 76 days
    later = (await client.get(base.format(a1) + "not-bought", params={"day": "2027-01-10"}, headers=rep)).json()
    assert [item["sku"] for item in later["items"]] == ["SP-BRUT", "W-RED"]  # 97 days; B-LAGER 82 days
    # Similar to A4 (HoReCa, class A) and active in the 90 days to 31 October: A1, A2, A3, B1.
    # SP-BRUT (A1, A3) and W-WHITE (A2, A3) by 2 of 4, B-LAGER (A1) by 1; A4 has W-RED already.
    cross = (await client.get(base.format(a4) + "cross-sell", params={"day": "2026-10-31"}, headers=rep)).json()
    assert [
        (item["sku"], item["similar_buyers"], item["similar_accounts"], item["share_pct"]) for item in cross["items"]
    ] == [
        ("SP-BRUT", 2, 4, 50.0),
        ("W-WHITE", 2, 4, 50.0),
        ("B-LAGER", 1, 4, 25.0),
    ]
    strict = await client.get(
        base.format(a4) + "cross-sell", params={"day": "2026-10-31", "min_share_pct": 30}, headers=rep
    )
    assert [item["sku"] for item in strict.json()["items"]] == ["SP-BRUT", "W-WHITE"]


async def test_the_erp_export_never_carries_a_live_formula(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    account = await rep_account(conn, "rep1@example.com", "horeca")
    await small_catalogue(conn)
    rep = await auth_headers(client, "rep1@example.com")
    office = await auth_headers(client, "supervisor@example.com")
    body = order_body(account["id"], at(11, 27), [("W-RED", 6, 0), ("SP-BRUT", 1, 0)], comment='=HYPERLINK("x")')
    assert (await client.post("/api/v1/orders", json=body, headers=rep)).status_code == 201
    assert (await client.get("/api/v1/orders/export", headers=rep)).status_code == 403
    as_json = (await client.get("/api/v1/orders/export", headers=office)).json()
    assert [(line["order_id"], line["sku"], line["amount"]) for line in as_json["lines"]] == [
        (body["id"], "W-RED", 60.0),
        (body["id"], "SP-BRUT", 15.0),
    ]
    as_csv = (await client.get("/api/v1/orders/export", params={"format": "csv"}, headers=office)).content
    rows = list(csv.DictReader(io.StringIO(as_csv.decode("utf-8-sig"))))
    assert [row["comment"] for row in rows] == ['\'=HYPERLINK("x")'] * 2
    as_xlsx = (await client.get("/api/v1/orders/export", params={"format": "xlsx"}, headers=office)).content
    sheet = load_workbook(io.BytesIO(as_xlsx)).active
    assert sheet is not None
    comments = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in comments] == [('=HYPERLINK("x")', "s")] * 2


class Receiver:
    """A local HTTP endpoint (127.0.0.1, no network): answers the queued statuses, records requests."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append((headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/erp/orders"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def test_a_submission_is_announced_by_a_signed_webhook_retried_until_delivered(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    secret = "s3cret-of-16-chars"
    receiver = Receiver([500, 503])
    async with receiver as url:
        configured = msgspec.structs.replace(settings, order_webhook_url=url, order_webhook_secret=secret)
        app = create_app(configured, pool=SingleConnectionSource(conn))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            account = await rep_account(conn, "rep1@example.com", "horeca")
            await small_catalogue(conn)
            rep = await auth_headers(client, "rep1@example.com")
            draft = order_body(account["id"], at(11, 27), [("W-RED", 6, 0)], status="draft")
            await client.post("/api/v1/orders", json=draft, headers=rep)
            assert await conn.fetchval("select count(*) from order_webhooks") == 0  # a draft is not announced
            moved = await client.post(f"/api/v1/orders/{draft['id']}/status", json={"status": "submitted"}, headers=rep)
            assert moved.status_code == 200
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        async with httpx.AsyncClient() as http:
            first = await webhooks.deliver_due(conn, configured, http, now)
            assert (first.delivered, first.retried) == (0, 1)
            # Not due again before its 30 s back-off.
            early = await webhooks.deliver_due(conn, configured, http, now + dt.timedelta(seconds=10))
            assert early == webhooks.DeliveryRun(0, 0, 0)
            second = await webhooks.deliver_due(conn, configured, http, now + dt.timedelta(seconds=31))
            assert second.retried == 1
            third = await webhooks.deliver_due(conn, configured, http, now + dt.timedelta(seconds=31 + 61))
            assert third.delivered == 1
            done = await webhooks.deliver_due(conn, configured, http, now + dt.timedelta(hours=2))
            assert done == webhooks.DeliveryRun(0, 0, 0)
    assert len(receiver.requests) == 3
    headers, body = receiver.requests[-1]
    timestamp = headers["x-fieldsales-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-fieldsales-signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "order.submitted"
    assert payload["order"]["id"] == draft["id"]
    assert payload["order"]["lines"][0]["sku"] == "W-RED"
    row = await conn.fetchrow("select attempts, delivered_at, last_error from order_webhooks")
    assert (row["attempts"], row["last_error"]) == (3, None)


async def test_a_webhook_is_given_up_after_the_last_attempt(settings: Settings, conn: asyncpg.Connection) -> None:
    receiver = Receiver([500, 500, 500])
    async with receiver as url:
        configured = msgspec.structs.replace(
            settings, order_webhook_url=url, order_webhook_secret="x" * 16, order_webhook_max_attempts=2
        )
        app = create_app(configured, pool=SingleConnectionSource(conn))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            account = await rep_account(conn, "rep1@example.com", "horeca")
            await small_catalogue(conn)
            rep = await auth_headers(client, "rep1@example.com")
            await client.post(
                "/api/v1/orders", json=order_body(account["id"], at(11, 27), [("W-RED", 1, 0)]), headers=rep
            )
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        async with httpx.AsyncClient() as http:
            await webhooks.deliver_due(conn, configured, http, now)
            last = await webhooks.deliver_due(conn, configured, http, now + dt.timedelta(minutes=5))
    assert last.failed == 1
    row = await conn.fetchrow("select attempts, failed_at, last_error from order_webhooks")
    assert (row["attempts"], row["last_error"]) == (2, "HTTP 500")
    assert row["failed_at"] is not None
    assert await webhooks.purge(conn, now + dt.timedelta(days=31)) == 1
