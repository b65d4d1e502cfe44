"""The catalogue through the API: admin writes, everyone reads, overlapping price lists refused,
file imports with a row-level report (formulas rejected, never stored), the rep's offline bundle."""

from __future__ import annotations

import datetime as dt
import io

import asyncpg
import httpx
from openpyxl import Workbook

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.orders.helpers import rep_account, small_catalogue

PRODUCT = {"sku": "X-1", "name": "Test Gin 0.7", "brand": "Juniper", "category": "Spirits/Gin", "unit": "bottle"}


async def test_admin_writes_products_and_everyone_reads(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    admin = await auth_headers(client, "admin@example.com")
    rep = await auth_headers(client, "rep1@example.com")
    assert (await client.put("/api/v1/catalogue/products", json=PRODUCT, headers=rep)).status_code == 403
    saved = await client.put("/api/v1/catalogue/products", json=PRODUCT, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["category_path"] == "spirits/gin"
    assert saved.json()["root_category"] == "spirits"
    listed = await client.get("/api/v1/catalogue/products", headers=rep)
    assert [item["sku"] for item in listed.json()["items"]] == ["X-1"]
    bad = await client.put("/api/v1/catalogue/products", json={**PRODUCT, "unit": "barrel"}, headers=admin)
    assert bad.status_code in {400, 422}


async def test_a_price_list_overlapping_another_of_the_same_channel_is_refused_whole(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await small_catalogue(conn)
    admin = await auth_headers(client, "admin@example.com")
    body = {
        "code": "H-SUMMER",
        "name": "Terraces",
        "channel": "horeca",
        "valid_from": "2026-06-01",
        "valid_to": "2026-12-15",
        "items": [{"sku": "W-RED", "price": 9.9}],
    }
    overlap = await client.post("/api/v1/catalogue/price-lists", json=body, headers=admin)
    assert overlap.status_code == 409
    assert overlap.json()["field"] == "valid_from"
    assert "H-NOV" in overlap.json()["detail"] and "H-DEC" in overlap.json()["detail"]
    unknown = {
        **body,
        "code": "R-2027",
        "channel": "retail",
        "valid_from": "2027-01-01",
        "valid_to": None,
        "items": [{"sku": "W-RED", "price": 8}, {"sku": "NOPE", "price": 1}],
    }
    bad = await client.post("/api/v1/catalogue/price-lists", json=unknown, headers=admin)
    assert bad.status_code == 409  # the retail list of 2026 is open-ended
    closed = {**unknown, "channel": "other"}
    bad = await client.post("/api/v1/catalogue/price-lists", json=closed, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "items[1].sku"
    assert await conn.fetchval("select count(*) from price_lists where code in ('H-SUMMER', 'R-2027')") == 0
    ok = await client.post(
        "/api/v1/catalogue/price-lists", json={**closed, "items": closed["items"][:1]}, headers=admin
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["items"] == [{"sku": "W-RED", "product_id": ok.json()["items"][0]["product_id"], "price": 8.0}]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_a_catalogue_file_with_a_formula_is_reported_by_row_and_the_formula_never_stored(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    data = _xlsx(
        [
            ["SKU", "Name", "Brand", "Brand type", "Category", "Unit", "Pack size", "EAN", "Volume", "Alcohol"],
            ["G-1", "Dry Gin 0.7", "Juniper", "own", "Spirits/Gin", "bottle", 6, "6412345678901", 0.7, "yes"],
            ["G-2", '=HYPERLINK("http://x","Gin")', "Juniper", "own", "Spirits/Gin", "bottle", 6, None, 0.7, "yes"],
            ["G-3", "Pink Gin", "Juniper", "own", "Spirits/Gin", "barrel", 6, None, 0.7, "yes"],
            ["C-1", "Rival Gin", "Rival", "competitor", "Spirits/Gin", "bottle", "=2*3", None, 0.7, "yes"],
            ["T-1", "Tonic", "Fizz", "own", "Soft drinks/Mixers", "can", 24, "12", 0.2, "no"],
        ]
    )
    response = await client.post(
        "/api/v1/catalogue/imports",
        params={"kind": "products", "file_name": "products.xlsx"},
        content=data,
        headers=admin,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows_read"], report["rows_stored"]) == (5, 1)
    assert [(item["row_number"], item["field"]) for item in report["rejected"]] == [
        (3, "Name"),
        (4, "unit"),
        (5, "Pack size"),
        (6, "ean"),
    ]
    assert "formula" in report["rejected"][0]["reason"]
    stored = await conn.fetch("select sku, name from products order by sku")
    assert [tuple(row) for row in stored] == [("G-1", "Dry Gin 0.7")]
    csv_data = "sku;name;brand;category;unit\nG-9;=1+1;Juniper;Spirits;bottle\nG-8;@SUM(A1);J;Spirits;bottle\n"
    csv_response = await client.post(
        "/api/v1/catalogue/imports",
        params={"kind": "products", "file_name": "p.csv"},
        content=csv_data.encode(),
        headers=admin,
    )
    assert [item["row_number"] for item in csv_response.json()["rejected"]] == [2, 3]
    assert await conn.fetchval("select count(*) from products where name like '=%' or name like '@%'") == 0


async def test_price_and_must_stock_files(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    await small_catalogue(conn)
    admin = await auth_headers(client, "admin@example.com")
    prices = "price_list,sku,price\nR-2026,W-RED,8.50\nR-2026,NOPE,1\nNOPE,W-RED,1\nR-2026,SP-BRUT,-3\n"
    report = (
        await client.post(
            "/api/v1/catalogue/imports",
            params={"kind": "prices", "file_name": "p.csv"},
            content=prices.encode(),
            headers=admin,
        )
    ).json()
    assert report["rows_stored"] == 1
    assert [(item["row_number"], item["field"]) for item in report["rejected"]] == [
        (3, "sku"),
        (4, "price_list"),
        (5, "price"),
    ]
    price = await conn.fetchval(
        "select i.price::float8 from price_list_items i join price_lists l on l.id = i.price_list_id "
        "join products p on p.id = i.product_id where l.code = 'R-2026' and p.sku = 'W-RED'"
    )
    assert price == 8.5
    must = "channel,class,sku\nhoreca,A,W-RED\nhoreca,A,SP-BRUT\nbar,A,W-RED\n"
    report = (
        await client.post(
            "/api/v1/catalogue/imports",
            params={"kind": "must_stock", "file_name": "m.csv"},
            content=must.encode(),
            headers=admin,
        )
    ).json()
    assert report["rows_stored"] == 2 and report["rejected"][0]["field"] == "channel"
    listed = (await client.get("/api/v1/catalogue/must-stock", params={"channel": "horeca"}, headers=admin)).json()
    assert [(item["account_class"], item["sku"]) for item in listed["items"]] == [("A", "SP-BRUT"), ("A", "W-RED")]


async def test_the_reps_bundle_has_the_catalogue_and_only_the_prices_of_their_accounts(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    mine = await rep_account(conn, "rep1@example.com", "horeca")
    theirs = await rep_account(conn, "rep2@example.com", "horeca")
    await small_catalogue(conn, own_list_account=theirs["id"])
    headers = await auth_headers(client, "rep1@example.com")
    bundle = (await client.get("/api/v1/me/catalogue", headers=headers)).json()
    assert {item["sku"] for item in bundle["products"]} >= {"W-RED", "RIVAL-RED"}
    codes = {item["code"] for item in bundle["price_lists"]}
    assert "OWN" not in codes  # another rep's account's agreed prices
    assert {"H-DEC", "R-2026"} <= codes
    assert mine["id"] != theirs["id"]
    assert bundle["prices"]
    other = await auth_headers(client, "rep2@example.com")
    theirs_bundle = (await client.get("/api/v1/me/catalogue", headers=other)).json()
    assert "OWN" in {item["code"] for item in theirs_bundle["price_lists"]}


async def test_the_reps_bundle_takes_today_from_the_business_clock(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    """On a simulated 15 November 2026 the phone gets the autumn HoReCa list (valid to 30 November)
    with its prices, whatever the wall clock says (the simulator drives business time)."""
    await small_catalogue(conn)
    clock = SimulatedClock(dt.datetime(2026, 11, 15, 10, 0, tzinfo=dt.UTC))
    app = create_app(settings, pool=SingleConnectionSource(conn), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        headers = await auth_headers(client, "rep1@example.com")
        bundle = (await client.get("/api/v1/me/catalogue", headers=headers)).json()
        lists = {item["code"]: item["id"] for item in bundle["price_lists"]}
        assert {"H-NOV", "H-DEC", "R-2026"} <= set(lists), lists
        autumn = {item["product_id"] for item in bundle["prices"] if item["price_list_id"] == lists["H-NOV"]}
        assert len(autumn) == 5
        # A month on, the autumn list has ended: the phone no longer carries it.
        clock.advance(dt.timedelta(days=31))
        later = (await client.get("/api/v1/me/catalogue", headers=headers)).json()
        assert "H-NOV" not in {item["code"] for item in later["price_lists"]}


async def test_a_farmer_carries_the_agreed_prices_of_a_book_account_outside_their_territories(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """The phone's prices follow the accounts its rep works (visible_account_ids: territories, book,
    deals), as orders do: rep3 manages one of rep1's accounts, so rep3's bundle has its own list."""
    booked = await rep_account(conn, "rep1@example.com", "horeca")
    await small_catalogue(conn, own_list_account=booked["id"])
    farmer = await conn.fetchval("select id from users where email = 'rep3@example.com'")
    rep3 = await auth_headers(client, "rep3@example.com")
    before = (await client.get("/api/v1/me/catalogue", headers=rep3)).json()
    assert "OWN" not in {item["code"] for item in before["price_lists"]}
    await conn.execute("update accounts set account_manager_id = $2 where id = $1", booked["id"], farmer)
    after = (await client.get("/api/v1/me/catalogue", headers=rep3)).json()
    own = [item for item in after["price_lists"] if item["code"] == "OWN"]
    assert len(own) == 1 and own[0]["account_id"] == booked["id"]
    assert any(price["price_list_id"] == own[0]["id"] for price in after["prices"])
    assert (await client.get(f"/api/v1/catalogue/price-lists/{own[0]['id']}", headers=rep3)).status_code == 200
    listed = (await client.get("/api/v1/catalogue/price-lists", headers=rep3)).json()
    assert own[0]["id"] in {item["id"] for item in listed["items"]}
