"""Checklist items bound to the catalogue aggregate into the shelf report (recomputed by hand)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.orders.helpers import rep_account, small_catalogue
from tests.backend.visits.helpers import check_in_body

ITEMS: list[dict[str, Any]] = [
    {"key": "red", "label": "Castello Rosso on the shelf", "type": "yes_no", "sku": "W-RED"},
    {"key": "brut", "label": "Brillante Brut on the shelf", "type": "yes_no", "sku": "SP-BRUT"},
    {"key": "rival", "label": "Rival Red on the shelf", "type": "yes_no", "sku": "RIVAL-RED"},
    {"key": "red_facings", "label": "Castello Rosso facings", "type": "count", "sku": "W-RED"},
    {"key": "red_price", "label": "Castello Rosso shelf price", "type": "price", "sku": "W-RED"},
    {"key": "own_share", "label": "Castello share of shelf", "type": "share_of_shelf", "brand": "Castello"},
    {"key": "rival_share", "label": "Rival share of shelf", "type": "share_of_shelf", "brand": "Rival"},
    {"key": "rival_list", "label": "Rival on the wine list", "type": "menu_listing", "brand": "Rival"},
    {"key": "own_list", "label": "Castello on the wine list", "type": "menu_listing", "brand": "Castello"},
]
# red, brut, rival, facings, price, own share, rival share, rival listed, own listed
ANSWERS = {
    "A1": (True, False, True, 4, 12.5, 40, 30, True, True),
    "A2": (False, True, False, 0, None, 20, 50, False, True),
    "B1": (True, True, True, 6, 11.0, 60, 10, True, False),
}


async def test_shelf_report_by_territory_and_brand(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    await small_catalogue(conn)
    admin = await auth_headers(client, "admin@example.com")
    bad = await client.post(
        "/api/v1/checklist-templates",
        json={"code": "shelf", "name": "Shelf", "items": [{**ITEMS[0], "sku": "NOPE"}]},
        headers=admin,
    )
    assert bad.status_code == 422, bad.text
    template = await client.post(
        "/api/v1/checklist-templates",
        json={"code": "shelf", "name": "Shelf", "items": ITEMS, "channels": ["horeca"]},
        headers=admin,
    )
    assert template.status_code == 201, template.text
    template_id = template.json()["id"]
    must = {"channel": "horeca", "account_class": "A", "skus": ["W-RED"]}
    assert (await client.put("/api/v1/catalogue/must-stock", json=must, headers=admin)).status_code == 200
    accounts = {
        "A1": await rep_account(conn, "rep1@example.com", "horeca", 0),
        "A2": await rep_account(conn, "rep1@example.com", "horeca", 1),
        "B1": await rep_account(conn, "rep2@example.com", "horeca", 0),
    }
    await conn.execute(
        "update accounts set account_class = 'A' where id = any($1::bigint[])",
        [account["id"] for account in accounts.values()],
    )
    day = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    for name, account in accounts.items():
        headers = await auth_headers(client, "rep1@example.com" if name != "B1" else "rep2@example.com")
        visit = check_in_body(account, day)
        assert (await client.post("/api/v1/visits", json=visit, headers=headers)).status_code == 201
        answers = [
            {"item": item["key"], "value": value}
            for item, value in zip(ITEMS, ANSWERS[name], strict=True)
            if value is not None
        ]
        saved = await client.put(
            f"/api/v1/visits/{visit['id']}/checklist",
            json={"template_id": template_id, "answers": answers},
            headers=headers,
        )
        assert saved.status_code in (200, 201), saved.text
    office = await auth_headers(client, "supervisor@example.com")
    params = {"from": "2026-11-23", "to": "2026-11-23"}
    by_territory = (await client.get("/api/v1/sales/shelf", params=params, headers=office)).json()
    west = next(row for row in by_territory["rows"] if row["label"] == "Helsinki centre west")
    # West: A1 and A2. Own presence checks: red and brut twice each -> 4, out of stock: A1 brut, A2 red.
    assert (west["visits"], west["presence_checks"], west["out_of_stock"], west["out_of_stock_pct"]) == (2, 4, 2, 50.0)
    # Must-stock (W-RED for HoReCa A): present at A1, not at A2.
    assert (west["must_stock_checks"], west["must_stock_present"], west["must_stock_compliance_pct"]) == (2, 1, 50.0)
    # Competitor: rival on the shelf (A1 yes, A2 no) and on the wine list (A1 yes, A2 no): 2 of 4.
    assert (west["competitor_checks"], west["competitor_present"], west["competitor_presence_pct"]) == (4, 2, 50.0)
    assert (west["listing_checks"], west["listed"], west["listed_pct"]) == (2, 2, 100.0)
    assert west["own_facings"] == 4
    assert (west["own_share_pct"], west["competitor_share_pct"]) == (30.0, 40.0)
    by_brand = (await client.get("/api/v1/sales/shelf", params={**params, "group_by": "brand"}, headers=office)).json()
    brands = {row["key"]: row for row in by_brand["rows"]}
    # Rival over the three visits: shelf yes, no, yes; list yes, no, yes -> 4 of 6; share 30, 50, 10.
    assert (brands["Rival"]["competitor_present"], brands["Rival"]["competitor_checks"]) == (4, 6)
    assert brands["Rival"]["competitor_share_pct"] == 30.0
    assert brands["Castello"]["own_share_pct"] == 40.0
    assert brands["Brillante"]["out_of_stock"] == 1
    csv_rows = (
        (
            await client.get(
                "/api/v1/sales/shelf", params={**params, "group_by": "brand", "format": "csv"}, headers=office
            )
        )
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert len(csv_rows) == 1 + len(by_brand["rows"])
