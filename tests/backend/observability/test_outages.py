"""Outages an operator must be able to follow: the road engine dying mid-plan answers 503 with
Retry-After and a logged request id; a solver process killed during a nightly job leaves its
traceback in the log."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from litestar import Litestar

from backend.clock import SimulatedClock
from backend.planning.matrix_cache import CachedMatrixProvider
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider, ValhallaProvider
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.observability.logs import json_log_lines
from tests.backend.planning.conftest import DAY, published_day, rep_id_of, schedule_day, territory_accounts
from tests.backend.planning.gate import GatedSolverPool, new_gate

pytestmark = pytest.mark.db


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the solver never started"
        await asyncio.sleep(0.02)


@pytest.fixture
def dying_road_engine() -> Iterator[tuple[str, threading.Event]]:
    """A road engine that accepts the first request, then dies without answering (and stops listening)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    asked = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        connection.recv(65536)
        asked.set()
        connection.close()
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", asked
    if not asked.is_set():
        server.close()
    thread.join(timeout=5)


async def test_the_road_engine_dying_mid_replan_answers_503_with_retry_after_and_a_logged_request_id(
    conn: asyncpg.Connection,
    solver: SolverPool,
    client: httpx.AsyncClient,
    app: Litestar,
    dying_road_engine: tuple[str, threading.Event],
) -> None:
    url, asked = dying_road_engine
    app.state.solver = solver
    # A re-plan is for today, inside the shift: the business clock stands on DAY at 11:00.
    app.state.clock = SimulatedClock(dt.datetime.combine(DAY, dt.time(11), ZoneInfo("Europe/Helsinki")))
    rep_id = await published_day(conn, solver, "rep1@example.com")
    versions = await conn.fetchval("select count(*) from routes where rep_id = $1 and day = $2", rep_id, DAY)
    app.state.matrix_provider = CachedMatrixProvider(ValhallaProvider(url, timeout_s=5))
    headers = await auth_headers(client, "rep1@example.com")
    # Re-plans are for today only: the app's clock is 10:00 on DAY in the rep's time zone.
    app.state.clock = SimulatedClock(dt.datetime.combine(DAY, dt.time(10), ZoneInfo("Europe/Helsinki")))
    first = await conn.fetchrow(
        "select ST_Y(a.location) as lat, ST_X(a.location) as lon from accounts a where a.id = $1",
        (await territory_accounts(conn, rep_id, 1))[0],
    )
    with json_log_lines() as lines:
        response = await client.post(
            "/api/v1/me/route/replan",
            json={"lat": first["lat"], "lon": first["lon"], "time_s": 11 * 3600, "day": str(DAY)},
            headers={**headers, "X-Request-ID": "replan-during-outage"},
        )
    assert asked.is_set(), "the road engine was asked"
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-request-id"] == "replan-during-outage"
    logged = [line for line in lines if line["message"].startswith("routing service unavailable")]
    assert [line["request_id"] for line in logged] == ["replan-during-outage"]
    # Nothing was published by the failed re-plan.
    assert await conn.fetchval("select count(*) from routes where rep_id = $1 and day = $2", rep_id, DAY) == versions


async def test_a_solver_killed_during_a_planning_job_leaves_its_traceback_in_the_log(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    rep_id = await rep_id_of(conn, "rep2@example.com")
    await schedule_day(conn, rep_id, DAY, await territory_accounts(conn, rep_id, 25))
    run_id = await conn.fetchval("insert into planning_runs (day, trigger) values ($1, 'api') returning id", DAY)
    await conn.execute("insert into planning_run_reps (run_id, rep_id) values ($1, $2)", run_id, rep_id)
    # The job's solve waits at a gate in its process, which is killed there.
    pool = GatedSolverPool(new_gate(tmp_path))
    options = PlanningOptions(iterations=20)
    try:
        with json_log_lines() as lines:
            job = asyncio.create_task(
                plan_rep_day(
                    SingleConnectionSource(conn), pool, HaversineProvider(), rep_id, DAY, run_id=run_id, options=options
                )
            )
            await _until(lambda: bool(pool.running and pool.child_pids()))
            for pid in pool.child_pids():
                os.kill(pid, signal.SIGKILL)
            outcome = await job
    finally:
        pool.close()
    assert outcome.status == "failed"
    failures = [line for line in lines if line["message"].startswith(f"planning rep {rep_id} for {DAY} failed")]
    assert len(failures) == 1
    assert "SolverCrashed" in failures[0]["traceback"] and "BrokenProcessPool" in failures[0]["traceback"]
    row = await conn.fetchrow("select status, error from planning_run_reps where run_id = $1", run_id)
    assert row["status"] == "failed" and "solver process stopped" in row["error"]
