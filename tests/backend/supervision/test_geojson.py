"""The supervisor's map layers: what each draws for the known day, and who may read what."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from backend.demo.service import DEMO_TELEMARKETER_EMAIL
from tests.backend.conftest import auth_headers
from tests.backend.supervision.known_day import DAY, OTHER_SUPERVISOR, KnownDay

LAYERS = ("routes.geojson", "visits.geojson", "due.geojson")


async def _get(client: httpx.AsyncClient, email: str, path: str) -> httpx.Response:
    return await client.get(path, headers=await auth_headers(client, email))


async def test_routes_are_lines_home_to_home_with_numbered_stops(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    response = await _get(client, "supervisor@example.com", f"/api/v1/supervision/routes.geojson?day={DAY}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    lines = {f["properties"]["rep_id"]: f for f in features if f["properties"]["kind"] == "route"}
    assert set(lines) == {known_day.reps["rep1"], known_day.reps["rep2"]}
    for name in ("rep1", "rep2"):
        rep_id = known_day.reps[name]
        stops = await conn.fetch(
            "select s.seq, ST_X(a.location) as lon, ST_Y(a.location) as lat from route_stops s "
            "join accounts a on a.id = s.account_id where s.route_id = $1 order by s.seq",
            known_day.routes[name],
        )
        home = await conn.fetchrow("select ST_X(home) as lon, ST_Y(home) as lat from reps where user_id = $1", rep_id)
        line = lines[rep_id]["geometry"]["coordinates"]
        assert line[0] == line[-1] == [round(home["lon"], 6), round(home["lat"], 6)]
        assert line[1:-1] == [[round(s["lon"], 6), round(s["lat"], 6)] for s in stops]
        numbered = [
            f["properties"]["number"]
            for f in features
            if f["properties"]["kind"] == "stop" and f["properties"]["rep_id"] == rep_id
        ]
        assert numbered == list(range(1, len(stops) + 1))
    visited = [f for f in features if f["properties"]["kind"] == "stop" and f["properties"]["visited"]]
    assert len(visited) == 4  # rep1's first three stops and rep2's first


async def test_visits_carry_verdict_times_checklists_and_photos(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    rep1 = known_day.reps["rep1"]
    response = await _get(client, "supervisor@example.com", f"/api/v1/supervision/visits.geojson?day={DAY}&rep={rep1}")
    assert response.status_code == 200, response.text
    features = {f["id"]: f["properties"] for f in response.json()["features"]}
    assert set(features) == {str(v) for v in known_day.visits["rep1"]}
    flagged = features[str(known_day.flagged_visit)]
    assert flagged["verdict"] == "flagged"
    assert flagged["flags"] == ["out_of_range"]
    assert flagged["distance_m"] == 450.0
    assert flagged["duration_s"] == 1800
    assert flagged["score_pct"] == 60.0
    assert flagged["checklists"][0]["answers"] == {"facings": 4, "promo": False}
    assert flagged["planned"] is True
    off_plan = features[str(known_day.off_plan_visit)]
    assert off_plan["verdict"] == "ok" and off_plan["planned"] is False
    assert [features[str(v)]["order"] for v in known_day.visits["rep1"]] == [1, 2, 3, 4]


async def test_due_but_not_visited_with_causes(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    rep1 = known_day.reps["rep1"]
    response = await _get(client, "supervisor@example.com", f"/api/v1/supervision/due.geojson?day={DAY}&rep={rep1}")
    assert response.status_code == 200, response.text
    due = {f["properties"]["account_id"]: f["properties"]["cause"] for f in response.json()["features"]}
    stops = await conn.fetch(
        "select account_id from route_stops where route_id = $1 order by seq", known_day.routes["rep1"]
    )
    unvisited = {row["account_id"] for row in stops[3:]}
    assert due[known_day.closed_account] == "closed"
    assert {a for a, cause in due.items() if cause == "not_visited"} == unvisited
    assert not {row["account_id"] for row in stops[:3]} & set(due)


async def test_territories_and_basemap(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    response = await _get(client, "supervisor@example.com", "/api/v1/supervision/territories.geojson")
    assert response.status_code == 200
    owners = {f["properties"]["owner_rep_id"] for f in response.json()["features"]}
    assert owners == {known_day.reps["rep1"], known_day.reps["rep2"]}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in response.json()["features"])
    basemap = await _get(client, "supervisor@example.com", "/api/v1/supervision/basemap.geojson")
    assert basemap.status_code == 200
    body = basemap.json()
    assert "OpenStreetMap" in body["attribution"]
    assert len(body["features"]) > 500
    assert body["features"][0]["geometry"]["type"] == "LineString"


@pytest.mark.parametrize("layer", LAYERS)
async def test_another_teams_reps_routes_visits_and_photos_never_appear(
    client: httpx.AsyncClient, known_day: KnownDay, layer: str
) -> None:
    rep3 = known_day.reps["rep3"]
    response = await _get(client, "supervisor@example.com", f"/api/v1/supervision/{layer}?day={DAY}")
    assert response.status_code == 200
    text = response.text
    assert {f["properties"]["rep_id"] for f in response.json()["features"]} <= {
        known_day.reps["rep1"],
        known_day.reps["rep2"],
    }
    for visit_id in known_day.visits["rep3"]:
        assert str(visit_id) not in text
    assert str(known_day.other_team_photo) not in text
    # Asking for the other team's rep by id: 404 naming the parameter, not their data.
    asked = await _get(client, "supervisor@example.com", f"/api/v1/supervision/{layer}?day={DAY}&rep={rep3}")
    assert asked.status_code == 404
    assert asked.json()["field"] == "rep"
    # Their own supervisor sees them; an admin sees everyone.
    other = await _get(client, OTHER_SUPERVISOR, f"/api/v1/supervision/{layer}?day={DAY}")
    assert {f["properties"]["rep_id"] for f in other.json()["features"]} == {rep3}
    admin = await _get(client, "admin@example.com", f"/api/v1/supervision/{layer}?day={DAY}")
    assert rep3 in {f["properties"]["rep_id"] for f in admin.json()["features"]}


async def test_the_other_teams_photo_is_in_their_supervisors_view_only(
    client: httpx.AsyncClient, known_day: KnownDay
) -> None:
    other = await _get(client, OTHER_SUPERVISOR, f"/api/v1/supervision/visits.geojson?day={DAY}")
    photos = [p["id"] for f in other.json()["features"] for p in f["properties"]["photos"]]
    assert photos == [str(known_day.other_team_photo)]
    thumbnail = await _get(client, "supervisor@example.com", f"/api/v1/photos/{known_day.other_team_photo}/info")
    assert thumbnail.status_code == 404


async def test_team_list_and_territories_are_scoped(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    team = await _get(client, "supervisor@example.com", "/api/v1/supervision/reps")
    # The team: rep1, rep2 and the demo's telemarketer (an office rep of the same supervisor).
    telemarketer = {rep["id"] for rep in team.json()["items"] if rep["email"] == DEMO_TELEMARKETER_EMAIL}
    assert len(telemarketer) == 1
    expected = {known_day.reps["rep1"], known_day.reps["rep2"]} | telemarketer
    assert {rep["id"] for rep in team.json()["items"]} == expected
    other = await _get(client, OTHER_SUPERVISOR, "/api/v1/supervision/territories.geojson")
    assert {f["properties"]["owner_rep_id"] for f in other.json()["features"]} == {known_day.reps["rep3"]}


@pytest.mark.parametrize(
    "path",
    [
        *(f"/api/v1/supervision/{layer}" for layer in LAYERS),
        "/api/v1/supervision/territories.geojson",
        "/api/v1/supervision/reps",
        "/api/v1/supervision/basemap.geojson",
    ],
)
async def test_reps_are_refused_and_strangers_unauthenticated(client: httpx.AsyncClient, path: str) -> None:
    refused = await _get(client, "rep1@example.com", path)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"), [("day=2026-13-01", "day"), ("rep=abc", "rep"), ("rep=0", "rep"), ("rep=999999", "rep")]
)
async def test_bad_parameters_are_4xx_problems_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await _get(client, "supervisor@example.com", f"/api/v1/supervision/routes.geojson?{query}")
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["field"] == field
