"""CRM tasks through the API: create (idempotent), list, complete, overdue; a visit task on the rep's
day; reminders on the event stream and the sync feed; bad input refused with nothing stored."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from backend.clock import SimulatedClock
from backend.sales_tasks.service import send_due_reminders
from tests.backend.conftest import auth_headers
from tests.backend.sales_tasks.helpers import DAY, account_of, at, people

pytestmark = pytest.mark.db
API = "/api/v1"


def _task(account_id: int | None, due: dt.datetime, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "kind": "call",
        "title": "Call about the winter list",
        "due_at": due.isoformat(),
        **extra,
    }
    if account_id is not None:
        body["account_id"] = account_id
    return body


def _events(body: str) -> list[dict[str, str]]:
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if "event" in fields:
            events.append(fields)
    return events


async def test_a_task_is_created_once_listed_becomes_overdue_and_is_completed(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    rep1 = await auth_headers(client, "rep1@example.com")
    body = _task(account, at(DAY, 15), note="ask for the sommelier")
    created = await client.post(f"{API}/tasks", json=body, headers=rep1)
    assert created.status_code == 201, created.text
    task = created.json()
    assert (task["owner_id"], task["account_id"], task["status"], task["overdue"]) == (who.rep1, account, "open", False)
    assert task["created_by"] == who.rep1 and task["planned_task_id"] is None  # a call is not routed

    again = await client.post(f"{API}/tasks", json=body, headers=rep1)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == task["id"]
    other_body = await client.post(f"{API}/tasks", json={**body, "title": "Something else"}, headers=rep1)
    assert other_body.status_code == 409 and other_body.json()["field"] == "id"
    assert await conn.fetchval("select count(*) from sales_tasks") == 1

    mine = (await client.get(f"{API}/tasks", headers=rep1)).json()
    assert [item["id"] for item in mine["items"]] == [task["id"]]
    assert (await client.get(f"{API}/tasks?overdue=true", headers=rep1)).json()["items"] == []

    clock.set(at(DAY, 16, 30))  # due at 15:00: 1.5 hours late
    overdue = (await client.get(f"{API}/tasks?overdue=true", headers=rep1)).json()["items"]
    assert [(item["id"], item["overdue"]) for item in overdue] == [(task["id"], True)]
    supervisor = await auth_headers(client, "supervisor@example.com")
    control = (await client.get(f"{API}/control/overdue-tasks", headers=supervisor)).json()["items"]
    assert [(item["id"], item["overdue_h"]) for item in control] == [(task["id"], 1)]
    rep2 = await auth_headers(client, "rep2@example.com")
    assert (await client.get(f"{API}/control/overdue-tasks", headers=rep2)).json()["items"] == []
    assert (await client.get(f"{API}/tasks/{task['id']}", headers=rep2)).status_code == 404

    done = await client.post(f"{API}/tasks/{task['id']}/complete", headers=rep1)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["overdue"] is False
    assert dt.datetime.fromisoformat(done.json()["done_at"]) == at(DAY, 16, 30)
    assert (await client.post(f"{API}/tasks/{task['id']}/complete", headers=rep1)).status_code == 200
    cancel = await client.post(f"{API}/tasks/{task['id']}/cancel", headers=rep1)
    assert cancel.status_code == 409 and cancel.json()["field"] == "status"
    edit = await client.patch(f"{API}/tasks/{task['id']}", json={"title": "x"}, headers=rep1)
    assert edit.status_code == 409 and edit.json()["field"] == "status"
    assert (await client.get(f"{API}/control/overdue-tasks", headers=supervisor)).json()["items"] == []
    assert [i["id"] for i in (await client.get(f"{API}/tasks?status=done", headers=rep1)).json()["items"]] == [
        task["id"]
    ]


async def test_lists_page_by_due_time_and_filter_by_account(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    first, second = await account_of(conn, who.rep1), await account_of(conn, who.rep1, 1)
    rep1 = await auth_headers(client, "rep1@example.com")
    ids = []
    for hour, account in ((12, first), (11, second), (14, first)):
        response = await client.post(f"{API}/tasks", json=_task(account, at(DAY, hour)), headers=rep1)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    page = (await client.get(f"{API}/tasks?limit=2", headers=rep1)).json()
    assert [item["id"] for item in page["items"]] == [ids[1], ids[0]] and page["next_cursor"]
    rest = (await client.get(f"{API}/tasks", params={"limit": 2, "cursor": page["next_cursor"]}, headers=rep1)).json()
    assert [item["id"] for item in rest["items"]] == [ids[2]] and rest["next_cursor"] is None
    about = (await client.get(f"{API}/tasks?account_id={first}", headers=rep1)).json()["items"]
    assert [item["id"] for item in about] == [ids[0], ids[2]]
    bad = await client.get(f"{API}/tasks?cursor=nonsense", headers=rep1)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    rep1 = await auth_headers(client, "rep1@example.com")
    supervisor = await auth_headers(client, "supervisor@example.com")
    cases: list[tuple[dict[str, str], dict[str, Any], int, str]] = [
        (rep1, _task(account, at(DAY, 8)), 422, "due_at"),  # an hour ago
        (rep1, _task(account, at(DAY, 15), kind="lunch"), 422, "kind"),
        (rep1, _task(account, at(DAY, 15), remind_at=at(DAY, 16).isoformat()), 422, "remind_at"),
        (rep1, _task(None, at(DAY, 15)), 422, "account_id"),
        (rep1, _task(account, at(DAY, 15), title="   "), 422, "title"),
        (rep1, _task(account, at(DAY, 15), owner_id=who.rep2), 403, "owner_id"),  # a rep: only themselves
        (supervisor, _task(account, at(DAY, 15), owner_id=who.rep3), 404, "owner_id"),  # another team's rep
        (rep1, _task(await account_of(conn, who.rep3), at(DAY, 15)), 404, "account_id"),
        (rep1, _task(account, at(DAY, 15), deal_id=str(uuid.uuid4())), 404, "deal_id"),
        (rep1, _task(account, at(DAY, 15), status="done"), 422, "status"),
        (rep1, {**_task(account, at(DAY, 15)), "due_at": "2026-12-01T15:00:00"}, 422, "due_at"),  # no zone
    ]
    for headers, body, status, field in cases:
        response = await client.post(f"{API}/tasks", json=body, headers=headers)
        assert (response.status_code, response.json().get("field")) == (status, field), (body, response.text)
    assert await conn.fetchval("select count(*) from sales_tasks") == 0
    assert await conn.fetchval("select count(*) from planned_tasks") == 0
    # A refused request keeps no idempotency key: the corrected body under the same id is taken.
    fixed = {**cases[0][1], "due_at": at(DAY, 15).isoformat()}
    assert (await client.post(f"{API}/tasks", json=fixed, headers=rep1)).status_code == 201


async def test_a_supervisor_assigns_and_reassigns_within_the_team(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    supervisor = await auth_headers(client, "supervisor@example.com")
    created = await client.post(
        f"{API}/tasks",
        json=_task(account, at(DAY, 15), owner_id=who.rep1, remind_at=at(DAY, 14).isoformat()),
        headers=supervisor,
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    rep1 = await auth_headers(client, "rep1@example.com")
    assert [item["id"] for item in (await client.get(f"{API}/tasks", headers=rep1)).json()["items"]] == [task_id]
    assert (await client.get(f"{API}/tasks", headers=supervisor)).json()["items"] == []  # not the supervisor's own
    team = (await client.get(f"{API}/tasks?owner_id={who.rep1}", headers=supervisor)).json()["items"]
    assert [item["id"] for item in team] == [task_id]
    other = await auth_headers(client, "other-supervisor@example.com")
    assert (await client.get(f"{API}/tasks?owner_id={who.rep1}", headers=other)).status_code == 404

    moved = await client.patch(
        f"{API}/tasks/{task_id}", json={"owner_id": who.rep2, "due_at": at(DAY, 17).isoformat()}, headers=supervisor
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner_id"] == who.rep2
    assert dt.datetime.fromisoformat(moved.json()["due_at"]) == at(DAY, 17)
    refused = await client.patch(f"{API}/tasks/{task_id}", json={"owner_id": who.rep3}, headers=supervisor)
    assert refused.status_code == 404 and refused.json()["field"] == "owner_id"
    late = await client.patch(f"{API}/tasks/{task_id}", json={"remind_at": at(DAY, 18).isoformat()}, headers=supervisor)
    assert late.status_code == 422 and late.json()["field"] == "remind_at"
    assert await conn.fetchval("select owner_id from sales_tasks") == who.rep2


async def test_a_visit_task_goes_on_the_reps_day_and_follows_the_task(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    supervisor = await auth_headers(client, "supervisor@example.com")
    tomorrow, later = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    body = _task(account, at(tomorrow, 10), owner_id=who.rep1, kind="visit", title="Taste the new rosé")
    created = await client.post(f"{API}/tasks", json=body, headers=supervisor)
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["planned_task_id"] is not None

    async def day_tasks(day: dt.date) -> list[tuple[int, str]]:
        response = await client.get(f"{API}/reps/{who.rep1}/tasks?day={day}", headers=supervisor)
        assert response.status_code == 200, response.text
        return [(item["account_id"], item["kind"]) for item in response.json()]

    assert await day_tasks(tomorrow) == [(account, "task")]
    moved = await client.patch(
        f"{API}/tasks/{task['id']}", json={"due_at": at(later, 11).isoformat()}, headers=supervisor
    )
    assert moved.status_code == 200, moved.text
    assert await day_tasks(tomorrow) == [] and await day_tasks(later) == [(account, "task")]
    assert (await client.post(f"{API}/tasks/{task['id']}/cancel", headers=supervisor)).json()["status"] == "cancelled"
    assert await day_tasks(later) == []

    # rep2's account is in the team (the supervisor sees it) but not in rep1's territories: the rep's
    # day refuses it, named as this request's field, and nothing is stored.
    outside = _task(await account_of(conn, who.rep2), at(tomorrow, 10), owner_id=who.rep1, kind="visit")
    refused = await client.post(f"{API}/tasks", json=outside, headers=supervisor)
    assert refused.status_code == 404 and refused.json()["field"] == "account_id", refused.text
    assert await conn.fetchval("select count(*) from sales_tasks where id = $1", uuid.UUID(outside["id"])) == 0
    assert await conn.fetchval("select count(*) from planned_tasks where rep_id = $1", who.rep1) == 0


async def test_a_reminder_reaches_the_owners_event_stream_and_sync_feed_once(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    rep1 = await auth_headers(client, "rep1@example.com")
    first_sync = (await client.get(f"{API}/sync/changes", headers=rep1)).json()
    body = _task(account, at(DAY, 15), remind_at=at(DAY, 14, 30).isoformat())
    task = (await client.post(f"{API}/tasks", json=body, headers=rep1)).json()
    assert await send_due_reminders(conn, clock.now()) == 0, "not before its time"
    clock.set(at(DAY, 14, 31))
    assert await send_due_reminders(conn, clock.now()) == 1
    assert await send_due_reminders(conn, clock.now()) == 0, "once"

    events = _events((await client.get(f"{API}/me/events", headers=rep1)).text)
    reminders = [json.loads(e["data"]) for e in events if e["event"] == "task_reminder"]
    assert len(reminders) == 1
    reminder = reminders[0]
    assert (reminder["task_id"], reminder["title"], reminder["account_id"], reminder["deal_id"]) == (
        task["id"],
        task["title"],
        account,
        None,
    )
    assert dt.datetime.fromisoformat(reminder["due_at"]) == at(DAY, 15)
    rep2 = await auth_headers(client, "rep2@example.com")
    assert [e for e in _events((await client.get(f"{API}/me/events", headers=rep2)).text)] == []
    changes = (await client.get(f"{API}/sync/changes", params={"since": first_sync["cursor"]}, headers=rep1)).json()
    assert [(n["kind"], n["payload"]["task_id"]) for n in changes["notifications"]] == [("task_reminder", task["id"])]
    read = (await client.get(f"{API}/tasks/{task['id']}", headers=rep1)).json()
    assert dt.datetime.fromisoformat(read["reminded_at"]) == at(DAY, 14, 31)

    # A new remind time asks for a new reminder; a closed task is never reminded.
    again = await client.patch(
        f"{API}/tasks/{task['id']}", json={"remind_at": at(DAY, 14, 45).isoformat()}, headers=rep1
    )
    assert again.status_code == 200 and again.json()["reminded_at"] is None
    await client.post(f"{API}/tasks/{task['id']}/cancel", headers=rep1)
    clock.set(at(DAY, 14, 50))
    assert await send_due_reminders(conn, clock.now()) == 0
