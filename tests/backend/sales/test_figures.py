"""Every commercial figure recomputed by hand on the small fixture (tests/backend/sales/fixture.py)
and compared with the API's answers in JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from openpyxl import load_workbook

from backend.app import create_app
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.sales.fixture import Fixture, build

OCT = {"from": "2026-10-01", "to": "2026-10-31"}


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


async def _all_formats(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, str]], list[dict[str, Any]]]:
    """The JSON report and the CSV and XLSX tables; the tables must hold the JSON rows (and total)."""
    body = await client.get(path, params=params, headers=headers)
    assert body.status_code == 200, body.text
    report = body.json()
    tables = []
    for fmt in ("csv", "xlsx"):
        response = await client.get(path, params={**params, "format": fmt}, headers=headers)
        assert response.status_code == 200, response.text
        tables.append(_csv_rows(response.content) if fmt == "csv" else _xlsx_rows(response.content))
    expected = report["rows"] + ([report["total"]] if "total" in report else [])
    csv_rows, xlsx_rows = tables
    assert len(csv_rows) == len(xlsx_rows) == len(expected)
    for want, from_csv, from_xlsx in zip(expected, csv_rows, xlsx_rows, strict=True):
        for key, value in want.items():
            text = "" if value is None else str(value)
            if isinstance(value, float):
                assert float(from_csv[key]) == value, (key, from_csv)
            else:
                assert from_csv[key] == text, (key, from_csv)
            assert from_xlsx[key] == value or (value in (None, "") and from_xlsx[key] in (None, "")), (key, from_xlsx)
    return report, csv_rows, xlsx_rows


@pytest.fixture
async def fixture(client: httpx.AsyncClient, conn: asyncpg.Connection) -> Fixture:
    return await build(client, conn)


async def test_kpis_per_territory_and_total(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fixture: Fixture
) -> None:
    office = await auth_headers(client, "supervisor@example.com")
    report, _, _ = await _all_formats(client, "/api/v1/sales/kpis", {**OCT, "group_by": "territory"}, office)
    rows = {row["key"]: row for row in report["rows"]}
    west, centre = rows[str(fixture.west)], rows[str(fixture.centre)]
    # West in October: A1 90 + 36, A3 90 + 48.60 (10 % off 54), A4 120; R1's draft does not count.
    assert (west["orders"], west["lines"], west["amount"], west["units"], west["akb"]) == (4, 6, 384.6, 56, 3)
    assert west["average_check"] == round(384.6 / 4, 2)
    assert west["order_frequency"] == round(4 / 3, 3)
    assert west["lines_per_order"] == 1.5
    assert west["breadth"] == 2.0  # A1: wine, sparkling, beer; A3: sparkling, wine; A4: wine -> 6 / 3
    assert west["label"] == "Helsinki centre west"
    # Centre: B1's delivered order; B2's cancelled order does not count.
    assert (centre["orders"], centre["amount"], centre["akb"], centre["breadth"]) == (1, 30.0, 1, 1.0)
    total = report["total"]
    assert (total["orders"], total["lines"], total["amount"], total["akb"]) == (5, 7, 414.6, 4)
    active = await conn.fetchval("select count(*) from active_account_ids('2026-10-01', '2026-10-31')")
    assert total["akb"] == active  # the KPIs' active base is the function's
    assert total["average_check"] == 82.92
    assert total["order_frequency"] == 1.25
    assert total["lines_per_order"] == 1.4
    assert total["breadth"] == 1.75


async def test_kpis_per_month_each_with_its_own_active_base(client: httpx.AsyncClient, fixture: Fixture) -> None:
    office = await auth_headers(client, "admin@example.com")
    params = {"from": "2026-08", "to": "2026-10", "group_by": "month"}
    report, _, _ = await _all_formats(client, "/api/v1/sales/kpis", params, office)
    by_month = {row["key"]: (row["orders"], row["amount"], row["akb"]) for row in report["rows"]}
    assert by_month == {
        "2026-08": (3, 60 + 108 + 90.0, 3),
        "2026-09": (3, 60 + 108 + 10.0, 3),
        "2026-10": (5, 414.6, 4),
    }
    # Over the whole quarter the active base counts each account once: A1, A2, A3, A4, B1.
    assert report["total"]["akb"] == 5


async def test_the_fact_setting_delivered_counts_only_delivered_orders(
    settings: Settings, conn: asyncpg.Connection, fixture: Fixture
) -> None:
    delivered = msgspec.structs.replace(settings, sales_fact_from="delivered")
    app = create_app(delivered, pool=SingleConnectionSource(conn))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        office = await auth_headers(client, "admin@example.com")
        total = (await client.get("/api/v1/sales/kpis", params=OCT, headers=office)).json()["total"]
        assert (total["orders"], total["amount"]) == (1, 30.0)


async def test_active_and_potential_base_per_territory(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fixture: Fixture
) -> None:
    office = await auth_headers(client, "supervisor@example.com")
    report, _, _ = await _all_formats(client, "/api/v1/sales/active-base", OCT, office)
    okb = {
        row["territory_id"]: row["n"]
        for row in await conn.fetch(
            "select territory_id, count(*) as n from accounts where status <> 'closed' group by territory_id"
        )
    }
    rows = {row["territory_id"]: row for row in report["rows"]}
    for territory, akb in ((fixture.west, 3), (fixture.centre, 1), (fixture.east, 0)):
        assert rows[territory]["akb"] == akb
        assert rows[territory]["okb"] == okb[territory]
        assert rows[territory]["akb_okb_ratio"] == round(akb / okb[territory], 3)
    assert report["total"]["akb"] == 4
    # A rep sees only their own territories.
    rep = await auth_headers(client, "rep2@example.com")
    mine = (await client.get("/api/v1/sales/active-base", params=OCT, headers=rep)).json()
    assert [row["territory_id"] for row in mine["rows"]] == [fixture.centre]


async def test_churn_with_an_account_that_churns_and_one_that_comes_back(
    client: httpx.AsyncClient, fixture: Fixture
) -> None:
    office = await auth_headers(client, "supervisor@example.com")
    report, _, _ = await _all_formats(client, "/api/v1/sales/churn", OCT, office)
    # The previous period has the same 31 days: 31 August to 30 September.
    assert (report["previous_from"], report["previous_to"]) == ("2026-08-31", "2026-09-30")
    west = next(row for row in report["rows"] if row["territory_id"] == fixture.west)
    # Previous: A1, A2. Now: A1, A3 (back: active in August), A4 (new). A2 churned.
    assert (west["active_previous"], west["active_now"], west["churned"], west["returned"], west["new"]) == (
        2,
        3,
        1,
        1,
        1,
    )
    assert west["churn_pct"] == 50.0
    total = report["total"]
    assert (total["active_previous"], total["churned"], total["churn_pct"]) == (3, 1, 33.3)
    assert [item["account_id"] for item in report["churned_accounts"]] == [fixture.accounts["A2"]]


async def test_plan_vs_fact_in_money_and_units(client: httpx.AsyncClient, fixture: Fixture) -> None:
    office = await auth_headers(client, "supervisor@example.com")
    admin = await auth_headers(client, "admin@example.com")
    plans = {
        "items": [
            {
                "rep_id": fixture.rep1,
                "category": "wine",
                "region": "Helsinki",
                "month": "2026-10",
                "plan_amount": 300,
                "plan_units": 40,
            },
            {
                "rep_id": fixture.rep1,
                "category": "sparkling",
                "region": "Helsinki",
                "month": "2026-10",
                "plan_amount": 100,
                "plan_units": 10,
            },
        ]
    }
    assert (await client.put("/api/v1/sales/plans", json=plans, headers=office)).status_code == 200
    imported = "rep,category,region,month,actual,actual_units\nrep1@example.com,beer,Helsinki,2026-10,64.40,10\n"
    report = await client.post(
        "/api/v1/sales/imports", params={"file_name": "beer.csv"}, content=imported.encode(), headers=admin
    )
    assert report.json()["rows_stored"] == 1, report.text
    params = {"from": "2026-10", "to": "2026-10", "group_by": "category"}
    result, _, _ = await _all_formats(client, "/api/v1/sales/plan-vs-fact", params, office)
    rows = {row["key"]: row for row in result["rows"]}
    # Wine: A1 60 + A3 48.60 + A4 120 (rep1) + B1 30 (rep2) = 258.60; 6 + 6 + 12 + 3 = 27 bottles.
    wine = rows["wine"]
    assert (wine["plan_amount"], wine["fact_amount"], wine["plan_units"], wine["fact_units"]) == (300, 258.6, 40, 27)
    assert (wine["completion_pct"], wine["units_completion_pct"]) == (86.2, 67.5)
    sparkling = rows["sparkling"]  # A1 30 + A3 90; 2 + 6 bottles
    assert (sparkling["fact_amount"], sparkling["completion_pct"], sparkling["units_completion_pct"]) == (
        120.0,
        120.0,
        80.0,
    )
    beer = rows["beer"]  # A1's 24 cans at 1.50 + 64.40 imported; 24 + 10 units; no plan
    assert (beer["order_amount"], beer["imported_amount"], beer["fact_amount"], beer["fact_units"]) == (
        36.0,
        64.4,
        100.4,
        34,
    )
    assert beer["completion_pct"] is None
    by_quarter = (
        await client.get("/api/v1/sales/plan-vs-fact", params={**params, "group_by": "quarter"}, headers=office)
    ).json()
    assert [
        (row["key"], row["plan_amount"], row["fact_amount"], row["completion_pct"]) for row in by_quarter["rows"]
    ] == [("2026-Q4", 400.0, 479.0, 119.8)]
    by_rep = (
        await client.get("/api/v1/sales/plan-vs-fact", params={**params, "group_by": "rep"}, headers=office)
    ).json()
    assert {row["key"]: row["fact_amount"] for row in by_rep["rows"]} == {
        str(fixture.rep1): 384.6 + 64.4,
        str(fixture.rep2): 30.0,
    }
    bad = await client.put(
        "/api/v1/sales/plans",
        json={"items": [{**plans["items"][0], "month": "October"}]},
        headers=office,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "items[0].month"


async def test_seasonality_over_orders_and_imported_actuals(client: httpx.AsyncClient, fixture: Fixture) -> None:
    admin = await auth_headers(client, "admin@example.com")
    history = (
        "rep,category,region,month,actual\n"
        "rep1@example.com,wine,Helsinki,2024-12,300\n"
        "rep1@example.com,wine,Helsinki,2025-12,200\n"
        "rep1@example.com,wine,Helsinki,2026-11,100\n"
    )
    await client.post("/api/v1/sales/imports", params={"file_name": "h.csv"}, content=history.encode(), headers=admin)
    report, _, _ = await _all_formats(client, "/api/v1/sales/seasonality", {"from": "2026-12", "to": "2026-12"}, admin)
    wine = next(row for row in report["rows"] if row["category"] == "wine")
    # Sep: A1 60 + A2 108 + B1 10 = 178; Oct: 258.60 (orders); Nov: 100 (imported).
    assert wine["coefficient"] == round((300 + 200) / 2 / ((178 + 258.6 + 100) / 3), 3)
    assert wine["years_used"] == 2
    sparkling = next(row for row in report["rows"] if row["category"] == "sparkling")
    assert sparkling["coefficient"] is None and sparkling["reason"]
