"""Activities through the API (idempotent, scoped) and the signed inbound webhook of telephony and
messengers: stored once on the account whose phone it names, refused with nothing stored otherwise."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.sales_tasks.helpers import DAY, WEBHOOK_SECRET, account_of, at, insert_deal, people, pipeline

pytestmark = pytest.mark.db
API = "/api/v1"
HOOK = f"{API}/webhooks/activities/telephony"


def _activity(account_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "account_id": account_id,
        "kind": "call",
        "direction": "outbound",
        "occurred_at": at(DAY, 8, 30).isoformat(),
        "duration_s": 240,
        "outcome": "reached",
        **extra,
    }


async def test_activities_are_logged_once_and_read_in_scope(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    rep1 = await auth_headers(client, "rep1@example.com")
    body = _activity(account, note="owner wants the price list")
    created = await client.post(f"{API}/activities", json=body, headers=rep1)
    assert created.status_code == 201, created.text
    activity = created.json()
    assert (activity["user_id"], activity["account_id"], activity["kind"], activity["duration_s"]) == (
        who.rep1,
        account,
        "call",
        240,
    )
    again = await client.post(f"{API}/activities", json=body, headers=rep1)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    changed = await client.post(f"{API}/activities", json={**body, "duration_s": 10}, headers=rep1)
    assert changed.status_code == 409 and changed.json()["field"] == "id"
    meeting = await client.post(
        f"{API}/activities",
        json=_activity(account, kind="meeting", duration_s=None, occurred_at=at(DAY, 8, 50).isoformat()),
        headers=rep1,
    )
    assert meeting.status_code == 201, meeting.text

    listed = (await client.get(f"{API}/activities?account_id={account}", headers=rep1)).json()["items"]
    assert [item["id"] for item in listed] == [meeting.json()["id"], activity["id"]]  # newest first
    calls = (await client.get(f"{API}/activities", params={"account_id": account, "kind": "call"}, headers=rep1)).json()
    assert [item["id"] for item in calls["items"]] == [activity["id"]]
    supervisor = await auth_headers(client, "supervisor@example.com")
    by_rep1 = (await client.get(f"{API}/activities?user_id={who.rep1}", headers=supervisor)).json()["items"]
    assert len(by_rep1) == 2
    rep2 = await auth_headers(client, "rep2@example.com")
    hidden = await client.get(f"{API}/activities?account_id={account}", headers=rep2)
    assert hidden.status_code == 404 and hidden.json()["field"] == "account_id"
    assert (await client.get(f"{API}/activities", headers=rep2)).json()["items"] == []


async def test_bad_activities_are_refused_naming_the_field(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    pipe = await pipeline(conn, {"lead": 3})
    other_deal = await insert_deal(
        conn,
        pipe,
        account_id=await account_of(conn, who.rep1, 1),
        owner_id=who.rep1,
        stage="lead",
        stage_entered_at=at(DAY, 8),
        title="x",
    )
    rep1 = await auth_headers(client, "rep1@example.com")
    cases = [
        (_activity(account, occurred_at=at(DAY, 12).isoformat()), 422, "occurred_at"),  # now is 9:00
        (_activity(account, kind="meeting"), 422, "duration_s"),
        (_activity(account, kind="fax"), 422, "kind"),
        (_activity(account, direction="sideways"), 422, "direction"),
        (_activity(account, deal_id=str(other_deal)), 422, "deal_id"),
        (_activity(account, deal_id=str(uuid.uuid4())), 404, "deal_id"),
        (_activity(await account_of(conn, who.rep3)), 404, "account_id"),
        (_activity(account, user_id=who.rep2), 422, "user_id"),
    ]
    for body, status, field in cases:
        response = await client.post(f"{API}/activities", json=body, headers=rep1)
        assert (response.status_code, response.json().get("field")) == (status, field), (body, response.text)
    assert await conn.fetchval("select count(*) from activities") == 0


def _signed(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers as a provider computes them: HMAC-SHA256 of '<timestamp>.<body>', like our own webhooks."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Fieldsales-Timestamp": str(ts),
        "X-Fieldsales-Signature": f"sha256={digest}",
    }


def _event(event_id: str = "call-1001", **extra: Any) -> bytes:
    event = {
        "event_id": event_id,
        "kind": "call",
        "direction": "inbound",
        "phone": "040 123 4567",  # a Finnish mobile as people type it
        "started_at": at(DAY, 8, 45).isoformat(),
        "duration_s": 95,
        "outcome": "answered",
        "user_email": "rep1@example.com",
        **extra,
    }
    return json.dumps({k: v for k, v in event.items() if v is not None}).encode()


async def test_a_signed_webhook_call_lands_once_on_the_accounts_activities(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    account = await account_of(conn, who.rep1)
    await conn.execute("update accounts set phones = array['+358401234567'] where id = $1", account)
    body = _event()
    response = await client.post(HOOK, content=body, headers=_signed(body))  # no bearer token
    assert response.status_code == 201, response.text
    stored = response.json()
    assert (stored["account_id"], stored["user_id"], stored["provider"], stored["provider_event_id"]) == (
        account,
        who.rep1,
        "telephony",
        "call-1001",
    )
    assert (stored["duration_s"], stored["direction"], stored["outcome"]) == (95, "inbound", "answered")

    rep1 = await auth_headers(client, "rep1@example.com")
    timeline = (await client.get(f"{API}/activities?account_id={account}", headers=rep1)).json()["items"]
    assert [(item["id"], item["provider_event_id"]) for item in timeline] == [(stored["id"], "call-1001")]

    replay = await client.post(HOOK, content=body, headers=_signed(body))
    assert replay.status_code == 409 and replay.json()["field"] == "event_id", replay.text
    other_provider = await client.post(f"{API}/webhooks/activities/messenger", content=body, headers=_signed(body))
    assert other_provider.status_code == 201, "event ids are the provider's own: another provider may reuse one"
    assert await conn.fetchval("select count(*) from activities where provider = 'telephony'") == 1


async def test_webhooks_that_are_not_ours_or_not_fresh_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    who = await people(conn)
    first, second = await account_of(conn, who.rep1), await account_of(conn, who.rep2)
    await conn.execute("update accounts set phones = array['+358401234567'] where id = $1", first)
    await conn.execute(
        "update accounts set phones = array['+358409999999'] where id = any($1::bigint[])", [first, second]
    )
    body = _event()
    now = int(time.time())
    header_cases = [
        (_signed(body, secret="another-secret-of-16-chars"), 401, "X-Fieldsales-Signature"),
        ({**_signed(body), "X-Fieldsales-Signature": "sha256=00"}, 401, "X-Fieldsales-Signature"),
        ({k: v for k, v in _signed(body).items() if k != "X-Fieldsales-Signature"}, 401, "X-Fieldsales-Signature"),
        ({k: v for k, v in _signed(body).items() if k != "X-Fieldsales-Timestamp"}, 401, "X-Fieldsales-Timestamp"),
        (_signed(body, timestamp=now - 600), 401, "X-Fieldsales-Timestamp"),  # a replay ten minutes later
        (
            {**_signed(body), "X-Fieldsales-Timestamp": str(now + 1)},
            401,
            "X-Fieldsales-Signature",
        ),  # not what was signed
    ]
    for headers, status, field in header_cases:
        response = await client.post(HOOK, content=body, headers=headers)
        assert (response.status_code, response.json().get("field")) == (status, field), (headers, response.text)
    body_cases = [
        (_event(phone="+1 555 0100"), 422, "phone"),  # no account has it (nor is it a valid number)
        (_event(phone="+358 40 7654321"), 422, "phone"),  # valid, but no account's
        (_event(phone="+358409999999", user_email=None), 422, "phone"),  # two accounts: whose?
        (_event(user_email="nobody@example.com"), 422, "user_email"),
        (_event(started_at=at(DAY, 18).isoformat()), 422, "started_at"),  # the business clock says 9:00
        (_event(kind="meeting"), 422, "duration_s"),
        (_event(extra_field=1), 422, "extra_field"),
    ]
    for event, status, field in body_cases:
        response = await client.post(HOOK, content=event, headers=_signed(event))
        assert (response.status_code, response.json().get("field")) == (status, field), (event, response.text)
    bad_provider = await client.post(f"{API}/webhooks/activities/Tele%20Phony", content=body, headers=_signed(body))
    assert bad_provider.status_code == 422 and bad_provider.json()["field"] == "provider"
    assert await conn.fetchval("select count(*) from activities") == 0

    # The shared number, with the user named: the one of the two accounts that is theirs.
    shared = _event(phone="+358409999999", user_email="rep2@example.com", event_id="call-2")
    response = await client.post(HOOK, content=shared, headers=_signed(shared))
    assert response.status_code == 201 and response.json()["account_id"] == second, response.text


async def test_the_webhook_is_off_without_a_secret(settings: Settings, conn: asyncpg.Connection) -> None:
    unconfigured = msgspec.structs.replace(settings, activity_webhook_secret="")
    app = create_app(unconfigured, pool=SingleConnectionSource(conn), clock=SimulatedClock(at(DAY, 9)))
    body = _event()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.post(HOOK, content=body, headers=_signed(body))
    assert response.status_code == 404 and "not configured" in response.json()["detail"]
    assert await conn.fetchval("select count(*) from activities") == 0


def test_the_secret_must_be_long_enough() -> None:
    from backend.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="FIELDSALES_ACTIVITY_WEBHOOK_SECRET"):
        load_settings({"FIELDSALES_ACTIVITY_WEBHOOK_SECRET": "short"}, environment="test").check_safe()
    assert dt.timedelta(seconds=load_settings({}, environment="test").activity_webhook_max_age_s) == dt.timedelta(
        minutes=5
    )
