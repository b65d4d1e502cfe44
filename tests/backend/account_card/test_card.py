"""The account card through the API: who reads it, its timeline, contacts, notes, field edits, audit.

Deals, tasks, activities and hand-overs are written here with SQL (their APIs are built elsewhere).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers

pytestmark = pytest.mark.db

API = "/api/v1/accounts"
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
OTHER_SUPERVISOR = "other-card-supervisor@example.com"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock) -> Litestar:
    return create_app(settings, pool=SingleConnectionSource(conn), clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


async def _user(conn: asyncpg.Connection, email: str) -> int:
    return int(await conn.fetchval("select id from users where email = $1", email))


async def _account_of(conn: asyncpg.Connection, email: str, offset: int = 0) -> int:
    """An account in the rep's own territory."""
    return int(
        await conn.fetchval(
            "select a.id from accounts a join territories t on t.id = a.territory_id "
            "join users u on u.id = t.owner_rep_id "
            "where u.email = $1 and a.location is not null order by a.id offset $2 limit 1",
            email,
            offset,
        )
    )


async def _other_team(conn: asyncpg.Connection) -> None:
    """rep3 moves to another supervisor's team."""
    other = await conn.fetchval(
        "insert into users (email, name, role, password_hash) values ($1, 'Other Supervisor', 'supervisor', "
        "(select password_hash from users where email = 'supervisor@example.com')) returning id",
        OTHER_SUPERVISOR,
    )
    await conn.execute("update users set supervisor_id = $1 where email = 'rep3@example.com'", other)


async def _pipeline(conn: asyncpg.Connection, code: str = "card-new") -> tuple[int, dict[str, int]]:
    pipeline = await conn.fetchval(
        "insert into pipelines (code, name, goal) values ($1, 'New customers', 'new_customer') returning id", code
    )
    stages = {}
    for position, (code, name) in enumerate([("lead", "Lead"), ("tasting", "Tasting"), ("offer", "Offer")]):
        stages[code] = await conn.fetchval(
            "insert into pipeline_stages (pipeline_id, position, code, name) values ($1, $2, $3, $4) returning id",
            pipeline,
            position,
            code,
            name,
        )
    return pipeline, stages


async def _deal(
    conn: asyncpg.Connection, account: int, owner: int, at: dt.datetime, pipeline: int, stage: int
) -> uuid.UUID:
    deal = uuid.uuid4()
    await conn.execute(
        "insert into deals (id, pipeline_id, account_id, stage_id, owner_id, source, amount, title, created_by, "
        "created_at, stage_entered_at) values ($1, $2, $3, $4, $5, 'field', 500, 'Wine list', $5, $6, $6)",
        deal,
        pipeline,
        account,
        stage,
        owner,
        at,
    )
    await conn.execute(
        "insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) "
        "values ($1, null, $2, $3, $4)",
        deal,
        stage,
        owner,
        at,
    )
    return deal


async def _visit(conn: asyncpg.Connection, account: int, rep: int, at: dt.datetime) -> uuid.UUID:
    visit = uuid.uuid4()
    await conn.execute(
        "insert into visits (id, rep_id, account_id, checked_in_at, check_in_location, check_in_accuracy_m, "
        "check_in_mock, check_in_distance_m, checked_out_at, check_out_location, flags) "
        "select $1, $2, a.id, $4, a.location, 8, false, 12, $4::timestamptz + interval '20 minutes', a.location, "
        "'{too_short}' "
        "from accounts a where a.id = $3",
        visit,
        rep,
        account,
        at,
    )
    return visit


async def _order(conn: asyncpg.Connection, account: int, rep: int, at: dt.datetime) -> uuid.UUID:
    order = uuid.uuid4()
    await conn.execute(
        "insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, total_amount, "
        "total_units, line_count) select $1, a.id, $2, a.territory_id, 'submitted', $4, ($4::timestamptz)::date, "
        "240.50, 12, 2 "
        "from accounts a where a.id = $3",
        order,
        rep,
        account,
        at,
    )
    return order


async def _task(conn: asyncpg.Connection, account: int, owner: int, due: dt.datetime, done: dt.datetime) -> uuid.UUID:
    task = uuid.uuid4()
    await conn.execute(
        "insert into sales_tasks (id, owner_id, account_id, kind, title, due_at, status, done_at, created_at) "
        "values ($1, $2, $3, 'send_offer', 'Send the price list', $4::timestamptz, 'done', $5, "
        "$4::timestamptz - interval '2 days')",
        task,
        owner,
        account,
        due,
        done,
    )
    return task


async def _call(conn: asyncpg.Connection, account: int, user: int, at: dt.datetime) -> uuid.UUID:
    call = uuid.uuid4()
    await conn.execute(
        "insert into activities (id, account_id, user_id, kind, direction, occurred_at, duration_s, outcome) "
        "values ($1, $2, $3, 'call', 'outbound', $4, 245, 'tasting booked')",
        call,
        account,
        user,
        at,
    )
    return call


async def _story(conn: asyncpg.Connection) -> dict[str, Any]:
    """rep1's account with a visit, an order, a deal and its stage change, a task and a call, in that order."""
    rep1 = await _user(conn, "rep1@example.com")
    account = await _account_of(conn, "rep1@example.com")
    pipeline, stages = await _pipeline(conn)
    day = dt.timedelta(days=1)
    visit = await _visit(conn, account, rep1, NOW - 6 * day)
    order = await _order(conn, account, rep1, NOW - 6 * day + dt.timedelta(minutes=10))
    deal = await _deal(conn, account, rep1, NOW - 5 * day, pipeline, stages["lead"])
    change = await conn.fetchval(
        "insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) "
        "values ($1, $2, $3, $4, $5) returning id",
        deal,
        stages["lead"],
        stages["tasting"],
        rep1,
        NOW - 4 * day,
    )
    await conn.execute("update deals set stage_id = $2 where id = $1", deal, stages["tasting"])
    task = await _task(conn, account, rep1, NOW - 3 * day, NOW - 2 * day)
    call = await _call(conn, account, rep1, NOW - day)
    return {
        "rep1": rep1,
        "account": account,
        "pipeline": pipeline,
        "stages": stages,
        "expected": [
            ("call", str(call)),
            ("task", str(task)),
            ("stage_change", str(change)),
            ("deal", str(deal)),
            ("order", str(order)),
            ("visit", str(visit)),
        ],
        "deal": deal,
    }


# ---- reading ------------------------------------------------------------------------------------------


async def test_a_rep_reads_the_card_of_their_account_with_one_timeline_newest_first(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    story = await _story(conn)
    headers = await auth_headers(client, "rep1@example.com")
    response = await client.get(f"{API}/{story['account']}", headers=headers)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["account"]["id"] == story["account"]
    assert card["read_only"] is False
    assert card["territory_rep"]["id"] == story["rep1"]
    assert [owner["owner"]["id"] for owner in card["deal_owners"]] == [story["rep1"]]
    assert card["deal_owners"][0]["stage"] == "Tasting"
    assert [(item["kind"], item["id"]) for item in card["timeline"]] == story["expected"]
    assert card["next_cursor"] is None
    by_kind = {item["kind"]: item for item in card["timeline"]}
    assert by_kind["call"]["duration_s"] == 245 and by_kind["call"]["outcome"] == "tasting booked"
    assert by_kind["call"]["summary"].startswith("Call outbound by ")
    assert by_kind["order"]["status"] == "submitted" and by_kind["order"]["total_amount"] == "240.50"
    assert by_kind["stage_change"]["from_stage"] == "Lead" and by_kind["stage_change"]["to_stage"] == "Tasting"
    assert by_kind["visit"]["flags"] == ["too_short"] and by_kind["visit"]["checked_out_at"] is not None
    assert by_kind["task"]["status"] == "done" and by_kind["task"]["task_kind"] == "send_offer"
    assert by_kind["deal"]["stage"] == "Tasting" and by_kind["deal"]["pipeline"] == "New customers"


async def test_the_timeline_pages_and_filters_by_kind(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    story = await _story(conn)
    headers = await auth_headers(client, "rep1@example.com")
    seen: list[tuple[str, str]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"{API}/{story['account']}", headers=headers, params=params)).json()
        assert len(page["timeline"]) <= 2
        seen += [(item["kind"], item["id"]) for item in page["timeline"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == story["expected"]
    only = await client.get(f"{API}/{story['account']}", headers=headers, params={"kinds": "call,visit"})
    assert [item["kind"] for item in only.json()["timeline"]] == ["call", "visit"]


async def test_bad_timeline_parameters_are_named(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    account = await _account_of(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    for params, field in (({"kinds": "visit,calls"}, "kinds"), ({"cursor": "nope"}, "cursor"), ({"limit": 0}, "limit")):
        response = await client.get(f"{API}/{account}", headers=headers, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["field"] == field


async def test_another_teams_rep_gets_404_and_the_supervisor_reads_it(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await _other_team(conn)
    account = await _account_of(conn, "rep1@example.com")
    for email in ("rep3@example.com", OTHER_SUPERVISOR, "rep2@example.com"):
        headers = await auth_headers(client, email)
        response = await client.get(f"{API}/{account}", headers=headers)
        assert response.status_code == 404, (email, response.text)
        assert "rep1" not in response.text
        changes = await client.get(f"{API}/{account}/changes", headers=headers)
        assert changes.status_code == 404
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get(f"{API}/{account}", headers=supervisor)).status_code == 200
    assert (await client.get(f"{API}/999999999", headers=supervisor)).status_code == 404


async def test_the_previous_owner_keeps_reading_after_a_hand_over_but_edits_no_more(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """rep2 (a hunter) found a lead in rep1's territory; the deal goes to rep1 (the closer)."""
    story = await _story(conn)
    rep2 = await _user(conn, "rep2@example.com")
    account, rep1 = story["account"], story["rep1"]
    pipeline, stages = await _pipeline(conn, "card-listing")
    deal = await _deal(conn, account, rep2, NOW - dt.timedelta(hours=5), pipeline, stages["lead"])
    headers = await auth_headers(client, "rep2@example.com")
    # While rep2 owns a deal there, the account is theirs to work.
    assert (await client.get(f"{API}/{account}", headers=headers)).json()["read_only"] is False
    await conn.execute("update deals set owner_id = $2 where id = $1", deal, rep1)
    assert (await client.get(f"{API}/{account}", headers=headers)).status_code == 404  # no hand-over recorded
    await conn.execute(
        "insert into handovers (deal_id, account_id, from_user_id, to_user_id, reason, created_by, created_at) "
        "values ($1, $2, $3, $4, 'reached the tasting stage', $3, $5)",
        deal,
        account,
        rep2,
        rep1,
        NOW - dt.timedelta(hours=1),
    )
    response = await client.get(f"{API}/{account}", headers=headers)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["read_only"] is True
    handover = card["timeline"][0]
    assert handover["kind"] == "handover" and handover["from_user"]["id"] == rep2 and handover["to_user"]["id"] == rep1
    assert (await client.get(f"{API}/{account}/changes", headers=headers)).status_code == 200
    refused = await client.post(
        f"{API}/{account}/notes", headers=headers, json={"id": str(uuid.uuid4()), "text": "still mine?"}
    )
    assert refused.status_code == 403 and refused.json()["field"] == "account_id"
    patched = await client.patch(
        f"{API}/{account}", headers={**headers, "Idempotency-Key": "k1"}, json={"status": "closed"}
    )
    assert patched.status_code == 403
    assert await conn.fetchval("select count(*) from account_notes where account_id = $1", account) == 0


# ---- contacts -----------------------------------------------------------------------------------------


def _contact(**extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": "Anna Korhonen",
        "role": "sommelier",
        "phones": ["040 123 4567", "+358 9 3103 4567"],
        "email": "Anna@Ravintola.FI",
        "consent_calls": True,
        **extra,
    }


async def test_a_contact_is_created_once_replayed_and_a_different_body_conflicts(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    body = _contact()
    created = await client.post(f"{API}/{account}/contacts", headers=headers, json=body)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["phones"] == ["+358401234567", "+358931034567"]
    assert contact["email"] == "Anna@ravintola.fi"
    assert contact["consent_calls"] == {"granted": True, "at": NOW.isoformat().replace("+00:00", "Z")}
    assert contact["consent_sms"] == {"granted": None, "at": None}
    again = await client.post(f"{API}/{account}/contacts", headers=headers, json=body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == contact
    other = await client.post(f"{API}/{account}/contacts", headers=headers, json={**body, "name": "Someone else"})
    assert other.status_code == 409 and other.json()["field"] == "id"
    # The same id from another person: taken.
    supervisor = await auth_headers(client, "supervisor@example.com")
    taken = await client.post(f"{API}/{account}/contacts", headers=supervisor, json=body)
    assert taken.status_code == 409
    assert await conn.fetchval("select count(*) from account_contacts where account_id = $1", account) == 1
    audit = await conn.fetch("select * from account_changes where account_id = $1", account)
    assert [(row["entity"], row["field"], row["client_change_id"]) for row in audit] == [
        ("contact", "created", body["id"])
    ]
    card = (await client.get(f"{API}/{account}", headers=headers)).json()
    assert [c["id"] for c in card["contacts"]] == [body["id"]]


async def test_bad_contacts_are_refused_naming_the_field_and_store_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    cases = [
        (_contact(phones=["040 123 4567", "12345"]), "phones[1]"),
        (_contact(email="anna at ravintola"), "email"),
        (_contact(role="owner's cousin"), "role"),
        (_contact(phones=[], consent_sms=True, consent_calls=None), "consent_sms"),
        (_contact(name=""), "name"),
        (_contact(name="   "), "name"),
        (_contact(owner_rep_id=1), "owner_rep_id"),
        ({k: v for k, v in _contact().items() if k != "id"}, "id"),
    ]
    for body, field in cases:
        response = await client.post(f"{API}/{account}/contacts", headers=headers, json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field, (field, response.json())
    assert await conn.fetchval("select count(*) from account_contacts where account_id = $1", account) == 0
    assert await conn.fetchval("select count(*) from account_changes where account_id = $1", account) == 0
    # A corrected body under the same id goes through (the refusal kept no key).
    fixed = _contact(phones=["040 123 4567"])
    bad = {**fixed, "phones": ["040 123 4567", "12345"]}
    assert (await client.post(f"{API}/{account}/contacts", headers=headers, json=bad)).status_code == 422
    assert (await client.post(f"{API}/{account}/contacts", headers=headers, json=fixed)).status_code == 201


async def test_a_contact_edit_is_audited_field_by_field_and_applied_once(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    rep1 = await _user(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    body = _contact()
    assert (await client.post(f"{API}/{account}/contacts", headers=headers, json=body)).status_code == 201
    clock.advance(dt.timedelta(hours=2))
    url = f"{API}/{account}/contacts/{body['id']}"
    change = {"phones": ["050 765 4321"], "consent_calls": False, "role": "manager", "email": None}
    missing = await client.patch(url, headers=headers, json=change)
    assert missing.status_code == 422 and missing.json()["field"] == "Idempotency-Key"
    keyed = {**headers, "Idempotency-Key": "edit-1"}
    edited = await client.patch(url, headers=keyed, json=change)
    assert edited.status_code == 200, edited.text
    contact = edited.json()
    assert contact["phones"] == ["+358507654321"] and contact["role"] == "manager" and contact["email"] is None
    assert contact["consent_calls"]["granted"] is False
    assert contact["consent_calls"]["at"].startswith("2026-12-03T14:00")  # withdrawn at the business clock
    # The phone sends the same edit again (no answer came through): nothing changes twice.
    clock.advance(dt.timedelta(minutes=5))
    again = await client.patch(url, headers=keyed, json=change)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    conflict = await client.patch(url, headers=keyed, json={"name": "Other"})
    assert conflict.status_code == 409
    rows = await conn.fetch(
        "select field, old_value, new_value, changed_by, changed_at, client_change_id from account_changes "
        "where account_id = $1 and field <> 'created' order by field",
        account,
    )
    assert [(r["field"], r["old_value"], r["new_value"]) for r in rows] == [
        ("consent_calls", True, False),
        ("email", "Anna@ravintola.fi", None),
        ("phones", ["+358401234567", "+358931034567"], ["+358507654321"]),
        ("role", "sommelier", "manager"),
    ]
    assert {(r["changed_by"], r["changed_at"], r["client_change_id"]) for r in rows} == {
        (rep1, NOW + dt.timedelta(hours=2), "edit-1")
    }
    listed = (await client.get(f"{API}/{account}/changes", headers=headers, params={"limit": 3})).json()
    assert len(listed["items"]) == 3 and listed["next_cursor"]
    rest = (
        await client.get(f"{API}/{account}/changes", headers=headers, params={"cursor": listed["next_cursor"]})
    ).json()
    assert len(rest["items"]) == 2 and rest["items"][-1]["field"] == "created"
    assert listed["items"][0]["changed_by"]["id"] == rep1
    unknown = await client.patch(
        f"{API}/{account}/contacts/{uuid.uuid4()}", headers={**headers, "Idempotency-Key": "edit-2"}, json={"name": "X"}
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "contact_id"


# ---- notes and the account's own fields ----------------------------------------------------------------


async def test_a_note_is_written_once_and_lands_on_the_timeline(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    body = {"id": str(uuid.uuid4()), "text": "Owner wants a Barolo tasting before Christmas."}
    first = await client.post(f"{API}/{account}/notes", headers=headers, json=body)
    assert first.status_code == 201, first.text
    again = await client.post(f"{API}/{account}/notes", headers=headers, json=body)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert (await client.post(f"{API}/{account}/notes", headers=headers, json={**body, "text": "x"})).status_code == 409
    blank = await client.post(f"{API}/{account}/notes", headers=headers, json={"id": str(uuid.uuid4()), "text": " "})
    assert blank.status_code == 422 and blank.json()["field"] == "text"
    card = (await client.get(f"{API}/{account}", headers=headers)).json()
    assert [note["text"] for note in card["notes"]] == [body["text"]]
    assert card["timeline"][0]["kind"] == "note" and card["timeline"][0]["summary"].startswith("Note by ")


async def test_a_rep_corrects_phones_status_and_hours_each_change_audited(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    await conn.execute("update accounts set status = 'active', phones = '{+358401111111}' where id = $1", account)
    headers = {**await auth_headers(client, "rep1@example.com"), "Idempotency-Key": "acc-1"}
    body = {"phones": ["09 3103 4567", "+358 40 111 1111"], "status": "closed", "opening_hours": "Mo-Fr 10:00-22:00"}
    response = await client.patch(f"{API}/{account}", headers=headers, json=body)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["phones"] == ["+358931034567", "+358401111111"]
    assert changed["status"] == "closed"
    assert changed["opening_hours"] == [[day, 36000, 79200] for day in range(1, 6)]
    rows = await conn.fetch(
        "select field, old_value, new_value from account_changes where account_id = $1 order by field", account
    )
    assert [(r["field"], r["new_value"]) for r in rows] == [
        ("opening_hours", "Mo-Fr 10:00-22:00"),
        ("phones", ["+358931034567", "+358401111111"]),
        ("status", "closed"),
    ]
    assert rows[2]["old_value"] == "active"
    replay = await client.patch(f"{API}/{account}", headers=headers, json=body)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await conn.fetchval("select count(*) from account_changes where account_id = $1", account) == 3
    # The same values under a new key change nothing and write no audit row.
    same = await client.patch(f"{API}/{account}", headers={**headers, "Idempotency-Key": "acc-2"}, json=body)
    assert same.status_code == 200
    assert await conn.fetchval("select count(*) from account_changes where account_id = $1", account) == 3


async def test_bad_account_edits_are_refused_naming_the_field(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await _account_of(conn, "rep1@example.com")
    await conn.execute("update accounts set status = 'potential' where id = $1", account)
    before = await conn.fetchval(
        "select (phones, status, opening_hours_raw)::text from accounts where id = $1", account
    )
    headers = {**await auth_headers(client, "rep1@example.com"), "Idempotency-Key": "bad-1"}
    cases = [
        ({"phones": ["040 123 4567", "not a phone"]}, "phones[1]"),
        ({"status": "active"}, "status"),  # potential -> active: the office's move
        ({"status": "sleeping"}, "status"),
        ({"opening_hours": "whenever"}, "opening_hours"),
        ({"name": "New name"}, "name"),
        ({"territory_id": 1}, "territory_id"),
        ({}, "body"),
        ({"phones": ["040 123 4567"], "status": "active"}, "status"),  # one bad field: nothing of the rest
    ]
    for body, field in cases:
        response = await client.patch(f"{API}/{account}", headers=headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    after = await conn.fetchval("select (phones, status, opening_hours_raw)::text from accounts where id = $1", account)
    assert after == before
    assert await conn.fetchval("select count(*) from account_changes where account_id = $1", account) == 0
    supervisor = {**await auth_headers(client, "supervisor@example.com"), "Idempotency-Key": "sup-1"}
    assert (await client.patch(f"{API}/{account}", headers=supervisor, json={"status": "active"})).status_code == 200


async def test_every_kind_of_item_reaches_the_timeline_with_its_fields(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    story = await _story(conn)
    account, rep1 = story["account"], story["rep1"]
    visit = uuid.UUID(story["expected"][-1][1])
    template = await conn.fetchval(
        "insert into checklist_templates (code, version, name, items) values ('card-shelf', 1, 'Shelf check', '[]') "
        "returning id"
    )
    await conn.execute(
        "insert into visit_checklists (visit_id, template_id, answers, score_pct, answered_at) "
        "values ($1, $2, '[]', 87.5, $3)",
        visit,
        template,
        NOW - dt.timedelta(days=6) + dt.timedelta(minutes=15),
    )
    sha = "ab" * 32
    await conn.execute(
        "insert into photo_blobs (sha256, media_type, size_bytes, width, height, phash, captured_at) "
        "values ($1, 'image/jpeg', 1000, 10, 10, 0, $2)",
        sha,
        NOW - dt.timedelta(days=6) + dt.timedelta(minutes=5),
    )
    photo = uuid.uuid4()
    await conn.execute(
        "insert into visit_photos (id, visit_id, rep_id, sha256, item_key, flags) values ($1, $2, $3, $4, 'shelf', "
        "'{reused}')",
        photo,
        visit,
        rep1,
        sha,
    )
    for kind, hours in (("meeting", 30), ("message", 20)):
        await conn.execute(
            "insert into activities (id, account_id, user_id, kind, occurred_at, note) "
            "values ($1, $2, $3, $4, $5, 'hi')",
            uuid.uuid4(),
            account,
            rep1,
            kind,
            NOW - dt.timedelta(hours=hours),
        )
    await conn.execute(
        "insert into handovers (account_id, from_user_id, to_user_id, reason, created_at) "
        "values ($1, null, $2, 'first delivered order', $3)",
        account,
        rep1,
        NOW - dt.timedelta(hours=2),
    )
    headers = await auth_headers(client, "rep1@example.com")
    assert (
        await client.post(f"{API}/{account}/notes", headers=headers, json={"id": str(uuid.uuid4()), "text": "Hi"})
    ).status_code == 201
    card = (await client.get(f"{API}/{account}", headers=headers, params={"limit": 200})).json()
    kinds = [item["kind"] for item in card["timeline"]]
    assert sorted(set(kinds)) == sorted(
        [
            "visit",
            "checklist",
            "photo",
            "order",
            "deal",
            "stage_change",
            "handover",
            "task",
            "call",
            "meeting",
            "message",
            "note",
        ]
    )
    ats = [item["at"] for item in card["timeline"]]
    assert [dt.datetime.fromisoformat(at) for at in ats] == sorted(
        (dt.datetime.fromisoformat(at) for at in ats), reverse=True
    )
    by_kind = {item["kind"]: item for item in card["timeline"]}
    assert by_kind["checklist"]["score_pct"] == 87.5 and by_kind["checklist"]["template_name"] == "Shelf check"
    assert by_kind["checklist"]["summary"] == "Checklist Shelf check: 87.5 %"
    assert by_kind["photo"]["id"] == str(photo) and by_kind["photo"]["flags"] == ["reused"]
    assert by_kind["handover"]["from_user"] is None and by_kind["handover"]["deal_id"] is None
    assert by_kind["handover"]["summary"].startswith("Account handed over from nobody to ")
    assert all(item["summary"] for item in card["timeline"])
    # The visit day, newest first: checklist answered (+15 min), order (+10), photo taken (+5), check-in.
    assert kinds[-4:] == ["checklist", "order", "photo", "visit"]


# ---- offline: contacts and notes in the sync feed (round 2) ---------------------------------------------


async def test_contacts_and_notes_reach_the_reps_phone_through_the_sync_feed(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    """A full sync carries the contacts and latest notes of every account it gives; a delta carries
    them in full for each account whose contacts or notes changed (migration 0021 logs them); another
    territory's rep gets none of them."""
    account = await _account_of(conn, "rep1@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    contact = _contact()
    assert (await client.post(f"{API}/{account}/contacts", headers=rep1, json=contact)).status_code == 201

    full = (await client.get("/api/v1/sync/changes", headers=rep1)).json()
    pages = [full]
    while pages[-1]["more"]:
        pages.append(
            (await client.get("/api/v1/sync/changes", params={"since": pages[-1]["cursor"]}, headers=rep1)).json()
        )
    assert any(account in page["card_account_ids"] for page in pages)
    offline = [c for page in pages for c in page["contacts"] if c["account_id"] == account]
    assert [(c["id"], c["phones"], c["is_active"]) for c in offline] == [
        (contact["id"], ["+358401234567", "+358931034567"], True)
    ]
    cursors = {"rep1": pages[-1]["cursor"]}
    rep2_full = (await client.get("/api/v1/sync/changes", headers=rep2)).json()
    while rep2_full["more"]:
        rep2_full = (
            await client.get("/api/v1/sync/changes", params={"since": rep2_full["cursor"]}, headers=rep2)
        ).json()
    cursors["rep2"] = rep2_full["cursor"]

    # A note and the contact retired: the next delta gives the account's card in full.
    clock.advance(dt.timedelta(hours=1))
    note = {"id": str(uuid.uuid4()), "text": "Owner prefers calls after 14:00"}
    assert (await client.post(f"{API}/{account}/notes", headers=rep1, json=note)).status_code == 201
    retired = await client.patch(
        f"{API}/{account}/contacts/{contact['id']}",
        headers={**rep1, "Idempotency-Key": "retire-1"},
        json={"is_active": False},
    )
    assert retired.status_code == 200, retired.text
    delta = (await client.get("/api/v1/sync/changes", params={"since": cursors["rep1"]}, headers=rep1)).json()
    assert delta["full"] is False
    assert account in delta["card_account_ids"]
    assert [(c["id"], c["is_active"]) for c in delta["contacts"] if c["account_id"] == account] == [
        (contact["id"], False)
    ]
    assert [n["id"] for n in delta["notes"] if n["account_id"] == account] == [note["id"]]
    assert delta["notes"][0]["text"] == note["text"]
    # rep2's phone works other territories: nothing of this account reaches it.
    other = (await client.get("/api/v1/sync/changes", params={"since": cursors["rep2"]}, headers=rep2)).json()
    assert account not in other["card_account_ids"]
    assert all(c["account_id"] != account for c in other["contacts"])
    assert all(n["account_id"] != account for n in other["notes"])
