"""The account list: territory scope, distance order, pagination, filters and refusals."""

from __future__ import annotations

import math
from typing import Any

import asyncpg
import httpx

from tests.backend.conftest import auth_headers

CENTRE = (60.1690, 24.9410)  # near Helsinki central station


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


async def _all_pages(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page_url = url + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(page_url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_rep_sees_exactly_the_accounts_inside_their_territory(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    items = await _all_pages(client, "/api/v1/me/accounts?limit=37", headers)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "pages never repeat an account"
    inside = await conn.fetch(
        "select a.id from accounts a join territories t on ST_Covers(t.geom, a.location) "
        "join users u on u.id = t.owner_rep_id where u.email = 'rep1@example.com'"
    )
    assert sorted(ids) == sorted(row["id"] for row in inside)
    assert len(ids) > 100
    names = [(item["name"], item["id"]) for item in items]
    assert names == sorted(names)
    first = items[0]
    assert first["opening_hours"] and len(first["opening_hours"][0]) == 3


async def test_near_sorts_by_true_distance_across_pages(client: httpx.AsyncClient) -> None:
    headers = await auth_headers(client, "rep2@example.com")
    items = await _all_pages(client, f"/api/v1/me/accounts?near={CENTRE[0]},{CENTRE[1]}&limit=25", headers)
    distances = [item["distance_m"] for item in items]
    assert distances == sorted(distances)
    assert len(items) > 100
    for item in items[:20]:
        expected = _haversine_m(CENTRE[0], CENTRE[1], item["lat"], item["lon"])
        assert abs(item["distance_m"] - expected) < 0.01 * expected + 2


async def test_filters_narrow_the_list(client: httpx.AsyncClient) -> None:
    headers = await auth_headers(client, "rep3@example.com")
    everything = await _all_pages(client, "/api/v1/me/accounts?limit=500", headers)
    retail = await _all_pages(client, "/api/v1/me/accounts?channel=retail&limit=500", headers)
    assert retail and all(item["channel"] == "retail" for item in retail)
    assert len(retail) == sum(1 for item in everything if item["channel"] == "retail")
    class_a = await _all_pages(client, "/api/v1/me/accounts?class=A&status=active&limit=500", headers)
    assert all(item["account_class"] == "A" and item["status"] == "active" for item in class_a)
    some_name = everything[0]["name"]
    found = await _all_pages(client, f"/api/v1/me/accounts?search={some_name[:5]}&limit=500", headers)
    assert any(item["name"] == some_name for item in found)


async def test_rep_asking_for_the_supervisor_list_gets_403(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    other = await conn.fetchval(
        "select t.id from territories t join users u on u.id = t.owner_rep_id where u.email = 'rep2@example.com'"
    )
    response = await client.get(
        f"/api/v1/accounts?territory_id={other}", headers=await auth_headers(client, "rep1@example.com")
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_supervisor_reads_a_team_territory_and_not_a_foreign_one(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    territory_id = await conn.fetchval("select min(id) from territories")
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.get(f"/api/v1/accounts?territory_id={territory_id}&limit=500", headers=headers)
    assert response.status_code == 200
    assert {item["territory_id"] for item in response.json()["items"]} == {territory_id}
    # A territory of another supervisor's team is not found for this one.
    other_supervisor = await conn.fetchval(
        "insert into users (email, name, role, password_hash) values ('sup2@example.com', 'S2', 'supervisor', 'x') "
        "returning id"
    )
    other_rep = await conn.fetchval(
        "insert into users (email, name, role, password_hash, supervisor_id) "
        "values ('rep9@example.com', 'R9', 'rep', 'x', $1) returning id",
        other_supervisor,
    )
    foreign = await conn.fetchval(
        "insert into territories (code, name, geom, owner_rep_id) values "
        "('FAR', 'Far away', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(10, 10), 4326), 0.01)), $1) returning id",
        other_rep,
    )
    refused = await client.get(f"/api/v1/accounts?territory_id={foreign}", headers=headers)
    assert refused.status_code == 404
    admin = await client.get(
        f"/api/v1/accounts?territory_id={foreign}", headers=await auth_headers(client, "admin@example.com")
    )
    assert admin.status_code == 200


async def test_bad_query_parameters_get_422_naming_them(client: httpx.AsyncClient) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    cases = {
        "/api/v1/me/accounts?near=60.1": "near",
        "/api/v1/me/accounts?near=95,24": "near",
        "/api/v1/me/accounts?near=abc,def": "near",
        "/api/v1/me/accounts?limit=0": "limit",
        "/api/v1/me/accounts?limit=100000": "limit",
        "/api/v1/me/accounts?channel=wholesale": "channel",
        "/api/v1/me/accounts?class=Z": "class",
        "/api/v1/me/accounts?cursor=!!!": "cursor",
    }
    for url, field in cases.items():
        response = await client.get(url, headers=headers)
        assert response.status_code in (400, 422), (url, response.text)
        assert response.json()["field"] == field, (url, response.text)


async def test_territories_are_scoped(client: httpx.AsyncClient) -> None:
    rep = await client.get("/api/v1/territories", headers=await auth_headers(client, "rep1@example.com"))
    assert rep.status_code == 200
    assert len(rep.json()) == 1
    assert rep.json()[0]["geometry"]["type"] == "MultiPolygon"
    supervisor = await client.get("/api/v1/territories", headers=await auth_headers(client, "supervisor@example.com"))
    assert len(supervisor.json()) == 3
    foreign_id = (
        supervisor.json()[1]["id"] if supervisor.json()[0]["id"] == rep.json()[0]["id"] else supervisor.json()[0]["id"]
    )
    response = await client.get(
        f"/api/v1/territories/{foreign_id}", headers=await auth_headers(client, "rep1@example.com")
    )
    assert response.status_code == 404


async def test_a_new_lead_lands_in_the_territory_reps_list(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    # A point inside rep2's territory, away from existing outlets.
    lat, lon = await conn.fetchrow(
        "select ST_Y(ST_PointOnSurface(t.geom)), ST_X(ST_PointOnSurface(t.geom)) from territories t "
        "join users u on u.id = t.owner_rep_id where u.email = 'rep2@example.com'"
    )
    created = await client.post(
        "/api/v1/accounts",
        json={"name": "Kioski Uusi Testi", "channel": "retail", "lat": lat, "lon": lon, "force": True},
        headers=await auth_headers(client, "rep1@example.com"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "potential"
    rep2 = await _all_pages(
        client, "/api/v1/me/accounts?search=Kioski Uusi&limit=50", await auth_headers(client, "rep2@example.com")
    )
    assert [item["id"] for item in rep2] == [created.json()["id"]]
    bad = await client.post(
        "/api/v1/accounts",
        json={"name": "X", "lat": 95, "lon": 24},
        headers=await auth_headers(client, "rep1@example.com"),
    )
    assert bad.status_code == 422
