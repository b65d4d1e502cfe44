"""No route on a day the rep does not work; a route that exists for such a day is withdrawn; an
absent rep's visits go to the team; a rep without a territory is reported (issue 11 defects)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import httpx

from backend.auth.principal import Role
from backend.auth.schemas import NewUser, Point
from backend.auth.service import create_user
from backend.clock import SimulatedClock
from backend.errors import InvalidInput
from backend.planning import repository as planning_repository
from backend.planning.service import HANDOVER_TEAM_RECEIVERS
from backend.planning.solver_pool import SolverPool
from backend.territories.service import assign_owner
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
)

FRIDAY = DAY + dt.timedelta(days=3)
SATURDAY = DAY + dt.timedelta(days=4)
SUNDAY = DAY + dt.timedelta(days=5)


async def test_the_nightly_run_never_plans_a_weekend_and_withdraws_a_weekend_route(
    conn: asyncpg.Connection, solver: SolverPool
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await nearest_accounts(conn, rep_id, 8)
    await schedule(conn, rep_id, {FRIDAY: accounts[:4], SATURDAY: accounts[4:], SUNDAY: accounts[4:]})
    for day in (SATURDAY, SUNDAY):
        outcome = await plan(conn, solver, rep_id, day, at(day - dt.timedelta(days=1), 22))
        assert outcome.status == "day_off" and outcome.route_id is None, outcome
        assert "weekend" in (outcome.error or "")
        assert await newest_route(conn, rep_id, day) is None
    # A Saturday route published before (the rep used to work Saturdays) is withdrawn by the next run.
    await conn.execute("update reps set working_days = '{1,2,3,4,5,6}' where user_id = $1", rep_id)
    published = await plan(conn, solver, rep_id, SATURDAY, at(FRIDAY, 22))
    assert published.status == "planned" and published.route_id is not None
    await conn.execute("update reps set working_days = '{1,2,3,4,5}' where user_id = $1", rep_id)
    withdrawn = await plan(conn, solver, rep_id, SATURDAY, at(FRIDAY, 23))
    assert withdrawn.status == "withdrawn"
    route = await newest_route(conn, rep_id, SATURDAY)
    assert route["kind"] == "withdrawn" and await stop_accounts(conn, route["id"]) == []
    removed = await conn.fetch(
        "select account_id, reason from route_stop_removals where rep_id = $1 and day = $2", rep_id, SATURDAY
    )
    assert {row["reason"] for row in removed} == {"weekend"} and len(removed) == len(
        await stop_accounts(conn, published.route_id)
    )
    again = await plan(conn, solver, rep_id, SATURDAY, at(FRIDAY, 23, 30))
    assert again.status == "day_off" and (await newest_route(conn, rep_id, SATURDAY))["id"] == route["id"]


async def test_a_holiday_withdraws_published_routes_and_is_never_planned(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient
) -> None:
    rep_id = await rep_id_of(conn, "rep1@example.com")
    await schedule(conn, rep_id, {DAY: await nearest_accounts(conn, rep_id, 6)})
    assert (await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))).status == "planned"
    admin = await auth_headers(client, "admin@example.com")
    past = await client.post("/api/v1/holidays", json={"day": "2026-11-01", "name": "Past"}, headers=admin)
    assert past.status_code == 422 and past.json()["field"] == "day"
    assert await conn.fetchval("select count(*) from holidays") == 0, "nothing stored"
    added = await client.post("/api/v1/holidays", json={"day": str(DAY), "name": "Test day"}, headers=admin)
    assert added.status_code == 201, added.text
    route = await newest_route(conn, rep_id, DAY)
    assert route["kind"] == "withdrawn" and route["id"] in added.json()["withdrawn_route_ids"]
    outcome = await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 23))
    assert outcome.status == "day_off" and "holiday" in (outcome.error or "")
    listed = await client.get(f"/api/v1/holidays?from={DAY}&to={DAY}", headers=admin)
    assert [item["name"] for item in listed.json()] == ["Test day"]
    supervisor = await auth_headers(client, "supervisor@example.com")
    denied = await client.post("/api/v1/holidays", json={"day": str(DAY), "name": "x"}, headers=supervisor)
    assert denied.status_code == 403


async def test_an_absent_reps_visits_go_to_the_team_reoptimised_with_reasons(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient, clock: SimulatedClock
) -> None:
    reps = [await rep_id_of(conn, f"rep{n}@example.com") for n in (1, 2, 3)]
    mine = {rep_id: await nearest_accounts(conn, rep_id, 6) for rep_id in reps}
    for rep_id in reps:
        await schedule(conn, rep_id, {DAY: mine[rep_id]})
        assert (await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))).status == "planned"
    absent = reps[0]
    due = set(await stop_accounts(conn, (await newest_route(conn, absent, DAY))["id"]))
    supervisor = await auth_headers(client, "supervisor@example.com")
    past = await client.post(
        f"/api/v1/reps/{absent}/absences",
        json={"first_day": "2026-11-20", "last_day": str(DAY), "reason": "sick"},
        headers=supervisor,
    )
    assert past.status_code == 422 and past.json()["field"] == "first_day"
    clock.set(at(DAY, 7))
    response = await client.post(
        f"/api/v1/reps/{absent}/absences",
        json={"first_day": str(DAY), "last_day": str(DAY), "reason": "sick"},
        headers=supervisor,
    )
    assert response.status_code == 201, response.text
    [handover] = response.json()["handovers"]
    assert (await newest_route(conn, absent, DAY))["kind"] == "withdrawn"
    taken: set[int] = set()
    for receiver in handover["receivers"]:
        assert receiver["rep_id"] in reps[1:]
        route = await newest_route(conn, receiver["rep_id"], DAY)
        assert route["kind"] == "handover" and route["id"] == receiver["route_id"]
        stops = await stop_accounts(conn, route["id"])
        assert set(receiver["account_ids"]) <= set(stops)
        # The receiver's own visits stay theirs (re-optimised with the new ones, not dropped silently).
        own = set(mine[receiver["rep_id"]])
        assert own <= set(stops) | {item["account_id"] for item in route["unassigned"]}
        taken |= set(receiver["account_ids"])
    unplaced = {item["account_id"]: item["reason"] for item in handover["unplaced"]}
    assert taken | set(unplaced) == due and not taken & set(unplaced), "every visit placed or explained"
    assert all(unplaced.values())
    # The receiver checks in at a handed-over outlet (outside their territories) like at their own.
    receiver = handover["receivers"][0]
    account = receiver["account_ids"][0]
    lat, lon = await conn.fetchrow("select ST_Y(location), ST_X(location) from accounts where id = $1", account)
    email = await conn.fetchval("select email from users where id = $1", receiver["rep_id"])
    clock.set(at(DAY, 9))
    checked_in = await client.post(
        "/api/v1/visits",
        json={
            "id": str(uuid.uuid4()),
            "account_id": account,
            "checked_in_at": at(DAY, 9).isoformat(),
            "lat": lat,
            "lon": lon,
            "accuracy_m": 8,
        },
        headers=await auth_headers(client, email),
    )
    assert checked_in.status_code in (200, 201), checked_in.text
    assert checked_in.json()["route_id"] == receiver["route_id"]
    # The night's run for the absent rep hands nothing twice.
    assert (await plan(conn, solver, absent, DAY, at(DAY, 7, 30))).status in ("withdrawn", "day_off")
    counts = await conn.fetch("select rep_id, count(*) from routes where day = $1 group by rep_id", DAY)
    assert dict(counts)[absent] == 2


async def test_a_rep_without_a_territory_is_reported_not_planned(conn: asyncpg.Connection, solver: SolverPool) -> None:
    rep_id = await create_user(
        conn,
        NewUser(
            email="new-rep@example.com",
            name="New Rep",
            role=Role.REP,
            password="a-long-enough-password",
            supervisor_email="supervisor@example.com",
            home=Point(60.168, 24.94),
        ),
    )
    await schedule(conn, rep_id, {DAY: await nearest_accounts(conn, await rep_id_of(conn, "rep1@example.com"), 3)})
    outcome = await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))
    assert outcome.status == "no_territory" and "territory" in (outcome.error or "")
    assert await newest_route(conn, rep_id, DAY) is None
    row = await conn.fetchrow("select status, error from planning_run_reps where rep_id = $1", rep_id)
    assert row["status"] == "no_territory" and row["error"]
    # `fieldsales users create --territory CODE` assigns one (same service).
    try:
        await assign_owner(conn, "NO-SUCH", rep_id)
    except InvalidInput as exc:
        assert exc.field == "territory"
    else:
        raise AssertionError("an unknown territory code is refused")
    await assign_owner(conn, "HEL-W", rep_id)
    assert (await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 23))).status == "planned"


async def test_without_backups_an_absence_goes_to_the_nearest_teammates_only(conn: asyncpg.Connection) -> None:
    """A large team without backup reps: the absent rep's visits go to the HANDOVER_TEAM_RECEIVERS
    teammates whose homes are nearest theirs (a whole 200-rep team in one solve held the request for
    minutes), never to an absent one."""
    rep1 = await rep_id_of(conn, "rep1@example.com")
    await conn.execute("update territories set backup_rep_id = null")
    home = await conn.fetchrow("select ST_Y(home) as lat, ST_X(home) as lon from reps where user_id = $1", rep1)
    # Seven new teammates 1..7 km north of rep1's home; the nearest one is absent that day.
    added = []
    for km in range(1, 8):
        added.append(
            await create_user(
                conn,
                NewUser(
                    email=f"teammate{km}@example.com",
                    name=f"Teammate {km}",
                    role=Role.REP,
                    password="a-long-enough-password",
                    supervisor_email="supervisor@example.com",
                    home=Point(home["lat"] + km / 111.0, home["lon"]),
                ),
            )
        )
    await conn.execute(
        "insert into rep_absences (rep_id, first_day, last_day, reason) values ($1, $2, $2, 'sick')", added[0], DAY
    )
    receivers = await planning_repository.handover_receivers(conn, rep1, DAY, HANDOVER_TEAM_RECEIVERS)
    assert len(receivers) == HANDOVER_TEAM_RECEIVERS == 5
    assert added[0] not in receivers
    # By hand: the present teammates with a home, nearest rep1's home first.
    team = await conn.fetch(
        "select u.id from users u join reps r on r.user_id = u.id "
        "where u.supervisor_id = (select supervisor_id from users where id = $1) and u.id not in ($1, $2) "
        "and u.role = 'rep' and u.is_active "
        "order by ST_Distance(r.home::geography, (select home from reps where user_id = $1)::geography), u.id",
        rep1,
        added[0],
    )
    assert sorted(receivers) == sorted(row["id"] for row in team[:HANDOVER_TEAM_RECEIVERS])


async def test_the_rep_asking_for_a_day_off_route_is_told_it_is_a_day_off(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """No route on a Saturday: the 404 says the day is a day off, not just that nothing is published;
    a working day without a route says only that."""
    headers = await auth_headers(client, "rep1@example.com")
    weekend = await client.get("/api/v1/me/route", params={"day": str(SATURDAY)}, headers=headers)
    assert weekend.status_code == 404
    assert weekend.json()["field"] == "day" and "a day off (weekend)" in weekend.json()["detail"]
    working = await client.get("/api/v1/me/route", params={"day": str(FRIDAY)}, headers=headers)
    assert working.status_code == 404 and "day off" not in working.json()["detail"]
