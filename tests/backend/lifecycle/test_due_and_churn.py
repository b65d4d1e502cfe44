"""A visit done is never re-routed; the churn cap guards reshuffling only and never blocks an
appointment or a supervisor task; a same-day plan starts where the rep is (issue 11 defects)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx

from backend.planning.solver_pool import SolverPool
from tests.backend.conftest import auth_headers
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

YESTERDAY = DAY - dt.timedelta(days=1)


async def test_outlets_visited_yesterday_are_not_kept_by_the_churn_cap(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    """rep1's next-day route still sent her to the 4 outlets she visited that day (`churn_capped`)."""
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await nearest_accounts(conn, rep_id, 10)
    await schedule(conn, rep_id, {YESTERDAY: accounts[:4], DAY: accounts})
    first = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 7))  # published early, before yesterday's work
    assert first.status == "planned"
    published = await stop_accounts(conn, first.route_id or 0)
    visited = [account for account in published if account in accounts[:4]]
    assert len(visited) == 4
    for minute, account in enumerate(visited):
        await visit(conn, rep_id, account, at(YESTERDAY, 10, minute * 10))
    second = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22))
    assert second.status == "planned", second.error
    assert not set(visited) & set(await stop_accounts(conn, second.route_id or 0))
    # The next run with nothing new keeps it (idempotent).
    assert (await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22, 30))).status == "unchanged"


async def test_carried_over_visits_never_come_back_after_a_visit(conn: asyncpg.Connection, solver: SolverPool) -> None:
    rep_id = await rep_id_of(conn, "rep2@example.com")
    accounts = await nearest_accounts(conn, rep_id, 6)
    await schedule(conn, rep_id, {YESTERDAY: accounts})
    yesterday = await plan(conn, solver, rep_id, YESTERDAY, at(YESTERDAY - dt.timedelta(days=1), 22))
    planned = await stop_accounts(conn, yesterday.route_id or 0)
    done, missed = planned[:3], planned[3:]
    for minute, account in enumerate(done):
        await visit(conn, rep_id, account, at(YESTERDAY, 9, minute * 15))
    today = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22))
    stops = await conn.fetch("select account_id, source from route_stops where route_id = $1", today.route_id)
    assert {row["account_id"] for row in stops} == set(missed)
    assert {row["source"] for row in stops} == {"carried_over"}


async def test_an_appointment_reaches_a_published_route_whatever_the_churn(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    """A supervisor's appointment never reached the route: the nightly kept the old one (churn 95%)."""
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await nearest_accounts(conn, rep_id, 14)
    await schedule(conn, rep_id, {DAY: accounts[:12]})
    first = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 18))
    assert first.status == "planned"
    supervisor = await auth_headers(client, "supervisor@example.com")
    added = await client.post(
        f"/api/v1/reps/{rep_id}/tasks",
        json={
            "account_id": accounts[13],
            "day": str(DAY),
            "kind": "appointment",
            "start_s": 10 * 3600,
            "priority": 100,
        },
        headers=supervisor,
    )
    assert added.status_code == 201, added.text
    assert added.json()["placed"] is False, "not on the published route yet"
    second = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22))
    assert second.status == "planned", second.error
    stop = await conn.fetchrow(
        "select source, start_s from route_stops where route_id = $1 and account_id = $2",
        second.route_id,
        accounts[13],
    )
    assert stop is not None and stop["source"] == "appointment" and stop["start_s"] == 10 * 3600
    tasks = (await client.get(f"/api/v1/reps/{rep_id}/tasks?day={DAY}", headers=supervisor)).json()
    assert tasks[0]["placed"] is True and tasks[0]["route_id"] == second.route_id


async def test_a_task_that_cannot_fit_gets_its_reason(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    [account] = await nearest_accounts(conn, rep_id, 1)
    await conn.execute("delete from account_opening_hours where account_id = $1", account)
    await conn.execute(
        "insert into account_opening_hours (account_id, weekday, open_s, close_s) values ($1, 3, 36000, 43200)",
        account,
    )  # open on Wednesdays only
    supervisor = await auth_headers(client, "supervisor@example.com")
    added = await client.post(
        f"/api/v1/reps/{rep_id}/tasks",
        json={"account_id": account, "day": str(DAY), "kind": "task"},
        headers=supervisor,
    )
    assert added.status_code == 201
    outcome = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22))
    assert outcome.status == "planned"
    [task] = (await client.get(f"/api/v1/reps/{rep_id}/tasks?day={DAY}", headers=supervisor)).json()
    assert task["placed"] is False and task["reason"] == "closed"


async def test_a_same_day_plan_starts_from_the_last_check_in_and_leaves_out_what_is_done(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    """A same-day planning run re-planned from home and put an account visited an hour earlier back as stop 1."""
    rep_id = await rep_id_of(conn, "rep3@example.com")
    accounts = await nearest_accounts(conn, rep_id, 10)
    await schedule(conn, rep_id, {DAY: accounts})
    morning = await plan(conn, solver, rep_id, DAY, at(YESTERDAY, 22))
    first_stop = (await stop_accounts(conn, morning.route_id or 0))[0]
    await visit(conn, rep_id, first_stop, at(DAY, 10))
    same_day = await plan(conn, solver, rep_id, DAY, at(DAY, 11))
    assert same_day.status == "planned", same_day.error
    route = await newest_route(conn, rep_id, DAY)
    stops = await conn.fetch("select * from route_stops where route_id = $1 order by seq", route["id"])
    assert first_stop not in [row["account_id"] for row in stops]
    assert route["start_s"] >= 11 * 3600 and all(row["arrival_s"] >= 11 * 3600 for row in stops)
    # It starts where the rep checked in last, not at home: the first leg is from that outlet.
    home_leg = await conn.fetchval(
        "select ST_Distance(r.home::geography, a.location::geography) from reps r, accounts a "
        "where r.user_id = $1 and a.id = $2",
        rep_id,
        stops[0]["account_id"],
    )
    from_last = await conn.fetchval(
        "select ST_Distance(a.location::geography, b.location::geography) from accounts a, accounts b "
        "where a.id = $1 and b.id = $2",
        first_stop,
        stops[0]["account_id"],
    )
    assert stops[0]["arrival_s"] - 11 * 3600 <= stops[0]["travel_from_previous_s"] + 1
    assert from_last != home_leg
