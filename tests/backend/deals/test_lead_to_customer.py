"""Issue 17 end to end, across the parts (deals, tasks and reminders, activities, orders, the account
card): a hunter's field lead becomes a closer's won deal and a farmer's account, with every task,
notification and timeline entry a person would check. The demo gives rep1 the sales role hunter,
rep2 closer and rep3 farmer for every territory; the app runs on a simulated business clock."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx

from backend.clock import SimulatedClock
from backend.sales_tasks.service import send_due_reminders
from tests.backend.conftest import auth_headers
from tests.backend.deals.helpers import API, capture_lead, sse_events, user_id
from tests.backend.orders.helpers import order_body, small_catalogue


def _z(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _events(client: httpx.AsyncClient, headers: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    stream = await client.get(f"{API}/me/events", headers=headers)
    assert stream.status_code == 200, stream.text
    return [(event["event"], event["data"]) for event in sse_events(stream.text)]


async def _feed(client: httpx.AsyncClient, headers: dict[str, str], since: str) -> list[tuple[str, dict[str, Any]]]:
    feed = await client.get(f"{API}/sync/changes", params={"since": since}, headers=headers)
    assert feed.status_code == 200, feed.text
    return [(n["kind"], n["payload"]) for n in feed.json()["notifications"]]


async def test_a_lead_becomes_a_loyal_customer_with_its_tasks_notifications_and_timeline(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    await small_catalogue(conn)
    hunter, closer, farmer = (
        await user_id(conn, "rep1@example.com"),
        await user_id(conn, "rep2@example.com"),
        await user_id(conn, "rep3@example.com"),
    )
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    rep3 = await auth_headers(client, "rep3@example.com")
    office = await auth_headers(client, "supervisor@example.com")
    office_id = await user_id(conn, "supervisor@example.com")
    since = {
        who: (await client.get(f"{API}/sync/changes", headers=headers)).json()["cursor"]
        for who, headers in (("closer", rep2), ("farmer", rep3))
    }

    # 1. The hunter captures a lead in the field (in their own territory): an account and its deal.
    lead = await capture_lead(client, conn, rep1, "rep1@example.com", "Osteria del Faro")
    account_id, deal_id = lead["id"], lead["deal_id"]

    # 2. A follow-up task for the hunter about the deal, done the next morning.
    clock.advance(dt.timedelta(hours=1))
    follow_up = {
        "id": str(uuid.uuid4()),
        "kind": "follow_up",
        "title": "Call the owner about a tasting",
        "due_at": _z(clock.now() + dt.timedelta(days=1)),
        "deal_id": deal_id,
    }
    made = await client.post(f"{API}/tasks", json=follow_up, headers=rep1)
    assert made.status_code == 201, made.text
    assert (made.json()["owner_id"], made.json()["account_id"]) == (hunter, account_id)
    clock.advance(dt.timedelta(hours=20))
    done = await client.post(f"{API}/tasks/{follow_up['id']}/complete", headers=rep1)
    assert done.status_code == 200 and done.json()["status"] == "done", done.text
    follow_up_done_at = clock.now()

    # 3. Contacted, qualified, then the tasting: the rule hands the deal to the territory's closer.
    for stage in ("contacted", "qualified", "tasting"):
        clock.advance(dt.timedelta(days=1))
        moved = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": stage}, headers=rep1)
        assert moved.status_code == 200, moved.text
    assert moved.json()["owner_id"] == closer
    handed_at = clock.now()
    handovers = [data for kind, data in await _events(client, rep2) if kind == "handover"]
    assert [(h["deal_id"], h["from_user_id"], h["to_user_id"]) for h in handovers] == [(deal_id, hunter, closer)]
    closer_feed = await _feed(client, rep2, since["closer"])
    assert [(p["deal_id"], p["to_user_id"]) for kind, p in closer_feed if kind == "handover"] == [(deal_id, closer)]

    # 4. The closer plans a call with a reminder; the worker's reminder run reaches their stream.
    clock.advance(dt.timedelta(hours=2))
    call_task = {
        "id": str(uuid.uuid4()),
        "kind": "call",
        "title": "Confirm the tasting date",
        "due_at": _z(clock.now() + dt.timedelta(hours=3)),
        "remind_at": _z(clock.now() + dt.timedelta(hours=2)),
        "deal_id": deal_id,
    }
    assert (await client.post(f"{API}/tasks", json=call_task, headers=rep2)).status_code == 201
    assert await send_due_reminders(conn, clock.now()) == 0  # not yet
    clock.advance(dt.timedelta(hours=2))
    assert await send_due_reminders(conn, clock.now()) == 1
    assert await send_due_reminders(conn, clock.now()) == 0  # once
    reminders = [data for kind, data in await _events(client, rep2) if kind == "task_reminder"]
    assert [(r["task_id"], r["title"], r["deal_id"]) for r in reminders] == [
        (call_task["id"], "Confirm the tasting date", deal_id)
    ]
    closer_feed = await _feed(client, rep2, since["closer"])
    assert [p["task_id"] for kind, p in closer_feed if kind == "task_reminder"] == [call_task["id"]]

    # 5. The closer makes the call, logs it and completes the task.
    clock.advance(dt.timedelta(minutes=30))
    called_at = clock.now() - dt.timedelta(minutes=10)
    call = {
        "id": str(uuid.uuid4()),
        "account_id": account_id,
        "deal_id": deal_id,
        "kind": "call",
        "direction": "outbound",
        "occurred_at": _z(called_at),
        "duration_s": 240,
        "outcome": "tasting on Thursday",
    }
    logged = await client.post(f"{API}/activities", json=call, headers=rep2)
    assert logged.status_code == 201, logged.text
    assert (await client.post(f"{API}/tasks/{call_task['id']}/complete", headers=rep2)).status_code == 200
    call_done_at = clock.now()

    # 6. The offer, then the closer takes the first order (the account lies in rep1's territory: the
    #    closer works it as the owner of its deal) and wins the deal.
    clock.advance(dt.timedelta(days=2))
    assert (await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "offer"}, headers=rep2)).status_code == 200
    offered_at = clock.now()
    clock.advance(dt.timedelta(hours=3))
    order = order_body(account_id, clock.now(), [("W-RED", 12, 0)])
    taken = await client.post(f"{API}/orders", json=order, headers=rep2)
    assert taken.status_code == 201, taken.text
    ordered_at = clock.now()
    clock.advance(dt.timedelta(hours=1))
    won = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "won"}, headers=rep2)
    assert won.status_code == 200 and won.json()["status"] == "won", won.text
    won_at = clock.now()

    # 7. The office delivers the order: the account goes to the territory's farmer, who is told.
    clock.advance(dt.timedelta(days=1))
    for status in ("confirmed", "delivered"):
        moved = await client.post(f"{API}/orders/{order['id']}/status", json={"status": status}, headers=office)
        assert moved.status_code == 200, moved.text
    delivered_at = clock.now()
    assert await conn.fetchval("select account_manager_id from accounts where id = $1", account_id) == farmer
    farmer_told = [data for kind, data in await _events(client, rep3) if kind == "handover"]
    assert [(h["account_id"], h["from_user_id"], h["to_user_id"]) for h in farmer_told] == [
        (account_id, closer, farmer)
    ]
    farmer_feed = await _feed(client, rep3, since["farmer"])
    assert [(p["account_id"], p["to_user_id"]) for kind, p in farmer_feed if kind == "handover"] == [
        (account_id, farmer)
    ]

    # 8. The card tells the whole story, newest first (ties: kind, then id, descending).
    card = await client.get(f"{API}/accounts/{account_id}", headers=rep3)
    assert card.status_code == 200, card.text
    story = [(item["kind"], item["at"], (item.get("user") or {}).get("id")) for item in card.json()["timeline"]]
    opened_at = dt.datetime.fromisoformat(
        (await client.get(f"{API}/deals/{deal_id}", headers=rep3)).json()["created_at"].replace("Z", "+00:00")
    )
    day = dt.timedelta(days=1)
    assert story == [
        ("handover", _z(delivered_at), office_id),  # the account to the farmer, by the office's delivery
        ("stage_change", _z(won_at), closer),
        ("order", _z(ordered_at), closer),
        ("stage_change", _z(offered_at), closer),
        ("task", _z(call_done_at), closer),
        ("call", _z(called_at), closer),
        ("stage_change", _z(handed_at), hunter),  # tasting
        ("handover", _z(handed_at), hunter),  # the deal to the closer
        ("stage_change", _z(handed_at - day), hunter),  # qualified
        ("stage_change", _z(handed_at - 2 * day), hunter),  # contacted
        ("task", _z(follow_up_done_at), hunter),
        ("deal", _z(opened_at), hunter),
    ], story
    by_kind = [item for item in card.json()["timeline"] if item["kind"] in ("stage_change", "task")]
    assert [item["to_stage"].lower() if item["kind"] == "stage_change" else item["title"] for item in by_kind] == [
        "won",
        "offer",
        "Confirm the tasting date",
        "tasting",
        "qualified",
        "contacted",
        "Call the owner about a tasting",
    ]

    # 9. The hunter still reads the deal and the card (and changes neither the deal nor its stage).
    assert (await client.get(f"{API}/deals/{deal_id}", headers=rep1)).status_code == 200
    hunter_card = await client.get(f"{API}/accounts/{account_id}", headers=rep1)
    assert hunter_card.status_code == 200
    assert [item["kind"] for item in hunter_card.json()["timeline"]] == [kind for kind, _, _ in story]
