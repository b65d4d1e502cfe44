"""Segments through the API on the small town of fixture.py, whose facts are known by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.maintenance.service import refresh_segments
from backend.segments.rules import TurnoverBands, turnover_band
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.segments.fixture import API, NOW, Town, build_town, with_bands
from tests.backend.supervision.known_day import OTHER_SUPERVISOR, prepare_team

pytestmark = pytest.mark.db

TESTBY = {"field": "city", "op": "eq", "value": "TESTBY"}  # case does not matter


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def town_settings(settings: Settings) -> Settings:
    return with_bands(settings)


@pytest.fixture
async def api(
    town_settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(town_settings, pool=SingleConnectionSource(conn), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def town(conn: asyncpg.Connection, api: httpx.AsyncClient) -> Town:
    await prepare_team(conn)  # rep3 (and X) belong to another supervisor's team
    return await build_town(conn, api)


async def _headers(api: httpx.AsyncClient, who: str) -> dict[str, str]:
    return await auth_headers(api, who if "@" in who else f"{who}@example.com")


async def _preview(
    api: httpx.AsyncClient, headers: dict[str, str], rules: list[dict[str, Any]]
) -> tuple[int, list[int]]:
    response = await api.post(f"{API}/segments/preview", json={"rules": rules, "limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["count"], [item["id"] for item in body["first"]]


async def test_each_field_selects_what_its_definition_says(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    admin = await _headers(api, "admin")
    rep1_territory = await conn.fetchval("select territory_id from accounts where id = $1", town.ids["T1"])
    rep3_territory = await conn.fetchval("select territory_id from accounts where id = $1", town.ids["X"])
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"field": "channel", "op": "eq", "value": "horeca"}, {"T1", "T2", "T4", "X"}),
        ({"field": "channel", "op": "ne", "value": "horeca"}, {"T3", "T5"}),
        ({"field": "account_class", "op": "in", "value": ["a", "B"]}, {"T1", "T2", "T5", "X"}),
        ({"field": "status", "op": "eq", "value": "active"}, {"T1", "T2", "T3", "T4", "T5", "X"}),
        ({"field": "status", "op": "in", "value": ["potential", "closed"]}, set()),
        ({"field": "territory_id", "op": "eq", "value": rep3_territory}, {"X"}),
        ({"field": "territory_id", "op": "not_in", "value": [rep1_territory]}, {"X"}),
        ({"field": "category_bought", "op": "eq", "value": "wine"}, {"T1", "T5", "X"}),
        ({"field": "category_bought", "op": "eq", "value": "wine", "within_days": 90}, {"T1", "X"}),
        ({"field": "category_bought", "op": "in", "value": ["wine/red"]}, {"T1", "T5"}),
        ({"field": "category_bought", "op": "eq", "value": "white"}, {"X"}),
        # T3's sparkling order was cancelled: not a fact order.
        ({"field": "category_bought", "op": "eq", "value": "sparkling"}, {"T2"}),
        ({"field": "category_bought", "op": "eq", "value": "sparkling", "within_days": 50}, {"T2"}),
        ({"field": "category_bought", "op": "eq", "value": "sparkling", "within_days": 49}, set()),
        (
            {"field": "category_not_bought", "op": "eq", "value": "sparkling", "within_days": 90},
            {"T1", "T3", "T4", "T5", "X"},
        ),
        ({"field": "category_not_bought", "op": "in", "value": ["wine", "beer"]}, {"T2", "T4"}),
        ({"field": "last_order_age_days", "op": "gt", "value": 14}, {"T2", "T5"}),
        ({"field": "last_order_age_days", "op": "gte", "value": 14}, {"T2", "T3", "T5"}),
        ({"field": "last_order_age_days", "op": "lt", "value": 14}, {"T1", "X"}),
        ({"field": "last_order_age_days", "op": "lte", "value": 3}, {"T1", "X"}),
        ({"field": "last_order_age_days", "op": "eq", "value": 50}, {"T2"}),
        ({"field": "last_order_age_days", "op": "between", "value": [10, 60]}, {"T2", "T3"}),
        ({"field": "last_order_age_days", "op": "never"}, {"T4"}),
        ({"field": "turnover_band", "op": "eq", "value": "A"}, {"T1"}),
        ({"field": "turnover_band", "op": "in", "value": ["B", "c"]}, {"T2", "T3", "X"}),
        ({"field": "turnover_band", "op": "eq", "value": "D"}, {"T4", "T5"}),
        ({"field": "turnover_band", "op": "ne", "value": "D"}, {"T1", "T2", "T3", "X"}),
        ({"field": "deal_stage", "op": "eq", "value": "negotiation"}, {"T4"}),
        ({"field": "deal_stage", "op": "eq", "value": "new-customers:negotiation"}, {"T4"}),
        ({"field": "deal_stage", "op": "eq", "value": "won"}, set()),  # T3's deal is closed
        ({"field": "deal_stage", "op": "ne", "value": "negotiation"}, {"T1", "T2", "T3", "T5", "X"}),
        ({"field": "deal_pipeline", "op": "eq", "value": "new-customers"}, {"T4"}),
        (
            {
                "any_of": [
                    {"field": "last_order_age_days", "op": "gt", "value": 30},
                    {"field": "last_order_age_days", "op": "never"},
                ]
            },
            {"T2", "T4", "T5"},
        ),
    ]
    wrong = []
    for condition, expected in cases:
        count, first = await _preview(api, admin, [TESTBY, condition])
        if town.names(first) != expected or count != len(expected):
            wrong.append(f"{condition}: {sorted(town.names(first))} ({count}), expected {sorted(expected)}")
    assert not wrong, "\n".join(wrong)
    # The band of each account by the one definition in rules.py agrees with the SQL of the rule.
    bands = TurnoverBands(a=1000, b=300, c=50)
    by_hand = {"T1": 1100.0, "T2": 300.0, "T3": 60.0, "T4": 0.0, "T5": 40.0, "X": 95.0}
    for band in "ABCD":
        _, first = await _preview(api, admin, [TESTBY, {"field": "turnover_band", "op": "eq", "value": band}])
        assert town.names(first) == {name for name, amount in by_hand.items() if turnover_band(amount, bands) == band}


async def _create(api: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(f"{API}/segments", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_saved_segment_counts_lists_and_filters_the_account_lists_and_the_kpis(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    supervisor = await _headers(api, "supervisor")
    horeca = {"field": "channel", "op": "eq", "value": "horeca"}
    segment = await _create(api, supervisor, {"name": "HoReCa of Testby", "rules": [TESTBY, horeca]})
    assert segment["visibility"] == "team"
    assert segment["rules"] == [{"field": "city", "op": "eq", "value": "testby"}, horeca]
    assert segment["evaluated_at"] is not None
    # Members are T1, T2, T4 and X; X belongs to the other team, so this supervisor counts three.
    assert segment["member_count"] == 3
    stored = await conn.fetch("select account_id from segment_members where segment_id = $1", segment["id"])
    assert town.names([row["account_id"] for row in stored]) == {"T1", "T2", "T4", "X"}
    sid = segment["id"]

    first = (await api.get(f"{API}/segments/{sid}/accounts", params={"limit": 2}, headers=supervisor)).json()
    second = (
        await api.get(
            f"{API}/segments/{sid}/accounts", params={"limit": 2, "cursor": first["next_cursor"]}, headers=supervisor
        )
    ).json()
    names = [item["name"] for item in first["items"] + second["items"]]
    assert names == sorted(names) and second["next_cursor"] is None
    assert town.names([item["id"] for item in first["items"] + second["items"]]) == {"T1", "T2", "T4"}

    # Readers of a team segment: the supervisor's reps, each counting what they see.
    rep1, rep2 = await _headers(api, "rep1"), await _headers(api, "rep2")
    assert (await api.get(f"{API}/segments/{sid}", headers=rep1)).json()["member_count"] == 3
    assert (await api.get(f"{API}/segments/{sid}", headers=rep2)).json()["member_count"] == 1  # T1: rep2 manages it
    listed = (await api.get(f"{API}/segments", headers=rep1)).json()["items"]
    assert [(item["id"], item["member_count"]) for item in listed] == [(sid, 3)]

    # The account lists filtered by the segment.
    accounts = await api.get(f"{API}/accounts", params={"segment_id": sid, "limit": 500}, headers=supervisor)
    assert town.names([item["id"] for item in accounts.json()["items"]]) == {"T1", "T2", "T4"}
    class_a = await api.get(f"{API}/accounts", params={"segment_id": sid, "class": "A"}, headers=supervisor)
    assert town.names([item["id"] for item in class_a.json()["items"]]) == {"T1"}
    mine = await api.get(f"{API}/me/accounts", params={"segment_id": sid, "limit": 500}, headers=rep1)
    assert town.names([item["id"] for item in mine.json()["items"]]) == {"T1", "T2", "T4"}
    near = await api.get(f"{API}/me/accounts", params={"segment_id": sid, "near": "60.17,24.94"}, headers=rep1)
    assert town.names([item["id"] for item in near.json()["items"]]) == {"T1", "T2", "T4"}

    # The KPI report over the segment's accounts: T1 (1100.00) and T2 (300.00) ordered in the period,
    # T4 never did; without the segment T3's 60.00 counts too.
    period = {"from": "2026-10-01", "to": "2026-12-04", "group_by": "territory"}
    total = (await api.get(f"{API}/sales/kpis", params={**period, "segment_id": sid}, headers=supervisor)).json()[
        "total"
    ]
    assert (total["orders"], total["amount"], total["akb"]) == (2, 1400.0, 2)
    assert total["average_check"] == 700.0
    everyone = (await api.get(f"{API}/sales/kpis", params=period, headers=supervisor)).json()["total"]
    assert (everyone["orders"], everyone["amount"]) == (3, 1460.0)

    # The other team's supervisor may not read it: 404 everywhere, naming segment_id for the filters.
    other = await _headers(api, OTHER_SUPERVISOR)
    assert (await api.get(f"{API}/segments/{sid}", headers=other)).status_code == 404
    assert (await api.get(f"{API}/segments", headers=other)).json()["items"] == []
    for url in (f"{API}/accounts", f"{API}/sales/kpis"):
        refused = await api.get(url, params={"segment_id": sid}, headers=other)
        assert refused.status_code == 404 and refused.json()["field"] == "segment_id", refused.text


async def test_another_teams_supervisor_sees_no_members_of_ours(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    supervisor, other = await _headers(api, "supervisor"), await _headers(api, OTHER_SUPERVISOR)
    shared = await _create(api, supervisor, {"name": "All of Testby", "rules": [TESTBY], "visibility": "everyone"})
    sid = shared["id"]
    assert shared["member_count"] == 5
    seen = await api.get(f"{API}/segments/{sid}", headers=other)
    assert seen.status_code == 200 and seen.json()["member_count"] == 1  # X only
    members = (await api.get(f"{API}/segments/{sid}/accounts", headers=other)).json()["items"]
    assert town.names([item["id"] for item in members]) == {"X"}
    changes = (await api.get(f"{API}/segments/{sid}/changes", headers=other)).json()["items"]
    assert town.names([item["account_id"] for item in changes]) == {"X"}
    accounts = (await api.get(f"{API}/accounts", params={"segment_id": sid, "limit": 500}, headers=other)).json()
    assert town.names([item["id"] for item in accounts["items"]]) == {"X"}
    rep1_territory = await conn.fetchval("select territory_id from accounts where id = $1", town.ids["T1"])
    assert await _preview(api, other, [{"field": "territory_id", "op": "eq", "value": rep1_territory}]) == (0, [])
    # Readable is not editable: only its owner or an admin changes it; reps never.
    body = {"name": "Taken", "rules": [TESTBY]}
    assert (await api.put(f"{API}/segments/{sid}", json=body, headers=other)).status_code == 403
    assert (await api.delete(f"{API}/segments/{sid}", headers=other)).status_code == 403
    rep1 = await _headers(api, "rep1")
    assert (await api.put(f"{API}/segments/{sid}", json=body, headers=rep1)).status_code == 403
    assert await conn.fetchval("select name from segments where id = $1", sid) == "All of Testby"
    # A private segment: its owner and admins only.
    private = await _create(api, supervisor, {"name": "Mine", "rules": [TESTBY], "visibility": "private"})
    for headers in (rep1, other):
        assert (await api.get(f"{API}/segments/{private['id']}", headers=headers)).status_code == 404
    admin = await _headers(api, "admin")
    assert (await api.get(f"{API}/segments/{private['id']}", headers=admin)).json()["member_count"] == 6  # X too
    assert (await api.delete(f"{API}/segments/{private['id']}", headers=supervisor)).status_code == 204
    assert await conn.fetchval("select count(*) from segment_members where segment_id = $1", private["id"]) == 0


async def test_accounts_enter_and_leave_as_their_facts_change_and_time_passes(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town, town_settings: Settings
) -> None:
    supervisor = await _headers(api, "supervisor")
    sparkling = {"field": "category_bought", "op": "eq", "value": "sparkling", "within_days": 30}
    bought = await _create(api, supervisor, {"name": "Sparkling this month", "rules": [TESTBY, sparkling]})
    recent = await _create(
        api,
        supervisor,
        {"name": "Ordered lately", "rules": [TESTBY, {"field": "last_order_age_days", "op": "lte", "value": 3}]},
    )
    assert bought["member_count"] == 0  # T2's sparkling was 50 days ago
    assert recent["member_count"] == 1  # T1 (X too, in the other team)

    # T1 orders sparkling today.
    rep1 = await _headers(api, "rep1")
    order_id = str(uuid.uuid4())
    body = {
        "id": order_id,
        "account_id": town.ids["T1"],
        "ordered_at": NOW.isoformat(),
        "lines": [{"sku": "SP-BRUT", "quantity": 6}],
    }
    assert (await api.post(f"{API}/orders", json=body, headers=rep1)).status_code == 201
    # Not yet re-evaluated: the worker waits for the refresh interval (15 min by default).
    assert await refresh_segments(conn, town_settings, NOW + dt.timedelta(minutes=5)) == []
    runs = await refresh_segments(conn, town_settings, NOW + dt.timedelta(minutes=16))
    assert {run.segment_id: (run.entered, run.exited) for run in runs} == {bought["id"]: (1, 0), recent["id"]: (0, 0)}
    changes = (await api.get(f"{API}/segments/{bought['id']}/changes", headers=supervisor)).json()["items"]
    assert [(town.names([c["account_id"]]), c["change"]) for c in changes] == [({"T1"}, "entered")]
    assert (await api.get(f"{API}/segments/{bought['id']}", headers=supervisor)).json()["member_count"] == 1

    # The office cancels the order: T1 leaves at the next evaluation.
    admin = await _headers(api, "admin")
    cancelled = await api.post(f"{API}/orders/{order_id}/status", json={"status": "cancelled"}, headers=admin)
    assert cancelled.status_code == 200, cancelled.text
    await refresh_segments(conn, town_settings, NOW + dt.timedelta(minutes=32))
    changes = (await api.get(f"{API}/segments/{bought['id']}/changes", headers=supervisor)).json()["items"]
    assert [(town.names([c["account_id"]]), c["change"]) for c in changes] == [({"T1"}, "left"), ({"T1"}, "entered")]
    page = (await api.get(f"{API}/segments/{bought['id']}/changes", params={"limit": 1}, headers=supervisor)).json()
    rest = await api.get(
        f"{API}/segments/{bought['id']}/changes", params={"cursor": page["next_cursor"]}, headers=supervisor
    )
    assert [c["change"] for c in page["items"] + rest.json()["items"]] == ["left", "entered"]

    # A day later T1's last order is 4 days old: it leaves "ordered lately" with no new fact at all.
    tomorrow = NOW + dt.timedelta(days=1)
    await refresh_segments(conn, town_settings, tomorrow)
    changes = (await api.get(f"{API}/segments/{recent['id']}/changes", headers=supervisor)).json()["items"]
    latest = changes[0]
    assert (town.names([latest["account_id"]]), latest["change"], latest["changed_at"]) == (
        {"T1"},
        "left",
        tomorrow.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    )


async def test_a_save_re_evaluates_at_once(api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town) -> None:
    supervisor = await _headers(api, "supervisor")
    segment = await _create(
        api, supervisor, {"name": "Wine", "rules": [TESTBY, {"field": "category_bought", "op": "eq", "value": "wine"}]}
    )
    assert segment["member_count"] == 2  # T1, T5 (X is the other team's)
    body = {
        "name": "Beer",
        "rules": [TESTBY, {"field": "category_bought", "op": "eq", "value": "beer"}],
        "description": "x",
    }
    updated = await api.put(f"{API}/segments/{segment['id']}", json=body, headers=supervisor)
    assert updated.status_code == 200, updated.text
    assert (updated.json()["name"], updated.json()["member_count"], updated.json()["description"]) == ("Beer", 1, "x")
    rows = await conn.fetch(
        "select account_id, change from segment_membership_changes where segment_id = $1 order by id", segment["id"]
    )
    moves = [(town.names([row["account_id"]]).pop(), row["change"]) for row in rows]
    assert sorted(moves[:3]) == [("T1", "entered"), ("T5", "entered"), ("X", "entered")]
    assert sorted(moves[3:]) == [("T1", "left"), ("T3", "entered"), ("T5", "left"), ("X", "left")]
    # A second segment of the same name for the same owner: 409, nothing stored.
    again = await api.post(f"{API}/segments", json={"name": " beer ", "rules": [TESTBY]}, headers=supervisor)
    assert again.status_code == 409 and again.json()["field"] == "name"


async def test_bad_rules_are_refused_naming_the_part_and_nothing_is_stored(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    supervisor = await _headers(api, "supervisor")
    horeca = {"field": "channel", "op": "eq", "value": "horeca"}
    cases: list[tuple[Any, str]] = [
        ([TESTBY, horeca, {"field": "colour", "op": "eq", "value": "red"}], "rules[2].field"),
        ([{"field": "channel", "op": "contains", "value": "ho"}], "rules[0].op"),
        ([TESTBY, {"field": "last_order_age_days", "op": "gt", "value": "thirty"}], "rules[1].value"),
        ([{"field": "last_order_age_days", "op": "between", "value": [30, 10]}], "rules[0].value"),
        ([{"field": "last_order_age_days", "op": "never", "value": 3}], "rules[0].value"),
        ([{"field": "channel", "op": "eq", "value": "bar"}], "rules[0].value"),
        ([{"field": "channel", "op": "in", "value": "horeca"}], "rules[0].value"),
        ([{"field": "territory_id", "op": "in", "value": [1, "two"]}], "rules[0].value[1]"),
        ([{"field": "territory_id", "op": "eq", "value": True}], "rules[0].value"),
        ([{"field": "category_bought", "op": "eq", "value": "vodka"}], "rules[0].value"),
        ([{"field": "category_bought", "op": "eq", "value": "wine", "within_days": 0}], "rules[0].within_days"),
        ([{"field": "channel", "op": "eq", "value": "horeca", "within_days": 30}], "rules[0].within_days"),
        ([{"field": "deal_stage", "op": "eq", "value": "signed"}], "rules[0].value"),
        ([{"field": "deal_stage", "op": "eq", "value": "other-pipeline:negotiation"}], "rules[0].value"),
        ([{"field": "deal_pipeline", "op": "eq", "value": "nope"}], "rules[0].value"),
        ([TESTBY, {"any_of": [horeca, {"field": "size", "op": "eq", "value": 1}]}], "rules[1].any_of[1].field"),
        ([{"any_of": []}], "rules[0].any_of"),
        ([{"field": "channel", "op": "eq", "value": "horeca", "colour": 1}], "rules[0].colour"),
        ([], "rules"),
        ("channel=horeca", "rules"),
    ]
    before = await conn.fetchval(
        "select (select count(*) from segments) + (select count(*) from segment_membership_changes)"
    )
    wrong = []
    for rules, field in cases:
        for url, body in (
            (f"{API}/segments", {"name": "Bad", "rules": rules}),
            (f"{API}/segments/preview", {"rules": rules}),
        ):
            response = await api.post(url, json=body, headers=supervisor)
            got = response.json().get("field") if response.content else None
            if response.status_code != 422 or got != field:
                wrong.append(f"{url} {rules!r}: {response.status_code} {got!r}, expected 422 {field!r}")
    assert not wrong, "\n".join(wrong)
    unknown = await api.post(
        f"{API}/segments", json={"name": "Bad", "rules": [horeca], "owner_id": 1}, headers=supervisor
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "owner_id"
    blank = await api.post(f"{API}/segments", json={"name": "  ", "rules": [horeca]}, headers=supervisor)
    assert blank.status_code == 422 and blank.json()["field"] == "name"
    assert (
        await conn.fetchval(
            "select (select count(*) from segments) + (select count(*) from segment_membership_changes)"
        )
        == before
    )
    rep1 = await _headers(api, "rep1")
    assert (
        await api.post(f"{API}/segments", json={"name": "Mine", "rules": [horeca]}, headers=rep1)
    ).status_code == 403


async def test_tasks_for_a_segment_go_to_each_members_manager_or_territory_owner(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    supervisor = await _headers(api, "supervisor")
    segment = await _create(
        api, supervisor, {"name": "HoReCa", "rules": [TESTBY, {"field": "channel", "op": "eq", "value": "horeca"}]}
    )
    url = f"{API}/segments/{segment['id']}/tasks"
    batch = {
        "id": str(uuid.uuid4()),
        "kind": "call",
        "title": "Offer the winter list",
        "due_at": (NOW + dt.timedelta(days=2)).isoformat(),
        "remind_at": (NOW + dt.timedelta(days=1)).isoformat(),
    }
    count = "select count(*) from sales_tasks"
    for bad, field in (
        ({"due_at": (NOW - dt.timedelta(minutes=1)).isoformat()}, "due_at"),
        ({"remind_at": (NOW + dt.timedelta(days=3)).isoformat()}, "remind_at"),
        ({"remind_at": (NOW - dt.timedelta(days=1)).isoformat()}, "remind_at"),
        ({"kind": "lunch"}, "kind"),
        ({"title": ""}, "title"),
    ):
        refused = await api.post(url, json={**batch, **bad}, headers=supervisor)
        assert refused.status_code == 422 and refused.json()["field"] == field, (bad, refused.text)
    assert await conn.fetchval(count) == 0

    created = await api.post(url, json=batch, headers=supervisor)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": batch["id"],
        "created": 3,
        "already_created": 0,
        "skipped_account_ids": [],
        "not_routed_account_ids": [],
    }
    rows = await conn.fetch("select account_id, owner_id, kind, title, status, due_at, created_by from sales_tasks")
    owners = {town.names([row["account_id"]]).pop(): row["owner_id"] for row in rows}
    # T1 has a manager (rep2); T2 and T4 go to their territory's owner (rep1); X is not the caller's.
    assert owners == {"T1": town.users["rep2"], "T2": town.users["rep1"], "T4": town.users["rep1"]}
    assert {(row["kind"], row["title"], row["status"], row["created_by"]) for row in rows} == {
        ("call", "Offer the winter list", "open", town.users["supervisor"])
    }
    # Sent again: nothing twice; the same batch id with another title: 409.
    again = await api.post(url, json=batch, headers=supervisor)
    assert again.json()["created"] == 0 and again.json()["already_created"] == 3
    conflict = await api.post(url, json={**batch, "title": "Something else"}, headers=supervisor)
    assert conflict.status_code == 409 and conflict.json()["field"] == "id"
    assert await conn.fetchval(count) == 3
    # Reps use segments but do not hand out tasks with them.
    rep1 = await _headers(api, "rep1")
    assert (await api.post(url, json={**batch, "id": str(uuid.uuid4())}, headers=rep1)).status_code == 403
    # With rep1 inactive, T2 and T4 have nobody to own a task: skipped and named.
    await conn.execute("update users set is_active = false where id = $1", town.users["rep1"])
    skipped = await api.post(url, json={**batch, "id": str(uuid.uuid4())}, headers=supervisor)
    assert skipped.json()["created"] == 1
    assert town.names(skipped.json()["skipped_account_ids"]) == {"T2", "T4"}


async def test_a_segments_visit_tasks_land_on_the_reps_days_through_the_tasks_service(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town
) -> None:
    """Segment tasks are created by backend.sales_tasks (one place for a task's rules): a visit task of
    a rep goes on the rep's day, as one made with POST /api/v1/tasks; a member whose owner's day
    refuses it (T1: rep2 manages it, in rep1's territory) gets its task, not routed, and is named."""
    supervisor = await _headers(api, "supervisor")
    segment = await _create(
        api, supervisor, {"name": "HoReCa", "rules": [TESTBY, {"field": "channel", "op": "eq", "value": "horeca"}]}
    )
    due = NOW + dt.timedelta(days=2)
    batch = {"id": str(uuid.uuid4()), "kind": "visit", "title": "Taste the winter list", "due_at": due.isoformat()}
    created = await api.post(f"{API}/segments/{segment['id']}/tasks", json=batch, headers=supervisor)
    assert created.status_code == 201, created.text
    assert created.json()["created"] == 3
    assert town.names(created.json()["not_routed_account_ids"]) == {"T1"}
    rep1 = await _headers(api, "rep1")
    day = await api.get(f"{API}/reps/{town.users['rep1']}/tasks", params={"day": due.date().isoformat()}, headers=rep1)
    assert day.status_code == 200, day.text
    on_day = {item["account_id"]: item for item in day.json() if item["kind"] == "task"}
    assert town.names(list(on_day)) == {"T2", "T4"}
    assert {item["note"] for item in on_day.values()} == {"Taste the winter list"}
    planned = await conn.fetch(
        "select account_id, planned_task_id from sales_tasks where kind = 'visit' order by account_id"
    )
    assert {row["account_id"]: row["planned_task_id"] for row in planned} == {
        town.ids["T1"]: None,
        **{account_id: item["id"] for account_id, item in on_day.items()},
    }
    # The tasks service's rules hold for the batch: a title of spaces is refused, nothing stored.
    before = await conn.fetchval("select count(*) from sales_tasks")
    blank = {**batch, "id": str(uuid.uuid4()), "title": "   "}
    refused = await api.post(f"{API}/segments/{segment['id']}/tasks", json=blank, headers=supervisor)
    assert refused.status_code == 422 and refused.json()["field"] == "title"
    assert await conn.fetchval("select count(*) from sales_tasks") == before


async def test_the_worker_purges_entries_and_exits_past_their_keeping(
    api: httpx.AsyncClient, conn: asyncpg.Connection, town: Town, town_settings: Settings
) -> None:
    supervisor = await _headers(api, "supervisor")
    segment = await _create(api, supervisor, {"name": "Testby", "rules": [TESTBY]})
    logged = "select count(*) from segment_membership_changes where segment_id = $1"
    assert await conn.fetchval(logged, segment["id"]) == 6
    keep = dt.timedelta(days=town_settings.segment_changes_keep_days)
    await refresh_segments(conn, town_settings, NOW + keep)
    assert await conn.fetchval(logged, segment["id"]) == 6  # exactly keep_days old: kept
    await refresh_segments(conn, town_settings, NOW + keep + dt.timedelta(minutes=16))
    assert await conn.fetchval(logged, segment["id"]) == 0
    assert await conn.fetchval("select count(*) from segment_members where segment_id = $1", segment["id"]) == 6
