"""Appointments and supervisor tasks: added over the API, honoured by the next plan of the day."""

from __future__ import annotations

import asyncpg
import httpx

from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.planning.conftest import DAY, rep_id_of, schedule_day, territory_accounts


async def test_an_appointment_added_by_the_rep_is_planned_at_its_time(
    conn: asyncpg.Connection, client: httpx.AsyncClient, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await territory_accounts(conn, rep_id, 9)
    await schedule_day(conn, rep_id, DAY, accounts[1:])
    rep = await auth_headers(client, "rep1@example.com")
    created = await client.post(
        f"/api/v1/reps/{rep_id}/tasks",
        json={"account_id": accounts[0], "day": str(DAY), "kind": "appointment", "start_s": 14 * 3600},
        headers=rep,
    )
    assert created.status_code == 201, created.text
    supervisor = await auth_headers(client, "supervisor@example.com")
    task = await client.post(
        f"/api/v1/reps/{rep_id}/tasks",
        json={"account_id": accounts[1], "day": str(DAY), "kind": "task", "priority": 95, "note": "new promo"},
        headers=supervisor,
    )
    assert task.status_code == 201, task.text
    listed = await client.get(f"/api/v1/reps/{rep_id}/tasks?day={DAY}", headers=rep)
    assert [item["kind"] for item in listed.json()] == ["appointment", "task"]
    outcome = await plan_rep_day(
        SingleConnectionSource(conn),
        solver,
        HaversineProvider(),
        rep_id,
        DAY,
        run_id=None,
        options=PlanningOptions(solution_limit=50),
    )
    stops = {stop.account_id: stop for stop in outcome.route.stops}
    assert stops[accounts[0]].start_s == 14 * 3600 and stops[accounts[0]].source == "appointment"
    assert stops[accounts[1]].source == "task" and stops[accounts[1]].priority == 95


async def test_tasks_are_scoped_and_validated(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    rep1 = await rep_id_of(conn, "rep1@example.com")
    rep2 = await rep_id_of(conn, "rep2@example.com")
    rep2_account = (await territory_accounts(conn, rep2, 1))[0]
    rep1_account = (await territory_accounts(conn, rep1, 1))[0]
    headers = await auth_headers(client, "rep1@example.com")
    other_rep = await client.post(
        f"/api/v1/reps/{rep2}/tasks",
        json={"account_id": rep2_account, "day": str(DAY), "kind": "task"},
        headers=headers,
    )
    assert other_rep.status_code in (403, 404)
    foreign_account = await client.post(
        f"/api/v1/reps/{rep1}/tasks",
        json={"account_id": rep2_account, "day": str(DAY), "kind": "task"},
        headers=headers,
    )
    assert foreign_account.status_code == 404 and foreign_account.json()["field"] == "account_id"
    no_time = await client.post(
        f"/api/v1/reps/{rep1}/tasks",
        json={"account_id": rep1_account, "day": str(DAY), "kind": "appointment"},
        headers=headers,
    )
    assert no_time.status_code == 422 and no_time.json()["field"] == "start_s"
    bad_kind = await client.post(
        f"/api/v1/reps/{rep1}/tasks",
        json={"account_id": rep1_account, "day": str(DAY), "kind": "party"},
        headers=headers,
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "kind"
    assert await conn.fetchval("select count(*) from planned_tasks") == 0
