"""Admins enter what each lead source cost per month; the sources report shares it out."""

from __future__ import annotations

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.pipeline_reports.fixture import build

API = "/api/v1/reports/pipeline"


async def test_an_admin_enters_costs_and_the_sources_report_uses_them(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await build(conn)  # October: field 400, web_form 300, telemarketing 200
    admin = await auth_headers(client, "admin@example.com")
    body = {
        "items": [
            {"source": "field", "month": "2026-10", "amount": 800},  # replaces 400
            {"source": "import", "month": "2026-10", "amount": 50.456},
        ]
    }
    stored = await client.put(f"{API}/source-costs", json=body, headers=admin)
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"stored": 2}
    listed = await client.get(f"{API}/source-costs", params={"from": "2026-10"}, headers=admin)
    assert listed.status_code == 200
    assert [(r["source"], r["month"], r["amount"]) for r in listed.json()["rows"]] == [
        ("field", "2026-10-01", 800.0),
        ("import", "2026-10-01", 50.46),  # money: 2 decimals
        ("telemarketing", "2026-10-01", 200.0),
        ("web_form", "2026-10-01", 300.0),
    ]
    report = await client.get(f"{API}/sources", params={"from": "2026-10-01", "to": "2026-10-31"}, headers=admin)
    rows = {row["source"]: row for row in report.json()["rows"]}
    # field: 800 over its 4 leads = 200 a lead; import has no lead: its whole cost, none per lead.
    assert (rows["field"]["cost"], rows["field"]["cost_per_lead"]) == (800.0, 200.0)
    assert (rows["import"]["cost"], rows["import"]["cost_per_lead"]) == (50.46, None)
    as_csv = await client.get(f"{API}/source-costs", params={"from": "2026-10", "format": "csv"}, headers=admin)
    assert as_csv.status_code == 200 and as_csv.text.splitlines()[0].endswith("source,month,amount")


async def test_a_bad_item_stores_nothing_and_names_its_field(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    before = await conn.fetchval("select count(*) from lead_source_costs")
    for item, field in [
        ({"source": "billboard", "month": "2026-10", "amount": 1}, "items[1].source"),
        ({"source": "field", "month": "October", "amount": 1}, "items[1].month"),
        ({"source": "field", "month": "2026-10", "amount": -5}, "items[1].amount"),
    ]:
        body = {"items": [{"source": "web_form", "month": "2026-11", "amount": 10}, item]}
        response = await client.put(f"{API}/source-costs", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
    assert await conn.fetchval("select count(*) from lead_source_costs") == before
    listed = await client.get(f"{API}/source-costs", params={"from": "2026-11", "to": "2026-10"}, headers=admin)
    assert listed.status_code == 422 and listed.json()["field"] == "to"


async def test_only_admins_enter_costs_and_reps_do_not_read_them(client: httpx.AsyncClient) -> None:
    body = {"items": [{"source": "field", "month": "2026-10", "amount": 1}]}
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.put(f"{API}/source-costs", json=body, headers=supervisor)).status_code == 403
    assert (await client.get(f"{API}/source-costs", params={"from": "2026-10"}, headers=supervisor)).status_code == 200
    rep = await auth_headers(client, "rep1@example.com")
    assert (await client.get(f"{API}/source-costs", params={"from": "2026-10"}, headers=rep)).status_code == 403
