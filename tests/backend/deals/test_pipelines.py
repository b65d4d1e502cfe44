"""Pipelines and hand-over rules through the admin API: validated as a whole, named field paths,
nothing stored on a refusal; stages frozen while a pipeline holds deals."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.deals.helpers import API, counts, territory_of

LISTING: dict[str, Any] = {
    "code": "new-listing",
    "name": "New listing",
    "goal": "new_listing",
    "stages": [
        {"code": "idea", "name": "Idea", "norm_days": 3},
        {"code": "pitched", "name": "Pitched", "is_qualified": True, "required": True},
        {"code": "sampled", "name": "Sampled", "is_key": True},
        {"code": "listed", "name": "Listed", "outcome": "won"},
        {"code": "refused", "name": "Refused", "outcome": "lost"},
    ],
}


def _with(change: dict[str, Any], index: int | None = None) -> dict[str, Any]:
    body = copy.deepcopy(LISTING)
    if index is None:
        body.update(change)
    else:
        body["stages"][index].update(change)
    return body


async def test_a_pipeline_is_created_listed_and_refused_when_its_stages_do_not_add_up(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    cases: list[tuple[dict[str, Any], str]] = [
        (_with({"is_key": True}, 0), "stages[2].is_key"),
        (_with({"is_key": False}, 2), "stages"),
        (_with({"is_qualified": True}, 2), "stages[2].is_qualified"),
        (_with({"outcome": "open"}, 3), "stages"),  # no won stage
        (_with({"outcome": "open"}, 4), "stages[4].outcome"),  # an open stage after the won one
        (_with({"code": "idea"}, 1), "stages[1].code"),
        (_with({"is_key": True, "outcome": "won"}, 3), "stages[3].is_key"),
        (_with({"required": True}, 4), "stages[4].required"),
        (_with({"norm_days": 0}, 0), "stages[0].norm_days"),
        (_with({"code": "Not A Code"}), "code"),
        (_with({"goal": "world_domination"}), "goal"),
        (_with({"colour": "red"}, 1), "colour"),  # Litestar drops the path of an unknown field
        (_with({"stages": LISTING["stages"][:2]}), "stages"),
    ]
    before = await counts(conn)
    for body, field in cases:
        response = await client.post(f"{API}/pipelines", json=body, headers=admin)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field, (field, response.json())
    assert await counts(conn) == before
    # An open stage after the won one.
    shuffled = copy.deepcopy(LISTING)
    shuffled["stages"].insert(4, {"code": "late", "name": "Late"})
    response = await client.post(f"{API}/pipelines", json=shuffled, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "stages[4].outcome"
    assert (await client.post(f"{API}/pipelines", json=LISTING, headers=rep1)).status_code == 403

    created = await client.post(f"{API}/pipelines", json=LISTING, headers=admin)
    assert created.status_code == 201, created.text
    pipeline = created.json()
    assert [s["code"] for s in pipeline["stages"]] == ["idea", "pitched", "sampled", "listed", "refused"]
    assert [s["position"] for s in pipeline["stages"]] == [0, 1, 2, 3, 4]
    assert pipeline["stages"][2]["is_key"] and pipeline["stages"][1]["is_qualified"]
    taken = await client.post(f"{API}/pipelines", json=LISTING, headers=admin)
    assert taken.status_code == 409 and taken.json()["field"] == "code"
    listed = (await client.get(f"{API}/pipelines", headers=rep1)).json()
    assert {"new-customer", "new-listing"} <= {p["code"] for p in listed["items"]}
    default = next(p for p in listed["items"] if p["code"] == "new-customer")
    assert [s["code"] for s in default["stages"]] == [
        "lead",
        "contacted",
        "qualified",
        "tasting",
        "offer",
        "won",
        "lost",
    ]
    tasting = default["stages"][3]
    assert tasting["is_key"] and tasting["required"] and default["stages"][2]["is_qualified"]
    assert default["won_requires_order"] is True


async def test_stages_change_freely_until_the_pipeline_holds_deals(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    pipeline = (await client.post(f"{API}/pipelines", json=LISTING, headers=admin)).json()
    url = f"{API}/pipelines/{pipeline['id']}"
    kept_id = pipeline["stages"][2]["id"]
    rule = await client.post(
        f"{url}/handover-rules",
        json={"trigger": "stage_reached", "stage": "sampled", "to_role": "closer"},
        headers=admin,
    )
    assert rule.status_code == 201, rule.text
    # No deals yet: a stage added in the middle, one renamed; the kept stage keeps its id and its rule.
    edited = copy.deepcopy(LISTING)
    edited["stages"].insert(1, {"code": "called", "name": "Called"})
    edited["stages"][3]["name"] = "Tasted"
    changed = await client.put(url, json=edited, headers=admin)
    assert changed.status_code == 200, changed.text
    stages = changed.json()["stages"]
    assert [s["code"] for s in stages] == ["idea", "called", "pitched", "sampled", "listed", "refused"]
    assert (stages[3]["id"], stages[3]["name"], stages[3]["position"]) == (kept_id, "Tasted", 3)
    rules = (await client.get(f"{url}/handover-rules", headers=admin)).json()["items"]
    assert [(r["stage_code"], r["to_role"]) for r in rules] == [("sampled", "closer")]
    # A deal in it: the stages are frozen (names and norm days aside).
    account = await conn.fetchval(
        "select id from accounts where territory_id = $1 order by id limit 1",
        await territory_of(conn, "rep1@example.com"),
    )
    deal = {"id": str(uuid.uuid4()), "account_id": account, "pipeline": "new-listing"}
    assert (await client.post(f"{API}/deals", json=deal, headers=admin)).status_code == 201
    renamed = copy.deepcopy(edited)
    renamed["stages"][0].update({"name": "First idea", "norm_days": 5})
    renamed["name"] = "New listing (wine)"
    assert (await client.put(url, json=renamed, headers=admin)).status_code == 200
    before = await counts(conn)
    reordered = copy.deepcopy(renamed)
    reordered["stages"][1], reordered["stages"][2] = reordered["stages"][2], reordered["stages"][1]
    frozen = await client.put(url, json=reordered, headers=admin)
    assert frozen.status_code == 409 and frozen.json()["field"] == "stages"
    assert "1 deals" in frozen.json()["detail"]
    assert await counts(conn) == before
    assert (await client.put(f"{API}/pipelines/999999", json=LISTING, headers=admin)).status_code == 404


async def test_hand_over_rules_are_data_and_checked(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    admin = await auth_headers(client, "admin@example.com")
    default = next(
        p for p in (await client.get(f"{API}/pipelines", headers=admin)).json()["items"] if p["code"] == "new-customer"
    )
    url = f"{API}/pipelines/{default['id']}/handover-rules"
    rules = (await client.get(url, headers=admin)).json()["items"]
    assert [(r["trigger"], r["stage_code"], r["to_role"], r["is_active"]) for r in rules] == [
        ("stage_reached", "tasting", "closer", True),
        ("first_delivered_order", None, "farmer", True),
    ]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"trigger": "stage_reached", "to_role": "closer"}, 422, "stage"),
        ({"trigger": "stage_reached", "stage": "nope", "to_role": "closer"}, 422, "stage"),
        ({"trigger": "stage_reached", "stage": "lost", "to_role": "closer"}, 422, "stage"),
        ({"trigger": "first_delivered_order", "stage": "won", "to_role": "farmer"}, 422, "stage"),
        ({"trigger": "stage_reached", "stage": "offer", "to_role": "boss"}, 422, "to_role"),
        ({"trigger": "when_ever", "to_role": "farmer"}, 422, "trigger"),
        ({"trigger": "stage_reached", "stage": "tasting", "to_role": "key_account_manager"}, 409, "trigger"),
        ({"trigger": "first_delivered_order", "to_role": "key_account_manager"}, 409, "trigger"),
    ]
    before = await counts(conn)
    for body, status, field in cases:
        response = await client.post(url, json=body, headers=admin)
        assert (response.status_code, response.json().get("field")) == (status, field), (body, response.text)
    assert await counts(conn) == before
    rep1 = await auth_headers(client, "rep1@example.com")
    assert (await client.get(url, headers=rep1)).status_code == 403
    # Deactivate the farmer rule, add a key-account-manager one, and the old one cannot come back while it is active.
    farmer_rule = rules[1]["id"]
    off = await client.put(f"{url}/{farmer_rule}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["is_active"] is False
    kam = await client.post(
        url, json={"trigger": "first_delivered_order", "to_role": "key_account_manager"}, headers=admin
    )
    assert kam.status_code == 201
    back = await client.put(f"{url}/{farmer_rule}", json={"is_active": True}, headers=admin)
    assert back.status_code == 409 and back.json()["field"] == "is_active"
    assert (await client.put(f"{url}/999999", json={"is_active": True}, headers=admin)).status_code == 404
    by_id = await client.post(
        url, json={"trigger": "stage_reached", "stage": default["stages"][4]["id"], "to_role": "closer"}, headers=admin
    )
    assert by_id.status_code == 201 and by_id.json()["stage_code"] == "offer"
