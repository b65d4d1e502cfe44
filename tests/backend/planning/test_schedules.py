"""Supervisors build journey plans; the nightly planner reads them."""

from __future__ import annotations

import asyncpg
import httpx
from litestar import Litestar

from backend.planning.solver_pool import SolverPool
from tests.backend.conftest import auth_headers
from tests.backend.planning.conftest import rep_id_of


async def test_a_supervisor_plans_a_feasible_four_week_schedule(
    conn: asyncpg.Connection, client: httpx.AsyncClient, app: Litestar, solver: SolverPool
) -> None:
    app.state.solver = solver
    rep_id = await rep_id_of(conn, "rep2@example.com")
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.post(
        "/api/v1/schedules",
        json={"rep_id": rep_id, "start": "2026-11-30", "weeks": 4, "days_off": ["2026-12-07"]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["feasible"] is True
    assert all(day["day"] != "2026-12-07" for day in body["days"])
    # Every account is visited as often as its class asks, on the days stored for the nightly run.
    frequencies = dict(
        await conn.fetch(
            "select a.id, a.visit_frequency_per_4_weeks from accounts a join territories t on t.id = a.territory_id "
            "where t.owner_rep_id = $1",
            rep_id,
        )
    )
    stored = dict(
        await conn.fetch(
            "select account_id, count(*) from scheduled_visits where schedule_id = $1 group by account_id", body["id"]
        )
    )
    assert stored == frequencies
    weekly = [account for account, per_4_weeks in frequencies.items() if per_4_weeks == 4]
    for account_id in weekly[:10]:
        days = await conn.fetch(
            "select extract(isodow from day) as weekday from scheduled_visits where schedule_id = $1 "
            "and account_id = $2",
            body["id"],
            account_id,
        )
        assert len({row["weekday"] for row in days}) <= 2, "weekly accounts keep their weekday (a holiday may move one)"


async def test_schedules_are_for_supervisors_of_the_rep(
    conn: asyncpg.Connection, client: httpx.AsyncClient, app: Litestar, solver: SolverPool
) -> None:
    app.state.solver = solver
    rep_id = await rep_id_of(conn, "rep1@example.com")
    as_rep = await client.post(
        "/api/v1/schedules",
        json={"rep_id": rep_id, "start": "2026-11-30"},
        headers=await auth_headers(client, "rep1@example.com"),
    )
    assert as_rep.status_code == 403
    supervisor = await auth_headers(client, "supervisor@example.com")
    bad_weeks = await client.post(
        "/api/v1/schedules", json={"rep_id": rep_id, "start": "2026-11-30", "weeks": 0}, headers=supervisor
    )
    assert bad_weeks.status_code == 422 and bad_weeks.json()["field"] == "weeks"
    bad_date = await client.post(
        "/api/v1/schedules", json={"rep_id": rep_id, "start": "30.11.2026"}, headers=supervisor
    )
    assert bad_date.status_code == 422 and bad_date.json()["field"] == "start"
    unknown = await client.post("/api/v1/schedules", json={"rep_id": 999999, "start": "2026-11-30"}, headers=supervisor)
    assert unknown.status_code == 404
    assert await conn.fetchval("select count(*) from schedules") == 0
