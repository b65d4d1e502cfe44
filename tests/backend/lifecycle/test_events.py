"""The phone learns of a new route version without polling blindly: a version and ETag on the route,
the sync feed's route versions, and standard server-sent events resumable with Last-Event-ID."""

from __future__ import annotations

import datetime as dt
import json

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.lifecycle.conftest import DAY, at, nearest_accounts, plan, rep_id_of, schedule


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock, solver: SolverPool) -> Litestar:
    # A stream that replays and closes (0 s): the client reconnects with Last-Event-ID, as EventSource does.
    quick = msgspec.structs.replace(settings, events_stream_s=0.0)
    application = create_app(quick, pool=SingleConnectionSource(conn), clock=clock)
    application.state.solver = solver
    return application


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


async def test_new_route_versions_are_announced_and_resumable(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    first_sync = (await client.get("/api/v1/sync/changes", headers=headers)).json()
    accounts = await nearest_accounts(conn, rep_id, 8)
    await schedule(conn, rep_id, {DAY: accounts[:6]})
    first = await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 20))
    await schedule(conn, rep_id, {DAY: accounts})
    # Outside a nightly run (no churn cap): the new inputs always publish a second version.
    second = await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22), nightly_run=False)
    assert first.status == second.status == "planned"
    response = await client.get("/api/v1/me/events", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "retry:" in response.text
    events = _events(response.text)
    assert [json.loads(e["data"])["route_id"] for e in events] == [first.route_id, second.route_id]
    assert all(e["event"] == "route" for e in events)
    payload = json.loads(events[1]["data"])
    assert payload["version"] == 2 and payload["day"] == str(DAY) and payload["etag"] == f'"route-{second.route_id}"'
    resumed = await client.get("/api/v1/me/events", headers={**headers, "Last-Event-ID": events[0]["id"]})
    assert [json.loads(e["data"])["route_id"] for e in _events(resumed.text)] == [second.route_id]
    bad = await client.get("/api/v1/me/events", headers={**headers, "Last-Event-ID": "yesterday"})
    assert bad.status_code == 422 and bad.json()["field"] == "Last-Event-ID"
    other = await client.get("/api/v1/me/events", headers=await auth_headers(client, "rep2@example.com"))
    assert _events(other.text) == [], "a rep hears only of their own routes"
    changes = (await client.get(f"/api/v1/sync/changes?since={first_sync['cursor']}", headers=headers)).json()
    assert [(v["route_id"], v["version"]) for v in changes["route_versions"]] == [
        (first.route_id, 1),
        (second.route_id, 2),
    ]
    route = await client.get(f"/api/v1/me/route?day={DAY}", headers=headers)
    assert route.headers["etag"] == route.json()["etag"] == changes["route_versions"][-1]["etag"]
