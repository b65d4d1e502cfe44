"""Planning runs over the API: a supervisor queues the team's day and reads the per-rep report."""

from __future__ import annotations

import asyncpg
import httpx

from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.planning.conftest import DAY, rep_id_of, schedule_day, territory_accounts


async def test_a_run_is_queued_per_rep_and_reports_progress(
    conn: asyncpg.Connection, client: httpx.AsyncClient, solver: SolverPool
) -> None:
    supervisor = await auth_headers(client, "supervisor@example.com")
    started = await client.post("/api/v1/planning-runs", json={"day": str(DAY)}, headers=supervisor)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["reps_total"] == 3 and run["reps_finished"] == 0 and run["status"] == "queued"
    jobs = await conn.fetchval("select count(*) from pgqueuer where entrypoint = 'plan_rep_day'")
    assert jobs == 3, "one queued job per rep, in the same transaction as the run"
    # A worker's job for rep1 (run here in-process, as the worker would):
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await schedule_day(conn, rep_id, DAY, await territory_accounts(conn, rep_id, 10))
    await plan_rep_day(
        SingleConnectionSource(conn),
        solver,
        HaversineProvider(),
        rep_id,
        DAY,
        run_id=run["id"],
        options=PlanningOptions(time_limit_s=0.2, solution_limit=None),
    )
    report = (await client.get(f"/api/v1/planning-runs/{run['id']}", headers=supervisor)).json()
    assert report["status"] == "running" and report["reps_finished"] == 1
    rep1 = next(rep for rep in report["reps"] if rep["rep_id"] == rep_id)
    assert rep1["status"] == "planned" and rep1["visits_planned"] > 0 and rep1["solve_s"] > 0
    assert rep1["visits_planned"] + rep1["visits_dropped"] == 10
    assert all("reason" in item for item in rep1["dropped"])
    rep = await auth_headers(client, "rep1@example.com")
    assert (await client.get(f"/api/v1/planning-runs/{run['id']}", headers=rep)).status_code == 403
    assert (await client.get("/api/v1/planning-runs/999999", headers=supervisor)).status_code == 404
    bad = await client.post("/api/v1/planning-runs", json={"day": "tomorrow"}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["field"] == "day"
