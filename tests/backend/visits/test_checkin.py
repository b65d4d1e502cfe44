"""Check-in and check-out through the API: verification flags, idempotency, scope, bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, check_out_body, later, rep_accounts, user_id


async def _visit_count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("select count(*) from visits"))


async def test_check_in_350_m_away_is_stored_flagged_out_of_range(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    body = check_in_body(account, DAY.replace(hour=9), metres=350, accuracy_m=10)
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["flags"] == ["out_of_range"]
    assert abs(visit["distance_m"] - 350) < 2
    stored = await conn.fetchrow("select flags, check_in_distance_m from visits where id = $1", uuid.UUID(body["id"]))
    assert stored["flags"] == ["out_of_range"]
    assert abs(stored["check_in_distance_m"] - 350) < 2


async def test_a_check_in_at_the_door_has_no_flags_and_a_checkout_adds_too_short(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    at = DAY.replace(hour=10)
    body = check_in_body(account, at, metres=20, accuracy_m=15)
    created = await client.post("/api/v1/visits", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["flags"] == []
    out = await client.post(
        f"/api/v1/visits/{body['id']}/checkout", json=check_out_body(account, later(at, 1)), headers=headers
    )
    assert out.status_code == 200, out.text
    assert out.json()["flags"] == ["too_short"]
    assert out.json()["checked_out_at"].startswith("2026-11-23T10:01")


async def test_every_phone_side_flag_applies(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    headers = await auth_headers(client, "rep2@example.com")
    account = (await rep_accounts(conn, "rep2@example.com"))[0]
    now = datetime.now(UTC)
    body = check_in_body(account, now, metres=30, accuracy_m=250, mock=True, sent_at=now - timedelta(hours=2))
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    # 30 m with a 250 m accuracy is within range (allowance capped at 100 m), but the fix is poor.
    assert response.json()["flags"] == ["low_accuracy", "mock_location", "clock_skew"]


async def test_impossible_speed_is_judged_by_device_time_even_when_sent_out_of_order(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep3@example.com")
    first, second = (await rep_accounts(conn, "rep3@example.com", 2))[:2]
    at = DAY.replace(hour=11)
    # Second visit 20 km north of its account, 5 minutes after the first: 240 km/h.
    late = check_in_body(second, later(at, 5), metres=20_000, accuracy_m=5)
    early = check_in_body(first, at, metres=5)
    assert (await client.post("/api/v1/visits", json=late, headers=headers)).status_code == 201
    assert (await client.post("/api/v1/visits", json=early, headers=headers)).status_code == 201
    flags = await conn.fetchval("select flags from visits where id = $1", uuid.UUID(late["id"]))
    assert flags == ["out_of_range", "impossible_speed"]
    listed = await client.get(
        "/api/v1/visits", params={"since": at.isoformat(), "until": later(at, 60).isoformat()}, headers=headers
    )
    assert [item["id"] for item in listed.json()["items"]] == [early["id"], late["id"]]


async def test_the_same_check_in_twice_makes_one_visit_and_another_body_is_409(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    body = check_in_body(account, DAY.replace(hour=12))
    first = await client.post("/api/v1/visits", json=body, headers=headers)
    resent = {**body, "sent_at": datetime.now(UTC).isoformat()}  # sent later: not part of the fingerprint
    again = await client.post("/api/v1/visits", json=resent, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/api/v1/visits", json={**body, "accuracy_m": 99}, headers=headers)
    assert other.status_code == 409
    assert other.json()["field"] == "id"
    assert await conn.fetchval("select count(*) from visits where id = $1", uuid.UUID(body["id"])) == 1


async def test_another_reps_visit_is_not_found(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    body = check_in_body(account, DAY.replace(hour=13))
    assert (await client.post("/api/v1/visits", json=body, headers=rep1)).status_code == 201
    before = await conn.fetchrow("select * from visits where id = $1", uuid.UUID(body["id"]))
    for response in (
        await client.get(f"/api/v1/visits/{body['id']}", headers=rep2),
        await client.post(
            f"/api/v1/visits/{body['id']}/checkout", json=check_out_body(account, DAY.replace(hour=14)), headers=rep2
        ),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "visit_id"
    assert await conn.fetchrow("select * from visits where id = $1", uuid.UUID(body["id"])) == before
    # Checking in at another rep's account: not found either.
    other = await client.post("/api/v1/visits", json=check_in_body(account, DAY.replace(hour=15)), headers=rep2)
    assert other.status_code == 404 and other.json()["field"] == "account_id"
    # The supervisor of the team reads it.
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get(f"/api/v1/visits/{body['id']}", headers=supervisor)).status_code == 200


async def test_bad_coordinates_and_naive_times_are_refused_and_store_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    good = check_in_body(account, DAY.replace(hour=16))
    before = await _visit_count(conn)
    cases = {
        "lat": {**good, "lat": 91.5},
        "lon": {**good, "lon": -200},
        "accuracy_m": {**good, "accuracy_m": -1},
        "checked_in_at": {**good, "checked_in_at": "2026-11-23T16:00:00"},
        "id": {**good, "id": "not-a-uuid"},
        "account_id": {**good, "account_id": 10**9},
    }
    for field, body in cases.items():
        response = await client.post("/api/v1/visits", json=body, headers=headers)
        assert 400 <= response.status_code < 500, (field, response.text)
        assert response.json()["field"] == field, (field, response.json())
    assert await _visit_count(conn) == before
    assert await user_id(conn, "rep1@example.com") > 0


async def _publish_route(conn: asyncpg.Connection, rep_email: str, account_ids: list[int]) -> int:
    """A published route for the rep on DAY with these accounts as stops (the planning tables)."""
    route_id = await conn.fetchval(
        "insert into routes (rep_id, day, version, kind, inputs_hash, start_s, end_s, travel_s, distance_m) "
        "select id, $2, 1, 'nightly', 'test', 28800, 61200, 0, 0 from users where email = $1 returning id",
        rep_email,
        DAY.date(),
    )
    for seq, account_id in enumerate(account_ids, start=1):
        await conn.execute(
            "insert into route_stops (route_id, seq, account_id, source, due_day, priority, arrival_s, start_s, "
            "end_s, service_s, travel_from_previous_s) values ($1, $2, $3, 'schedule', $4, 50, 0, 0, 900, 900, 0)",
            route_id,
            seq,
            account_id,
            DAY.date(),
        )
    return int(route_id)


async def test_a_check_in_links_its_route_stop_or_is_flagged_off_route(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep2@example.com")
    planned, unplanned = (await rep_accounts(conn, "rep2@example.com", 2))[:2]
    route_id = await _publish_route(conn, "rep2@example.com", [planned["id"]])
    on_route = await client.post("/api/v1/visits", json=check_in_body(planned, DAY.replace(hour=9)), headers=headers)
    assert on_route.status_code == 201
    assert (on_route.json()["route_id"], on_route.json()["route_stop_seq"], on_route.json()["flags"]) == (
        route_id,
        1,
        [],
    )
    off = await client.post("/api/v1/visits", json=check_in_body(unplanned, DAY.replace(hour=10)), headers=headers)
    assert off.json()["flags"] == ["not_on_route"] and off.json()["route_id"] is None
    # Another day without a route: no flag (nothing was planned).
    free = await client.post(
        "/api/v1/visits", json=check_in_body(unplanned, DAY.replace(day=24, hour=10)), headers=headers
    )
    assert free.json()["flags"] == []
