"""Bad input to deals and hand-overs: a clear 4xx naming the field, and nothing stored."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.deals.helpers import API, capture_lead, counts, territory_of, user_id


async def _refused(
    client: httpx.AsyncClient,
    conn: asyncpg.Connection,
    method: str,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    field: str,
) -> dict[str, Any]:
    before = await counts(conn)
    response = await client.request(method, url, json=body, headers=headers)
    assert response.status_code == status, (url, body, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem.get("field") == field, problem
    assert await counts(conn) == before, f"{method} {url} {body} stored something"
    return problem


async def test_stage_changes_that_break_a_rule_are_refused(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    lead = await capture_lead(client, conn, rep1, "rep1@example.com", "Cantina Bad Input")
    url = f"{API}/deals/{lead['deal_id']}/stage"
    problem = await _refused(client, conn, "POST", url, rep1, {"stage": "degustazione"}, 422, "stage")
    assert "tasting" in problem["detail"]  # the message lists the pipeline's stages
    await _refused(client, conn, "POST", url, rep1, {"stage": 999_999}, 422, "stage")
    skipped = await _refused(client, conn, "POST", url, rep1, {"stage": "offer"}, 422, "stage")
    assert "'tasting' is required" in skipped["detail"]
    await _refused(client, conn, "POST", url, rep1, {"stage": "won"}, 422, "stage")
    await _refused(client, conn, "POST", url, rep1, {"stage": "lost"}, 422, "lost_reason")
    await _refused(client, conn, "POST", url, rep1, {"stage": "contacted", "lost_reason": "x"}, 422, "lost_reason")
    await _refused(client, conn, "POST", url, rep1, {"stage": "lost", "lost_reason": ""}, 422, "lost_reason")
    await _refused(client, conn, "POST", url, rep1, {"stage": "lost", "status": "won"}, 422, "status")
    await _refused(client, conn, "POST", url, rep1, {}, 422, "stage")
    # Lost with a reason from any open stage (skipping nothing: lost is not "forward").
    lost = await client.post(url, json={"stage": "lost", "lost_reason": "closed for renovation"}, headers=rep1)
    assert lost.status_code == 200, lost.text
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("lost", "closed for renovation")
    assert lost.json()["closed_at"] is not None and lost.json()["handover_outcomes"] == []
    await _refused(client, conn, "POST", url, rep1, {"stage": "contacted"}, 409, "stage")


async def test_a_hand_over_to_someone_without_the_role_is_refused(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    supervisor = await auth_headers(client, "supervisor@example.com")
    lead = await capture_lead(client, conn, rep1, "rep1@example.com", "Osteria Senza Ruolo")
    url = f"{API}/deals/{lead['deal_id']}/handover"
    rep3 = await user_id(conn, "rep3@example.com")  # a farmer; the deal's owner is a hunter
    problem = await _refused(client, conn, "POST", url, supervisor, {"to_user_id": rep3}, 422, "to_user_id")
    assert "farmer" in problem["detail"] and "hunter" in problem["detail"]
    await _refused(client, conn, "POST", url, supervisor, {"to_user_id": rep3, "to_role": "closer"}, 422, "to_user_id")
    admin_id = await user_id(conn, "admin@example.com")  # no sales role at all
    await _refused(client, conn, "POST", url, supervisor, {"to_user_id": admin_id}, 422, "to_user_id")
    await _refused(client, conn, "POST", url, supervisor, {"to_user_id": 999_999}, 422, "to_user_id")
    await _refused(client, conn, "POST", url, supervisor, {"to_user_id": rep3, "to_role": "boss"}, 422, "to_role")
    # A rep does not hand over by hand.
    rep2 = await user_id(conn, "rep2@example.com")
    await _refused(client, conn, "POST", url, rep1, {"to_user_id": rep2, "to_role": "closer"}, 403, None)  # type: ignore[arg-type]
    handed = await client.post(url, json={"to_user_id": rep2, "to_role": "closer"}, headers=supervisor)
    assert handed.status_code == 200 and handed.json()["owner_id"] == rep2


async def test_a_deal_is_opened_once_per_id_and_once_per_account_and_pipeline(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    rep1_id = await user_id(conn, "rep1@example.com")
    account = await conn.fetchval(
        "select a.id from accounts a where a.territory_id = $1 order by a.id limit 1",
        await territory_of(conn, "rep1@example.com"),
    )
    body = {
        "id": str(uuid.uuid4()),
        "account_id": account,
        "pipeline": "new-customer",
        "source": "licence_register",
        "amount": 1250.5,
        "expected_close_day": "2027-02-01",
        "title": "Wine list for the terrace",
    }
    created = await client.post(f"{API}/deals", json=body, headers=rep1)
    assert created.status_code == 201, created.text
    deal = created.json()
    assert (deal["owner_id"], deal["amount"], deal["stage_code"], deal["source"]) == (
        rep1_id,
        1250.5,
        "lead",
        "licence_register",
    )
    again = await client.post(f"{API}/deals", json=body, headers=rep1)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == deal
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**body, "amount": 99}, 409, "id")
    other = {**body, "id": str(uuid.uuid4())}
    problem = await _refused(client, conn, "POST", f"{API}/deals", rep1, other, 409, "account_id")
    assert deal["id"] in problem["detail"]
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "pipeline": "nope"}, 422, "pipeline")
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "source": "carrier-pigeon"}, 422, "source")
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "amount": -1}, 422, "amount")
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "owner_id": 1}, 422, "owner_id")
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "account_id": 2**64}, 422, "account_id")
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "pipeline": 2**64}, 422, "pipeline")
    elsewhere = await conn.fetchval(
        "select a.id from accounts a where a.territory_id = $1 order by a.id limit 1",
        await territory_of(conn, "rep3@example.com"),
    )
    await _refused(client, conn, "POST", f"{API}/deals", rep1, {**other, "account_id": elsewhere}, 404, "account_id")
    # The pipeline by id works as by code.
    pipeline_id = deal["pipeline_id"]
    by_id = await client.post(
        f"{API}/deals",
        json={**other, "account_id": elsewhere, "pipeline": pipeline_id},
        headers=await auth_headers(client, "rep3@example.com"),
    )
    assert by_id.status_code == 201 and by_id.json()["pipeline_code"] == "new-customer"


async def test_the_deal_list_is_scoped_filtered_and_paged(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    rep3 = await auth_headers(client, "rep3@example.com")
    names = ("Vineria Aurora", "Taverna Bellini", "Caffe Centrale")
    opened = [
        (await capture_lead(client, conn, rep1, "rep1@example.com", name, nth=n))["deal_id"]
        for n, name in enumerate(names)
    ]
    theirs = (await capture_lead(client, conn, rep3, "rep3@example.com", "Vineria Altrove"))["deal_id"]
    await client.post(f"{API}/deals/{opened[0]}/stage", json={"stage": "contacted"}, headers=rep1)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "pipeline": "new-customer"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"{API}/deals", params=params, headers=rep1)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert set(opened) <= set(seen) and theirs not in seen and len(seen) == len(set(seen))
    contacted = (await client.get(f"{API}/deals", params={"stage": "contacted"}, headers=rep1)).json()
    assert [item["id"] for item in contacted["items"]] == [opened[0]]
    admin = await auth_headers(client, "admin@example.com")
    rep3_id = await user_id(conn, "rep3@example.com")
    of_rep3 = (await client.get(f"{API}/deals", params={"owner_id": rep3_id}, headers=admin)).json()
    assert theirs in [item["id"] for item in of_rep3["items"]] and opened[0] not in [i["id"] for i in of_rep3["items"]]
    assert (await client.get(f"{API}/deals/{theirs}", headers=rep1)).status_code == 404
    for params, field in (({"owner_id": rep3_id}, "owner_id"), ({"cursor": "garbage"}, "cursor")):
        response = await client.get(f"{API}/deals", params=params, headers=rep1)
        assert response.status_code in (404, 422) and response.json()["field"] == field, response.text
    bad_status = await client.get(f"{API}/deals", params={"status": "pending"}, headers=rep1)
    assert bad_status.status_code == 422 and bad_status.json()["field"] == "status"


async def test_no_one_holding_the_role_leaves_the_deal_with_its_owner_and_says_why(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    rep1_id = await user_id(conn, "rep1@example.com")
    territory = await territory_of(conn, "rep1@example.com")
    cleared = await client.put(
        f"{API}/territories/{territory}/sales-roles/closer", json={"user_id": None}, headers=admin
    )
    assert cleared.status_code == 200 and "closer" not in [r["sales_role"] for r in cleared.json()["items"]]
    lead = await capture_lead(client, conn, rep1, "rep1@example.com", "Bodega Senza Closer")
    url = f"{API}/deals/{lead['deal_id']}/stage"
    for stage in ("contacted", "qualified"):
        assert (await client.post(url, json={"stage": stage}, headers=rep1)).status_code == 200
    tasting = await client.post(url, json={"stage": "tasting"}, headers=rep1)
    assert tasting.status_code == 200, tasting.text
    body = tasting.json()
    assert body["owner_id"] == rep1_id and body["stage_code"] == "tasting" and body["handovers"] == []
    [outcome] = body["handover_outcomes"]
    assert outcome["handed_over"] is False and outcome["to_user_id"] is None
    assert f"no one is the closer of territory {territory}" in outcome["reason"]


async def test_sales_roles_are_set_by_admins_and_checked(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    admin = await auth_headers(client, "admin@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    rep1_id, rep3_id = await user_id(conn, "rep1@example.com"), await user_id(conn, "rep3@example.com")
    territory = await territory_of(conn, "rep1@example.com")
    url = f"{API}/territories/{territory}/sales-roles"
    problem = await _refused(client, conn, "PUT", f"{url}/farmer", admin, {"user_id": rep1_id}, 422, "user_id")
    assert "hunter" in problem["detail"]
    await _refused(client, conn, "PUT", f"{url}/boss", admin, {"user_id": rep1_id}, 422, "role")
    await _refused(client, conn, "PUT", f"{url}/farmer", admin, {"user_id": 999_999}, 422, "user_id")
    await _refused(client, conn, "PUT", f"{url}/farmer", rep1, {"user_id": rep3_id}, 403, None)  # type: ignore[arg-type]
    await _refused(
        client,
        conn,
        "PUT",
        f"{API}/territories/999999/sales-roles/farmer",
        admin,
        {"user_id": rep3_id},
        404,
        "territory_id",
    )
    # rep1 plays hunter for territories: their sales role cannot change under them.
    held = await _refused(
        client, conn, "PUT", f"{API}/users/{rep1_id}/sales-role", admin, {"sales_role": "closer"}, 409, "sales_role"
    )
    assert str(territory) in held["detail"]
    await _refused(
        client, conn, "PUT", f"{API}/users/{rep1_id}/sales-role", admin, {"sales_role": "boss"}, 422, "sales_role"
    )
    await _refused(
        client, conn, "PUT", f"{API}/users/999999/sales-role", admin, {"sales_role": "closer"}, 404, "user_id"
    )
    supervisor_id = await user_id(conn, "supervisor@example.com")
    made = await client.put(
        f"{API}/users/{supervisor_id}/sales-role", json={"sales_role": "key_account_manager"}, headers=admin
    )
    assert made.status_code == 200 and made.json()["sales_role"] == "key_account_manager"
    named = await client.put(f"{url}/key_account_manager", json={"user_id": supervisor_id}, headers=admin)
    assert named.status_code == 200
    assert {"sales_role": "key_account_manager", "user_id": supervisor_id} in [
        {"sales_role": r["sales_role"], "user_id": r["user_id"]} for r in named.json()["items"]
    ]
    listed = (await client.get(url, headers=rep1)).json()
    assert {r["sales_role"] for r in listed["items"]} == {
        "hunter",
        "closer",
        "farmer",
        "telemarketer",
        "key_account_manager",
    }
    me = (await client.get(f"{API}/me", headers=await auth_headers(client, "supervisor@example.com"))).json()
    assert me["sales_role"] == "key_account_manager"
