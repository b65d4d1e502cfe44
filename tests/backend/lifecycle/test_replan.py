"""Re-plan from the rep's position and time (issue 11 defects): `now` means now, the lunch break is
kept, what is done stays done, tasks added today come in, no pooled connection is held while the
matrix is fetched or the solver runs; bad input is a 4xx naming the field, with nothing stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
import httpx
from litestar import Litestar

import routing
from backend.clock import SimulatedClock
from backend.planning.service import replan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider, Matrix
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.lifecycle.conftest import (
    DAY,
    at,
    nearest_accounts,
    newest_route,
    plan,
    rep_id_of,
    schedule,
    stop_accounts,
    visit,
)


async def _position_near(conn: asyncpg.Connection, account_id: int, metres: float) -> tuple[float, float]:
    lat, lon = await conn.fetchrow("select ST_Y(location), ST_X(location) from accounts where id = $1", account_id)
    return lat + metres / 111_320, lon


async def test_a_replan_at_12_26_starts_now_keeps_the_break_and_takes_in_todays_task(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient, clock: SimulatedClock
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await nearest_accounts(conn, rep_id, 13)
    await schedule(conn, rep_id, {DAY: accounts[:12]})
    await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))
    planned = await stop_accounts(conn, (await newest_route(conn, rep_id, DAY))["id"])
    for minute, account in enumerate(planned[:4]):
        await visit(conn, rep_id, account, at(DAY, 8, 30 + minute * 20))
    clock.set(at(DAY, 10))
    headers = await auth_headers(client, "rep1@example.com")
    task = await client.post(
        f"/api/v1/reps/{rep_id}/tasks",
        json={"account_id": accounts[12], "day": str(DAY), "kind": "task"},
        headers=headers,
    )
    assert task.status_code == 201, task.text
    clock.set(at(DAY, 12, 26))
    lat, lon = await _position_near(conn, planned[4], 100)  # a minute or so away
    response = await client.post("/api/v1/me/route/replan", json={"lat": lat, "lon": lon}, headers=headers)
    assert response.status_code == 200, response.text
    route = response.json()
    now_s = 12 * 3600 + 26 * 60
    first = route["stops"][0]
    assert first["eta_s"] == now_s + first["travel_from_previous_s"], "the first ETA is now plus the travel"
    mode = await conn.fetchval("select travel_mode from reps where user_id = $1", rep_id)
    leg = HaversineProvider().matrix([(lat, lon), (first["account"]["lat"], first["account"]["lon"])], mode)
    assert abs(first["travel_from_previous_s"] - leg.durations[0][1]) <= 1, "the travel is the leg from where she is"
    assert route["breaks"] and route["breaks"][0]["start_s"] >= now_s, "the lunch break is kept"
    on_route = [stop["account"]["id"] for stop in route["stops"]]
    assert not set(planned[:4]) & set(on_route), "what is done stays done"
    assert accounts[12] in on_route or accounts[12] in {item["account_id"] for item in route["unassigned"]}
    assert accounts[12] in on_route, "today's task fits and is taken in"
    assert route["etag"] == f'"route-{route["id"]}"' and route["kind"] == "replan"


class WatchedSource:
    """A connection source that knows whether a connection is out; the matrix and the solver check."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.inner = SingleConnectionSource(connection)
        self.held = 0

    @asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[asyncpg.Connection]:  # noqa: ASYNC109
        async with self.inner.acquire(timeout=timeout) as connection:
            self.held += 1
            try:
                yield connection
            finally:
                self.held -= 1


class WatchingProvider(HaversineProvider):
    def __init__(self, source: WatchedSource) -> None:
        super().__init__()
        self.source = source
        self.held_during: list[int] = []

    async def amatrix(self, points: Sequence[tuple[float, float]], mode: str) -> Matrix:
        self.held_during.append(self.source.held)
        return await super().amatrix(points, mode)


class WatchingSolver:
    def __init__(self, inner: SolverPool, source: WatchedSource) -> None:
        self.inner = inner
        self.source = source
        self.held_during: list[int] = []

    async def solve(self, problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
        self.held_during.append(self.source.held)
        return await self.inner.solve(problem, params)


async def test_a_replan_holds_no_connection_while_fetching_the_matrix_and_solving(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep2@example.com")
    await schedule(conn, rep_id, {DAY: await nearest_accounts(conn, rep_id, 8)})
    await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))
    source = WatchedSource(conn)
    provider = WatchingProvider(source)
    watching = WatchingSolver(solver, source)
    home = await conn.fetchrow("select ST_Y(home) as lat, ST_X(home) as lon from reps where user_id = $1", rep_id)
    route_id = await replan_rep_day(
        source,
        watching,  # type: ignore[arg-type]
        provider,
        rep_id,
        DAY,
        (home["lat"], home["lon"]),
        11 * 3600,
        at(DAY, 11),
        time_limit_s=0.2,
        acquire_timeout_s=5,
    )
    assert route_id is not None
    assert provider.held_during == [0] and watching.held_during == [0]


async def test_a_replan_refuses_bad_input_naming_the_field_and_stores_nothing(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient, clock: SimulatedClock, app: Litestar
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await schedule(conn, rep_id, {DAY: await nearest_accounts(conn, rep_id, 6)})
    await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))
    versions = await conn.fetchval("select count(*) from routes where rep_id = $1", rep_id)
    headers = await auth_headers(client, "rep1@example.com")
    clock.set(at(DAY, 11))
    home = await conn.fetchrow("select ST_Y(home) as lat, ST_X(home) as lon from reps where user_id = $1", rep_id)
    cases = [
        ({"lat": home["lat"] + 5.4, "lon": home["lon"]}, "lat"),  # about 600 km north
        ({"lat": home["lat"], "lon": home["lon"], "time_s": 20 * 3600}, "time_s"),  # after the shift
        ({"lat": home["lat"], "lon": home["lon"], "time_s": 6 * 3600}, "time_s"),  # before it
        ({"lat": home["lat"], "lon": home["lon"], "day": str(DAY - dt.timedelta(days=1))}, "day"),
        ({"lat": home["lat"], "lon": home["lon"], "day": str(DAY + dt.timedelta(days=1))}, "day"),
        ({"lat": home["lat"], "lon": home["lon"], "speed": 3}, None),  # unknown field
    ]
    for body, field in cases:
        response = await client.post("/api/v1/me/route/replan", json=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.text)
        if field is not None:
            assert response.json()["field"] == field, (body, response.json())
    clock.set(at(DAY, 18))
    late = await client.post("/api/v1/me/route/replan", json={"lat": home["lat"], "lon": home["lon"]}, headers=headers)
    assert late.status_code == 422 and late.json()["field"] == "time_s" and "shift" in late.json()["detail"]
    assert await conn.fetchval("select count(*) from routes where rep_id = $1", rep_id) == versions


async def test_tasks_and_runs_refuse_bad_input_naming_the_field(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    rep1 = await rep_id_of(conn, "rep1@example.com")
    rep3 = await rep_id_of(conn, "rep3@example.com")
    [account] = await nearest_accounts(conn, rep1, 1)  # open 08:00-20:00
    [foreign] = await nearest_accounts(conn, rep3, 1)
    await conn.execute("update users set supervisor_id = null where id = $1", rep3)  # another team's account
    supervisor = await auth_headers(client, "supervisor@example.com")
    url = f"/api/v1/reps/{rep1}/tasks"
    cases = [
        ({"account_id": account, "day": str(DAY), "kind": "appointment", "start_s": 7 * 3600}, "start_s"),
        ({"account_id": account, "day": str(DAY), "kind": "appointment", "start_s": 16 * 3600 + 50 * 60}, "start_s"),
        ({"account_id": account, "day": str(DAY), "kind": "appointment", "start_s": 86_400 + 5}, "start_s"),
        ({"account_id": foreign, "day": str(DAY), "kind": "task"}, "account_id"),
        ({"account_id": account, "day": "2026-11-01", "kind": "task"}, "day"),
    ]
    await conn.execute(
        "update account_opening_hours set open_s = 32400, close_s = 43200 where account_id = $1", account
    )  # 09:00-12:00 now
    cases.append(({"account_id": account, "day": str(DAY), "kind": "appointment", "start_s": 13 * 3600}, "start_s"))
    for body, field in cases:
        response = await client.post(url, json=body, headers=supervisor)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    assert await conn.fetchval("select count(*) from planned_tasks") == 0, "nothing stored"
    ok = await client.post(
        url,
        json={"account_id": account, "day": str(DAY), "kind": "appointment", "start_s": 10 * 3600},
        headers=supervisor,
    )
    assert ok.status_code == 201, ok.text
    past_run = await client.post("/api/v1/planning-runs", json={"day": "2026-11-01"}, headers=supervisor)
    assert past_run.status_code == 422 and past_run.json()["field"] == "day"
    assert await conn.fetchval("select count(*) from planning_runs") == 0
