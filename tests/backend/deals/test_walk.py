"""The walk of issue 17: a hunter captures a lead in the field, the deal moves stage by stage, reaching
the tasting hands it to the territory's closer, it is won with an order, and the account's first
delivered order hands the account to the territory's farmer. Every hand-over is logged and told to
both people (their event stream and sync feed); the previous owner can still read the deal.

The demo (loaded for every test session) gives rep1 the sales role hunter, rep2 closer and rep3 farmer
for every territory, and the `new-customer` pipeline with its two rules.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import httpx

from backend.clock import SimulatedClock
from tests.backend.conftest import auth_headers
from tests.backend.deals.helpers import API, capture_lead, counts, sse_events, user_id
from tests.backend.orders.helpers import order_body, small_catalogue


async def test_a_lead_walks_from_the_hunter_through_the_closer_to_the_farmer(
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
    me = (await client.get(f"{API}/me", headers=rep1)).json()
    assert me["sales_role"] == "hunter"
    sync_before = {
        email: (await client.get(f"{API}/sync/changes", headers=headers)).json()["cursor"]
        for email, headers in (("rep1", rep1), ("rep2", rep2))
    }

    # 1. The hunter captures a lead in the field: the account and its deal at the first stage.
    opened_at = clock.now()
    lead = await capture_lead(client, conn, rep1, "rep1@example.com", "Enoteca del Porto")
    deal_id = lead["deal_id"]
    assert deal_id is not None
    deal = (await client.get(f"{API}/deals/{deal_id}", headers=rep1)).json()
    assert (deal["pipeline_code"], deal["stage_code"], deal["status"]) == ("new-customer", "lead", "open")
    assert (deal["owner_id"], deal["source"], deal["account_id"]) == (hunter, "field", lead["id"])
    assert deal["history"] == [
        {
            "from_stage_id": None,
            "from_stage": None,
            "to_stage_id": deal["stage_id"],
            "to_stage": "lead",
            "changed_by": hunter,
            "changed_at": opened_at.isoformat().replace("+00:00", "Z"),
        }
    ]

    # 2. Contacted, qualified: the hunter's work.
    for stage in ("contacted", "qualified"):
        clock.advance(dt.timedelta(days=1))
        moved = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": stage}, headers=rep1)
        assert moved.status_code == 200, moved.text
        assert moved.json()["stage_code"] == stage and moved.json()["owner_id"] == hunter
        assert moved.json()["stage_entered_at"] == clock.now().isoformat().replace("+00:00", "Z")

    # 3. Straight to the offer would skip the tasting (required): refused, nothing stored.
    before = await counts(conn)
    skipped = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "offer"}, headers=rep1)
    assert skipped.status_code == 422 and skipped.json()["field"] == "stage"
    assert "'tasting'" in skipped.json()["detail"] and "required" in skipped.json()["detail"]
    assert await counts(conn) == before

    # 4. The tasting (the key stage) is reached: the rule hands the deal to the territory's closer.
    clock.advance(dt.timedelta(hours=5))
    tasting = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "tasting"}, headers=rep1)
    assert tasting.status_code == 200, tasting.text
    body = tasting.json()
    assert body["stage_code"] == "tasting" and body["owner_id"] == closer
    assert [(o["to_role"], o["handed_over"], o["to_user_id"]) for o in body["handover_outcomes"]] == [
        ("closer", True, closer)
    ]
    handover = await conn.fetchrow("select * from handovers where deal_id = $1", uuid.UUID(deal_id))
    assert (handover["from_user_id"], handover["to_user_id"], handover["created_by"]) == (hunter, closer, hunter)
    assert handover["rule_id"] is not None and handover["created_at"] == clock.now()
    assert [h["to_user_id"] for h in body["handovers"]] == [closer]
    told = await conn.fetch(
        "select user_id, payload from notifications where kind = 'handover' and payload->>'deal_id' = $1 "
        "order by user_id",
        deal_id,
    )
    assert sorted(row["user_id"] for row in told) == sorted([hunter, closer])
    # The closer's event stream and both people's sync feeds carry it.
    stream = await client.get(f"{API}/me/events", headers=rep2)
    handover_events = [e for e in sse_events(stream.text) if e["event"] == "handover"]
    assert len(handover_events) == 1
    data = handover_events[0]["data"]
    assert (data["deal_id"], data["account_id"], data["account_name"]) == (deal_id, lead["id"], lead["name"])
    assert (data["from_user_id"], data["to_user_id"]) == (hunter, closer) and "closer" in data["reason"]
    for email, headers in (("rep1", rep1), ("rep2", rep2)):
        feed = await client.get(f"{API}/sync/changes", params={"since": sync_before[email]}, headers=headers)
        assert feed.status_code == 200, feed.text
        kinds = [(n["kind"], n["payload"]["deal_id"]) for n in feed.json()["notifications"]]
        assert ("handover", deal_id) in kinds, (email, kinds)
    # The hunter no longer moves it, but still reads it (and its history).
    assert (await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "offer"}, headers=rep1)).status_code == 403
    assert (await client.get(f"{API}/deals/{deal_id}", headers=rep1)).status_code == 200

    # 5. The closer makes the offer; won needs an order of the account since the deal was opened.
    clock.advance(dt.timedelta(days=1))
    offer = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "offer"}, headers=rep2)
    assert offer.status_code == 200 and offer.json()["owner_id"] == closer
    before = await counts(conn)
    early = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "won"}, headers=rep2)
    assert early.status_code == 422 and early.json()["field"] == "stage" and "order" in early.json()["detail"]
    assert await counts(conn) == before
    # The territory's rep takes the first order in a visit (the account is in rep1's territory).
    order = order_body(lead["id"], clock.now(), [("W-RED", 12, 0)])
    taken = await client.post(f"{API}/orders", json=order, headers=rep1)
    assert taken.status_code == 201, taken.text
    clock.advance(dt.timedelta(hours=1))
    won = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "won"}, headers=rep2)
    assert won.status_code == 200, won.text
    assert (won.json()["status"], won.json()["closed_at"]) == ("won", clock.now().isoformat().replace("+00:00", "Z"))
    assert [c["to_stage"] for c in won.json()["history"]] == [
        "lead",
        "contacted",
        "qualified",
        "tasting",
        "offer",
        "won",
    ]
    closed = await client.post(f"{API}/deals/{deal_id}/stage", json={"stage": "lost", "lost_reason": "x"}, headers=rep2)
    assert closed.status_code == 409 and closed.json()["field"] == "stage"

    # 6. The office moves the order to delivered: the account's first delivery hands it to the farmer.
    assert await conn.fetchval("select account_manager_id from accounts where id = $1", lead["id"]) is None
    for status in ("confirmed", "delivered"):
        moved = await client.post(f"{API}/orders/{order['id']}/status", json={"status": status}, headers=office)
        assert moved.status_code == 200, moved.text
    assert await conn.fetchval("select account_manager_id from accounts where id = $1", lead["id"]) == farmer
    account_handover = await conn.fetchrow(
        "select * from handovers where account_id = $1 and to_user_id = $2", lead["id"], farmer
    )
    assert (account_handover["from_user_id"], str(account_handover["deal_id"])) == (closer, deal_id)
    assert "first delivered order" in account_handover["reason"]
    farmer_events = [e for e in sse_events((await client.get(f"{API}/me/events", headers=rep3)).text)]
    assert [(e["event"], e["data"]["to_user_id"]) for e in farmer_events] == [("handover", farmer)]
    closer_told = await conn.fetchval(
        "select count(*) from notifications where user_id = $1 and kind = 'handover'", closer
    )
    assert closer_told == 2  # the deal handed to them, the account handed on from them

    # A second delivered order is not the first: nothing more is handed over.
    second = order_body(lead["id"], clock.now(), [("W-WHITE", 6, 0)])
    assert (await client.post(f"{API}/orders", json=second, headers=rep1)).status_code == 201
    for status in ("confirmed", "delivered"):
        await client.post(f"{API}/orders/{second['id']}/status", json={"status": status}, headers=office)
    assert await conn.fetchval("select count(*) from handovers where account_id = $1", lead["id"]) == 2

    # 7. Everyone on the way reads the deal: the farmer (their account), the closer (owner), the hunter.
    for headers in (rep1, rep2, rep3):
        read = await client.get(f"{API}/deals/{deal_id}", headers=headers)
        assert read.status_code == 200 and len(read.json()["handovers"]) == 2
        listed = (await client.get(f"{API}/deals", params={"status": "won"}, headers=headers)).json()
        assert deal_id in [item["id"] for item in listed["items"]]


async def test_the_previous_owner_keeps_read_access_outside_their_territories(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """A deal on an account of rep2's territory, given to rep1 by the supervisor, then handed by hand to
    rep2: rep1 no longer sees the account, but still reads the deal they handed over (not move it)."""
    rep1_id, rep2_id = await user_id(conn, "rep1@example.com"), await user_id(conn, "rep2@example.com")
    await conn.execute("update users set sales_role = 'closer' where id = $1", rep1_id)
    account = await conn.fetchval(
        "select a.id from accounts a join territories t on t.id = a.territory_id where t.owner_rep_id = $1 "
        "order by a.id limit 1",
        rep2_id,
    )
    supervisor = await auth_headers(client, "supervisor@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    deal = {"id": str(uuid.uuid4()), "account_id": account, "pipeline": "new-customer", "owner_id": rep1_id}
    created = await client.post(f"{API}/deals", json={**deal, "source": "telemarketing"}, headers=supervisor)
    assert created.status_code == 201, created.text
    assert created.json()["owner_id"] == rep1_id
    assert (await client.get(f"{API}/deals/{deal['id']}", headers=rep1)).status_code == 200
    handed = await client.post(
        f"{API}/deals/{deal['id']}/handover",
        json={"to_user_id": rep2_id, "reason": "rep1 is on leave"},
        headers=supervisor,
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["owner_id"] == rep2_id
    assert handed.json()["handovers"][0]["reason"] == "rep1 is on leave"
    assert not await conn.fetchval("select $1 in (select visible_account_ids('rep', $2))", account, rep1_id)
    read = await client.get(f"{API}/deals/{deal['id']}", headers=rep1)
    assert read.status_code == 200 and read.json()["owner_id"] == rep2_id
    listed = (await client.get(f"{API}/deals", headers=rep1)).json()
    assert deal["id"] in [item["id"] for item in listed["items"]]
    moved = await client.post(f"{API}/deals/{deal['id']}/stage", json={"stage": "contacted"}, headers=rep1)
    assert moved.status_code == 403
    assert (
        await conn.fetchval(
            "select count(*) from notifications where kind = 'handover' and payload->>'deal_id' = $1", deal["id"]
        )
        == 2
    )


async def test_the_previous_owner_reads_every_deal_their_card_shows(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """One rule for "the previous owner keeps read access" (`readable_account_ids`, migration 0017): the
    deals and the card agree. rep1 handed over a deal on an account of rep2's territory; a later deal on
    that account appears on the card rep1 still reads, so rep1 reads that deal too (and moves neither)."""
    rep1_id, rep2_id = await user_id(conn, "rep1@example.com"), await user_id(conn, "rep2@example.com")
    await conn.execute("update users set sales_role = 'closer' where id = $1", rep1_id)
    account = await conn.fetchval(
        "select a.id from accounts a join territories t on t.id = a.territory_id where t.owner_rep_id = $1 "
        "order by a.id limit 1",
        rep2_id,
    )
    supervisor = await auth_headers(client, "supervisor@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    first = {"id": str(uuid.uuid4()), "account_id": account, "pipeline": "new-customer", "owner_id": rep1_id}
    assert (await client.post(f"{API}/deals", json=first, headers=supervisor)).status_code == 201
    handed = await client.post(
        f"{API}/deals/{first['id']}/handover", json={"to_user_id": rep2_id, "reason": "leave"}, headers=supervisor
    )
    assert handed.status_code == 200, handed.text
    lost = await client.post(
        f"{API}/deals/{first['id']}/stage", json={"stage": "lost", "lost_reason": "no budget"}, headers=rep2
    )
    assert lost.status_code == 200, lost.text
    second = {"id": str(uuid.uuid4()), "account_id": account, "pipeline": "new-customer"}
    assert (await client.post(f"{API}/deals", json=second, headers=rep2)).status_code == 201

    card = await client.get(f"{API}/accounts/{account}", headers=rep1)
    assert card.status_code == 200 and card.json()["read_only"] is True
    card_deals = {item["id"] for item in card.json()["timeline"] if item["kind"] == "deal"}
    assert card_deals == {first["id"], second["id"]}
    for deal_id in card_deals:
        assert (await client.get(f"{API}/deals/{deal_id}", headers=rep1)).status_code == 200, deal_id
    listed = (await client.get(f"{API}/deals", params={"account_id": account}, headers=rep1)).json()
    assert {item["id"] for item in listed["items"]} == card_deals
    moved = await client.post(f"{API}/deals/{second['id']}/stage", json={"stage": "contacted"}, headers=rep1)
    assert moved.status_code == 403
