"""A rep's day route from the schedule, appointments and missed visits, published as versions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from backend.clock import SimulatedClock
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.planning.conftest import DAY, rep_id_of, schedule_day, set_hours, territory_accounts

OPTIONS = PlanningOptions(iterations=30)
PROVIDER = HaversineProvider()


async def _plan(conn: asyncpg.Connection, solver: SolverPool, rep_id: int, day: dt.date, run_id: int | None = None):
    return await plan_rep_day(
        SingleConnectionSource(conn), solver, PROVIDER, rep_id, day, run_id=run_id, options=OPTIONS
    )


async def _stops(conn: asyncpg.Connection, route_id: int) -> list[asyncpg.Record]:
    return await conn.fetch("select * from route_stops where route_id = $1 order by seq", route_id)


async def test_scheduled_visits_become_a_feasible_route_within_opening_hours(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await territory_accounts(conn, rep_id, 12)
    await schedule_day(conn, rep_id, DAY, accounts)
    split_shift = accounts[0]
    await set_hours(conn, split_shift, [(10 * 3600, 12 * 3600), (15 * 3600, 17 * 3600)])
    outcome = await _plan(conn, solver, rep_id, DAY)
    assert outcome.status == "planned", outcome.error
    assert outcome.route_id is not None
    stops = await _stops(conn, outcome.route_id)
    assert {stop["account_id"] for stop in stops} | {d.account_id for d in outcome.route.dropped} == set(accounts)
    for stop in stops:
        assert stop["start_s"] >= stop["arrival_s"]
        assert stop["end_s"] == stop["start_s"] + stop["service_s"]
        if stop["account_id"] == split_shift:
            # The restaurant open 10-12 and 15-17 is never visited at 13:00: the whole visit fits a window.
            assert (stop["start_s"] >= 10 * 3600 and stop["end_s"] <= 12 * 3600) or (
                stop["start_s"] >= 15 * 3600 and stop["end_s"] <= 17 * 3600
            )
    previous_end = 0
    for stop in stops:
        assert stop["start_s"] >= previous_end
        previous_end = stop["end_s"]


async def test_a_pinned_appointment_stays_at_its_time(conn: asyncpg.Connection, solver: SolverPool) -> None:
    rep_id = await rep_id_of(conn, "rep2@example.com")
    accounts = await territory_accounts(conn, rep_id, 10)
    await schedule_day(conn, rep_id, DAY, accounts[1:])
    await conn.execute(
        "insert into planned_tasks (rep_id, account_id, day, kind, start_s) values ($1, $2, $3, 'appointment', 36000)",
        rep_id,
        accounts[0],
        DAY,
    )
    outcome = await _plan(conn, solver, rep_id, DAY)
    assert outcome.status == "planned", outcome.error
    appointment = [s for s in await _stops(conn, outcome.route_id or 0) if s["account_id"] == accounts[0]]
    assert len(appointment) == 1
    assert appointment[0]["start_s"] == 36000
    assert appointment[0]["source"] == "appointment"


async def test_visits_missed_today_come_back_tomorrow_with_raised_priority(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep3@example.com")
    accounts = await territory_accounts(conn, rep_id, 8)
    today, tomorrow = DAY, DAY + dt.timedelta(days=1)
    await schedule_day(conn, rep_id, today, accounts)
    today_route = await _plan(conn, solver, rep_id, today)
    planned_today = [s["account_id"] for s in await _stops(conn, today_route.route_id or 0)]
    assert len(planned_today) >= 5
    done, missed = planned_today[:-3], planned_today[-3:]
    for account_id in done:
        await conn.execute(
            "insert into visits (id, rep_id, account_id, checked_in_at, check_in_location, check_in_accuracy_m, "
            "check_in_mock, check_in_distance_m) select gen_random_uuid(), $1, a.id, "
            "($3::date + time '12:00') at time zone 'Europe/Helsinki', a.location, 10, false, 5 "
            "from accounts a where a.id = $2",
            rep_id,
            account_id,
            today,
        )
    tomorrow_route = await _plan(conn, solver, rep_id, tomorrow)
    assert tomorrow_route.status == "planned", tomorrow_route.error
    stops = {s["account_id"]: s for s in await _stops(conn, tomorrow_route.route_id or 0)}
    dropped = {d.account_id for d in tomorrow_route.route.dropped}
    classes = dict(await conn.fetch("select id, account_class from accounts where id = any($1)", missed))
    base = {"A": 80, "B": 60, "C": 40}
    for account_id in missed:
        assert account_id in stops or account_id in dropped
        if account_id in stops:
            assert stops[account_id]["source"] == "carried_over"
            assert stops[account_id]["priority"] == base[classes[account_id]] + 20
            assert stops[account_id]["due_day"] == today
    assert not set(done) & set(stops), "visits made today are not carried over"


async def test_a_rerun_publishes_nothing_new_and_the_same_inputs_give_the_same_route(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await schedule_day(conn, rep_id, DAY, await territory_accounts(conn, rep_id, 15))
    first = await _plan(conn, solver, rep_id, DAY)
    second = await _plan(conn, solver, rep_id, DAY)
    assert first.status == "planned" and second.status == "unchanged"
    assert second.route_id == first.route_id
    assert second.route is None, "the same inputs are not solved again"
    assert await conn.fetchval("select count(*) from routes where rep_id = $1 and day = $2", rep_id, DAY) == 1


async def test_one_reps_bad_data_is_recorded_not_raised(conn: asyncpg.Connection, solver: SolverPool) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await conn.execute("update reps set home = null where user_id = $1", rep_id)
    run_id = await conn.fetchval("insert into planning_runs (day, trigger) values ($1, 'cli') returning id", DAY)
    await conn.execute("insert into planning_run_reps (run_id, rep_id) values ($1, $2)", run_id, rep_id)
    outcome = await _plan(conn, solver, rep_id, DAY, run_id)
    assert outcome.status == "failed"
    row = await conn.fetchrow("select status, error from planning_run_reps where run_id = $1", run_id)
    assert row["status"] == "failed" and "home" in row["error"]
    assert await conn.fetchval("select status from planning_runs where id = $1", run_id) == "done_with_failures"


async def test_route_api_etag_replan_and_scope(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient, app
) -> None:
    app.state.solver = solver
    app.state.clock = SimulatedClock(dt.datetime.combine(DAY, dt.time(11), ZoneInfo("Europe/Helsinki")))
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await schedule_day(conn, rep_id, DAY, await territory_accounts(conn, rep_id, 12))
    await _plan(conn, solver, rep_id, DAY)
    headers = await auth_headers(client, "rep1@example.com")
    response = await client.get(f"/api/v1/me/route?day={DAY}", headers=headers)
    assert response.status_code == 200, response.text
    route = response.json()
    assert route["stops"] and route["stops"][0]["account"]["name"]
    etag = response.headers["etag"]
    cached = await client.get(f"/api/v1/me/route?day={DAY}", headers={**headers, "If-None-Match": etag})
    assert cached.status_code == 304
    first = route["stops"][0]["account"]
    replanned = await client.post(
        "/api/v1/me/route/replan",
        json={"lat": first["lat"], "lon": first["lon"], "time_s": 11 * 3600, "day": str(DAY)},
        headers=headers,
    )
    assert replanned.status_code == 200, replanned.text
    body = replanned.json()
    assert body["version"] == route["version"] + 1 and body["kind"] == "replan"
    assert all(stop["start_s"] >= 11 * 3600 for stop in body["stops"])
    assert (
        await client.get(f"/api/v1/me/route?day={DAY}", headers={**headers, "If-None-Match": etag})
    ).status_code == 200
    # Supervisors read their team's routes; another rep does not.
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get(f"/api/v1/reps/{rep_id}/route?day={DAY}", headers=supervisor)).status_code == 200
    other_rep = await auth_headers(client, "rep2@example.com")
    assert (await client.get(f"/api/v1/reps/{rep_id}/route?day={DAY}", headers=other_rep)).status_code == 403
    bad = await client.post("/api/v1/me/route/replan", json={"lat": 123, "lon": 24}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "lat"
    missing = await client.get("/api/v1/me/route?day=2030-01-01", headers=headers)
    assert missing.status_code == 404
