"""Checklist templates and a visit's answers through the API."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, rep_accounts

STORE_CHECK: dict[str, Any] = {
    "code": "store-check",
    "name": "Store check",
    "items": [
        {
            "key": "brand_a_listed",
            "label": "Brand A on shelf",
            "type": "yes_no",
            "required": True,
            "scoring": {"kind": "must_stock", "weight": 2},
        },
        {
            "key": "share",
            "label": "Share of shelf %",
            "type": "share_of_shelf",
            "scoring": {"kind": "share_of_shelf", "weight": 1, "target": 40},
        },
        {
            "key": "price_a",
            "label": "Price of A",
            "type": "price",
            "scoring": {"kind": "price", "weight": 1, "target": 2.49},
        },
        {"key": "shelf_photo", "label": "Shelf photo", "type": "photo", "required": True, "min_photos": 1},
    ],
}


async def create_template(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    admin = await auth_headers(client, "admin@example.com")
    response = await client.post("/api/v1/checklist-templates", json=body or STORE_CHECK, headers=admin)
    assert response.status_code == 201, response.text
    template: dict[str, Any] = response.json()
    return template


def good_answers(template_id: int, photo_id: str | None = None) -> dict[str, Any]:
    return {
        "template_id": template_id,
        "answered_at": DAY.replace(hour=9, minute=10).isoformat(),
        "answers": [
            {"item": "brand_a_listed", "value": True},
            {"item": "share", "value": 20},
            {"item": "price_a", "value": 2.49},
            {"item": "shelf_photo", "photo_ids": [photo_id or str(uuid.uuid4())]},
        ],
    }


async def _visit(client: httpx.AsyncClient, conn: asyncpg.Connection, email: str) -> tuple[str, dict[str, str]]:
    headers = await auth_headers(client, email)
    account = (await rep_accounts(conn, email))[0]
    body = check_in_body(account, DAY.replace(hour=9))
    assert (await client.post("/api/v1/visits", json=body, headers=headers)).status_code == 201
    return str(body["id"]), headers


async def test_templates_are_versioned_and_admin_only(client: httpx.AsyncClient) -> None:
    first = await create_template(client)
    second = await create_template(client, {**STORE_CHECK, "name": "Store check v2"})
    assert (first["version"], second["version"]) == (1, 2) and first["id"] != second["id"]
    rep = await auth_headers(client, "rep1@example.com")
    listed = await client.get("/api/v1/checklist-templates", headers=rep)
    versions = {item["code"]: item["version"] for item in listed.json()["items"]}
    assert versions["store-check"] == 2
    old = await client.get(f"/api/v1/checklist-templates/{first['id']}", headers=rep)
    assert old.json()["name"] == "Store check"
    refused = await client.post("/api/v1/checklist-templates", json=STORE_CHECK, headers=rep)
    assert refused.status_code == 403


async def test_an_invalid_template_names_each_bad_item(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    admin = await auth_headers(client, "admin@example.com")
    bad = {
        "code": "broken",
        "name": "Broken",
        "items": [
            {"key": "pick", "label": "Pick", "type": "single_choice"},
            {"key": "later", "label": "Later", "type": "text", "show_if": {"item": "nowhere", "equals": True}},
        ],
    }
    response = await client.post("/api/v1/checklist-templates", json=bad, headers=admin)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["items.pick", "items.later"]
    assert await conn.fetchval("select count(*) from checklist_templates where code = 'broken'") == 0


async def test_a_checklist_missing_a_required_photo_is_refused_naming_the_item(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    template = await create_template(client)
    visit_id, headers = await _visit(client, conn, "rep1@example.com")
    body = good_answers(template["id"])
    body["answers"] = [answer for answer in body["answers"] if answer["item"] != "shelf_photo"]
    body["answers"].append({"item": "share", "value": 130})
    response = await client.put(f"/api/v1/visits/{visit_id}/checklist", json=body, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in problem["errors"]] == ["answers.share", "answers.shelf_photo"]
    assert "photo" in problem["errors"][1]["message"]
    assert "answers.shelf_photo" in problem["detail"]
    assert await conn.fetchval("select count(*) from visit_checklists") == 0
    assert await conn.fetchval("select count(*) from idempotency_keys where scope = 'visit.checklist'") == 0


async def test_answers_are_scored_stored_once_and_replayed(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    template = await create_template(client)
    visit_id, headers = await _visit(client, conn, "rep2@example.com")
    shown = await client.get(f"/api/v1/visits/{visit_id}/checklist", headers=headers)
    assert template["id"] in [item["id"] for item in shown.json()["templates"]]
    body = good_answers(template["id"])
    first = await client.put(f"/api/v1/visits/{visit_id}/checklist", json=body, headers=headers)
    assert first.status_code == 200, first.text
    # must_stock 2 x 1 + share 1 x 20/40 + price 1 x 1 = 3.5 of 4
    assert first.json()["score_pct"] == 87.5
    assert first.json()["template_version"] == 1
    again = await client.put(f"/api/v1/visits/{visit_id}/checklist", json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    changed = {**body, "answers": [*body["answers"][:1], {"item": "share", "value": 40}, *body["answers"][2:]]}
    conflict = await client.put(f"/api/v1/visits/{visit_id}/checklist", json=changed, headers=headers)
    assert conflict.status_code == 409
    assert await conn.fetchval("select count(*) from visit_checklists where visit_id = $1", uuid.UUID(visit_id)) == 1
    assert await conn.fetchval("select score_pct::float8 from visit_checklists") == 87.5
    stored = await client.get(f"/api/v1/visits/{visit_id}/checklist", headers=headers)
    assert stored.json()["results"][0]["score_pct"] == 87.5


async def test_template_assignment_and_scope(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    visit_id, headers = await _visit(client, conn, "rep3@example.com")
    elsewhere = await create_template(client, {**STORE_CHECK, "code": "one-shop", "account_ids": [999_999]})
    not_here = await client.put(
        f"/api/v1/visits/{visit_id}/checklist", json=good_answers(elsewhere["id"]), headers=headers
    )
    assert not_here.status_code == 422 and not_here.json()["field"] == "template_id"
    shown = await client.get(f"/api/v1/visits/{visit_id}/checklist", headers=headers)
    assert elsewhere["id"] not in [item["id"] for item in shown.json()["templates"]]
    everywhere = await create_template(client)
    other_rep = await auth_headers(client, "rep1@example.com")
    for response in (
        await client.get(f"/api/v1/visits/{visit_id}/checklist", headers=other_rep),
        await client.put(
            f"/api/v1/visits/{visit_id}/checklist", json=good_answers(everywhere["id"]), headers=other_rep
        ),
    ):
        assert response.status_code == 404 and response.json()["field"] == "visit_id"
    assert await conn.fetchval("select count(*) from visit_checklists") == 0
