"""The control lists recomputed by hand on a small fixture of deals (written directly: the deals API
is another feature's), each list scoped like the rest of the product."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from backend.clock import SimulatedClock
from tests.backend.conftest import auth_headers
from tests.backend.sales_tasks.helpers import account_of, insert_deal, people, pipeline

pytestmark = pytest.mark.db
API = "/api/v1"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


async def _pages(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a keyset-paginated list, one item per page (the cursor is exercised too)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}{path}", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_deals_without_a_task_and_stuck_deals_as_computed_by_hand(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    who = await people(conn)
    now = clock.now()
    pipe = await pipeline(conn, {"lead": 3, "offer": 5, "talks": None})
    a = [await account_of(conn, who.rep1, n) for n in range(4)]
    b = [await account_of(conn, who.rep2, n) for n in range(2)]
    f_account = await account_of(conn, who.rep3)

    # name: (account, owner, stage, time in stage)
    fixture = {
        "A": (a[0], who.rep1, "lead", 5 * D),  # norm 3: 5 whole days, 2 over; has an open task
        "B": (a[1], who.rep1, "offer", 2 * D),  # norm 5: not stuck; no task
        "C": (b[0], who.rep2, "talks", 40 * D),  # no norm: never stuck; only a done task
        "D": (a[2], who.rep1, "lead", 3 * D + 23 * H),  # norm 3: 3 whole days, not more: not stuck; no task
        "E": (a[3], who.rep1, "won", 9 * D),  # closed: in no list
        "F": (f_account, who.rep3, "lead", 10 * D),  # the other team's
        "G": (b[1], who.rep2, "offer", 6 * D + H),  # norm 5: 6 whole days, 1 over; a task about the account only
    }
    deals: dict[str, uuid.UUID] = {}
    for name, (account, owner, stage, age) in fixture.items():
        deals[name] = await insert_deal(
            conn, pipe, account_id=account, owner_id=owner, stage=stage, stage_entered_at=now - age, title=name
        )
    name_of = {str(deal_id): name for name, deal_id in deals.items()}

    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    due = (now + 2 * H).isoformat()
    about_a = {
        "id": str(uuid.uuid4()),
        "kind": "follow_up",
        "title": "Chase A",
        "due_at": due,
        "deal_id": str(deals["A"]),
    }
    created = await client.post(f"{API}/tasks", json=about_a, headers=rep1)
    assert created.status_code == 201, created.text
    assert created.json()["account_id"] == a[0], "a task about a deal is about its account too"
    about_c = {"id": str(uuid.uuid4()), "kind": "call", "title": "Call C", "due_at": due, "deal_id": str(deals["C"])}
    task_c = (await client.post(f"{API}/tasks", json=about_c, headers=rep2)).json()
    assert (await client.post(f"{API}/tasks/{task_c['id']}/complete", headers=rep2)).status_code == 200
    about_g = {"id": str(uuid.uuid4()), "kind": "call", "title": "Call G's shop", "due_at": due, "account_id": b[1]}
    assert (await client.post(f"{API}/tasks", json=about_g, headers=rep2)).status_code == 201
    wrong = {**about_a, "id": str(uuid.uuid4()), "account_id": a[1]}
    refused = await client.post(f"{API}/tasks", json=wrong, headers=rep1)
    assert refused.status_code == 422 and refused.json()["field"] == "account_id"

    # By hand. Without an open task about the deal: B, C (its task is done), D, G (its task is only
    # about the account); not A (open task), E (won), F for this team. Longest in stage first.
    # Stuck: whole days in stage > norm: A (5 > 3, over 2), G (6 > 5, over 1); D has 3, not > 3.
    # Ordered by when they became stuck (entered + norm): A at now - 2 d, G at now - 1 d - 1 h.
    supervisor = await auth_headers(client, "supervisor@example.com")
    without = await _pages(client, "/control/deals-without-task", supervisor)
    assert [name_of[item["deal_id"]] for item in without] == ["C", "G", "D", "B"]
    c_row = without[0]
    assert dt.datetime.fromisoformat(c_row["last_task_done_at"]) == now
    assert (c_row["stage_code"], c_row["owner_id"], c_row["account_id"]) == ("talks", who.rep2, b[0])
    stuck = await _pages(client, "/control/stuck-deals", supervisor)
    assert [(name_of[i["deal_id"]], i["norm_days"], i["days_in_stage"], i["days_over"]) for i in stuck] == [
        ("A", 3, 5, 2),
        ("G", 5, 6, 1),
    ]

    # Scoped: rep1 sees the deals of their accounts; the other supervisor only F; a filter by owner.
    mine = (await client.get(f"{API}/control/deals-without-task", headers=rep1)).json()["items"]
    assert [name_of[item["deal_id"]] for item in mine] == ["D", "B"]
    assert [
        name_of[i["deal_id"]] for i in (await client.get(f"{API}/control/stuck-deals", headers=rep1)).json()["items"]
    ] == ["A"]
    other = await auth_headers(client, "other-supervisor@example.com")
    for path in ("/control/deals-without-task", "/control/stuck-deals"):
        items = (await client.get(f"{API}{path}", headers=other)).json()["items"]
        assert [name_of[item["deal_id"]] for item in items] == ["F"], path
        refused = await client.get(f"{API}{path}", params={"owner_id": who.rep1}, headers=other)
        assert refused.status_code == 404 and refused.json()["field"] == "owner_id"
    by_rep2 = await _pages(client, "/control/deals-without-task", supervisor, owner_id=who.rep2)
    assert [name_of[item["deal_id"]] for item in by_rep2] == ["C", "G"]

    # Time passes: D becomes stuck once its fourth whole day in the stage is over.
    clock.advance(H)
    stuck_later = (await client.get(f"{API}/control/stuck-deals", headers=supervisor)).json()["items"]
    assert [(name_of[i["deal_id"]], i["days_over"]) for i in stuck_later] == [("A", 2), ("G", 1), ("D", 1)]


async def test_overdue_tasks_as_computed_by_hand(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    who = await people(conn)
    start = clock.now()
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    account1, account2 = await account_of(conn, who.rep1), await account_of(conn, who.rep2)

    async def task(headers: dict[str, str], account: int, due: dt.datetime) -> str:
        body = {"id": str(uuid.uuid4()), "kind": "call", "title": "t", "due_at": due.isoformat(), "account_id": account}
        response = await client.post(f"{API}/tasks", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    early = await task(rep1, account1, start + H)  # overdue by 4 h 30 at the end
    done = await task(rep1, account1, start + 2 * H)  # done: never overdue
    later = await task(rep2, account2, start + 3 * H)  # overdue by 2 h 30
    future = await task(rep2, account2, start + 6 * H)  # not yet due
    assert (await client.post(f"{API}/tasks/{done}/complete", headers=rep1)).status_code == 200
    clock.advance(5 * H + 30 * dt.timedelta(minutes=1))
    supervisor = await auth_headers(client, "supervisor@example.com")
    rows = (await client.get(f"{API}/control/overdue-tasks", headers=supervisor)).json()["items"]
    assert [(row["id"], row["overdue_h"]) for row in rows] == [(early, 4), (later, 2)]
    assert future not in {row["id"] for row in rows}
    mine = (await client.get(f"{API}/control/overdue-tasks", headers=rep2)).json()["items"]
    assert [row["id"] for row in mine] == [later]
