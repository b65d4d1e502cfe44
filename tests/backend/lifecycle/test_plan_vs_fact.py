"""Plan vs fact after a re-plan, the map's side panel, and coverage by one definition (issue 11).

Recounted by hand from the day's route versions and raw visits: the plan of the day is the route as
published before the shift started; a re-plan (which leaves out what was done) changes nothing in it.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx

from backend.clock import SimulatedClock
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

REPORT = f"/api/v1/reports/visits?from={DAY}&to={DAY}&group_by=rep"


async def test_a_replan_changes_nothing_in_the_plan_of_the_day(
    conn: asyncpg.Connection, solver: SolverPool, client: httpx.AsyncClient, clock: SimulatedClock
) -> None:
    """rep1 visited 4 planned stops and re-planned: the report said planned 11, done 0, off-plan 5."""
    rep_id = await rep_id_of(conn, "rep1@example.com")
    accounts = await nearest_accounts(conn, rep_id, 13)
    await schedule(conn, rep_id, {DAY: accounts[:11]})
    await plan(conn, solver, rep_id, DAY, at(DAY - dt.timedelta(days=1), 22))
    plan_of_day = await stop_accounts(conn, (await newest_route(conn, rep_id, DAY))["id"])
    for minute, account in enumerate(plan_of_day[:4]):
        await visit(conn, rep_id, account, at(DAY, 8, 30 + minute * 25))
    rep = await auth_headers(client, "rep1@example.com")
    clock.set(at(DAY, 10, 30))
    added_task = await client.post(
        f"/api/v1/reps/{rep_id}/tasks", json={"account_id": accounts[12], "day": str(DAY), "kind": "task"}, headers=rep
    )
    assert added_task.status_code == 201
    lat, lon = await conn.fetchrow("select ST_Y(location), ST_X(location) from accounts where id = $1", plan_of_day[3])
    replanned = await client.post("/api/v1/me/route/replan", json={"lat": lat, "lon": lon}, headers=rep)
    assert replanned.status_code == 200, replanned.text
    assert accounts[12] in [stop["account"]["id"] for stop in replanned.json()["stops"]]
    # After the re-plan: one more planned stop visited, the added task visited, one off-plan outlet.
    clock.set(at(DAY, 15))
    await visit(conn, rep_id, plan_of_day[4], at(DAY, 11))
    await visit(conn, rep_id, plan_of_day[4], at(DAY, 11, 40))  # the same visit again: counted once
    await visit(conn, rep_id, accounts[12], at(DAY, 12))
    await visit(conn, rep_id, accounts[11], at(DAY, 14))
    supervisor = await auth_headers(client, "supervisor@example.com")
    # A supervisor takes one not-yet-visited planned stop off, with a reason.
    removed = plan_of_day[-1]
    taken_off = await client.post(
        f"/api/v1/reps/{rep_id}/route/removals",
        json={"day": str(DAY), "account_id": removed, "reason": "shop closed for inventory"},
        headers=supervisor,
    )
    assert taken_off.status_code == 200, taken_off.text
    assert removed not in [stop["account"]["id"] for stop in taken_off.json()["stops"]]
    bad = await client.post(
        f"/api/v1/reps/{rep_id}/route/removals",
        json={"day": str(DAY), "account_id": accounts[11], "reason": "x"},
        headers=supervisor,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "account_id"
    response = await client.get(REPORT, headers=supervisor)
    assert response.status_code == 200, response.text
    row = next(item for item in response.json()["rows"] if item["key"] == str(rep_id))
    # By hand: plan = 11 stops published at 22:00 the day before; 1 removed; 5 of them visited.
    planned = len(plan_of_day) - 1
    assert row["planned"] == planned and row["removed"] == 1
    assert row["done_on_plan"] == 5 and row["missed"] == planned - 5
    assert row["planned"] == row["done_on_plan"] + row["missed"]
    assert (row["added"], row["done_added"], row["done_off_plan"]) == (1, 1, 1)
    assert row["done"] == 7 == row["done_on_plan"] + row["done_added"] + row["done_off_plan"]
    assert row["visits"] == 8, "every check-in, the repeated one included"
    # The map's side panel: each visit against the plan of the day, with its number there.
    panel = await client.get(f"/api/v1/supervision/visits.geojson?day={DAY}&rep={rep_id}", headers=supervisor)
    assert panel.status_code == 200, panel.text
    by_account: dict[int, dict[str, object]] = {}
    for feature in panel.json()["features"]:
        by_account.setdefault(int(feature["properties"]["account_id"]), feature["properties"])
    for seq, account in enumerate(plan_of_day[:5], start=1):
        assert by_account[account]["plan_status"] == "planned" and by_account[account]["route_stop_seq"] == seq
    assert by_account[accounts[12]]["plan_status"] == "added"
    assert by_account[accounts[11]]["plan_status"] == "off_plan" and by_account[accounts[11]]["planned"] is False


async def test_coverage_counts_distinct_outlets_visited_and_both_endpoints_agree(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """'visited 1' for a territory where the rep visited 4 distinct outlets (3 were prospects), and
    /territories/coverage and /reports/coverage defined potential and active differently."""
    rep_id = await rep_id_of(conn, "rep1@example.com")
    prospects = await nearest_accounts(conn, rep_id, 3, status="potential")
    [active] = await nearest_accounts(conn, rep_id, 1, status="active")
    for hour, account in enumerate([*prospects, active, active]):
        await visit(conn, rep_id, account, at(DAY, 9 + hour))
    territory = await conn.fetchrow("select id, code from territories where owner_rep_id = $1", rep_id)
    supervisor = await auth_headers(client, "supervisor@example.com")
    report = (await client.get(f"/api/v1/reports/coverage?from={DAY}&to={DAY}", headers=supervisor)).json()
    row = next(item for item in report["rows"] if item["key"] == territory["code"])
    own = (
        await client.get(f"/api/v1/territories/{territory['id']}/coverage?from={DAY}&to={DAY}", headers=supervisor)
    ).json()
    others = await conn.fetchval(
        "select count(distinct v.account_id) from visits v join accounts a on a.id = v.account_id "
        "where a.territory_id = $1 and (v.checked_in_at at time zone 'Europe/Helsinki')::date = $2 "
        "and not v.account_id = any($3)",
        territory["id"],
        DAY,
        [*prospects, active],
    )
    assert row["visited"] == own["visited"] == 4 + others
    assert (row["potential"], row["active"]) == (own["potential"], own["active"])
    assert row["outlets"] == own["total"]
    assert row["active_per_potential"] == round(own["active"] / own["potential"], 4)
