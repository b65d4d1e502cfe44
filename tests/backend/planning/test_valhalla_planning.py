"""A rep's day planned on real street travel times (Valhalla over the Helsinki extract), cached."""

from __future__ import annotations

import math

import asyncpg
import pytest

from backend.planning.matrix_cache import CachedMatrixProvider
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import ValhallaProvider
from tests.backend.conftest import SingleConnectionSource
from tests.backend.planning.conftest import DAY, rep_id_of, schedule_day, territory_accounts
from tests.routing.conftest_valhalla import valhalla_url  # noqa: F401  (the fixture)


@pytest.mark.valhalla
async def test_a_day_on_valhalla_travel_times_reuses_cached_legs(
    conn: asyncpg.Connection,
    solver: SolverPool,
    valhalla_url: str,  # noqa: F811
) -> None:
    provider = CachedMatrixProvider(ValhallaProvider(valhalla_url, timeout_s=30))
    rep_id = await rep_id_of(conn, "rep2@example.com")
    accounts = await territory_accounts(conn, rep_id, 15)
    await schedule_day(conn, rep_id, DAY, accounts)
    options = PlanningOptions(time_limit_s=0.3, solution_limit=None)
    outcome = await plan_rep_day(
        SingleConnectionSource(conn), solver, provider, rep_id, DAY, run_id=None, options=options
    )
    assert outcome.status == "planned", outcome.error
    assert outcome.route is not None
    # Every account is either on the route or dropped with a reason (unreachable pairs at the clipped
    # border of the extract become `unreachable`, never a crash).
    placed = {stop.account_id for stop in outcome.route.stops} | {d.account_id for d in outcome.route.dropped}
    assert placed == set(accounts)
    assert outcome.route.travel_s > 0 and math.isfinite(outcome.route.distance_m)
    assert provider.misses == 1 and provider.hits == 0
    # The same points again (a rerun, a re-plan with the same stops): answered from the cache.
    points = [(60.1699, 24.9384), (60.1719, 24.9414)]
    first = provider.matrix(points, "car")
    second = provider.matrix(points, "car")
    assert provider.hits == 1
    assert first.durations == second.durations
