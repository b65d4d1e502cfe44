"""Lifecycle fixtures: the API on a simulated clock, a solver, and helpers to plan and visit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.planning.service import PlanningOptions, RepDayOutcome, plan_rep_day
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings
from routing.matrix import HaversineProvider
from tests.backend.conftest import SingleConnectionSource

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2026, 12, 1)  # a Tuesday
OPTIONS = PlanningOptions(iterations=30)
PROVIDER = HaversineProvider()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Local time in Helsinki; minutes past 59 roll over into the next hours."""
    return dt.datetime.combine(day, dt.time(hour), HELSINKI) + dt.timedelta(minutes=minute)


@pytest.fixture(scope="session")
def solver() -> Iterator[SolverPool]:
    pool = SolverPool(processes=1)
    yield pool
    pool.close()


@pytest.fixture
def clock() -> SimulatedClock:
    """The evening before DAY; a test moves it forward."""
    return SimulatedClock(at(DAY - dt.timedelta(days=1), 20))


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock, solver: SolverPool) -> Litestar:
    application = create_app(settings, pool=SingleConnectionSource(conn), clock=clock)
    application.state.solver = solver
    return application


async def rep_id_of(conn: asyncpg.Connection, email: str) -> int:
    rep_id: int = await conn.fetchval("select id from users where email = $1", email)
    return rep_id


async def nearest_accounts(conn: asyncpg.Connection, rep_id: int, limit: int, status: str | None = None) -> list[int]:
    """Accounts of the rep's territory open 08:00-20:00 every day, nearest to home first."""
    rows = await conn.fetch(
        "select a.id from accounts a join territories t on t.id = a.territory_id "
        "join reps r on r.user_id = t.owner_rep_id where t.owner_rep_id = $1 and a.status <> 'closed' "
        "and ($3::text is null or a.status = $3) order by a.location <-> r.home, a.id limit $2",
        rep_id,
        limit,
        status,
    )
    ids = [row["id"] for row in rows]
    await conn.execute("delete from account_opening_hours where account_id = any($1)", ids)
    await conn.executemany(
        "insert into account_opening_hours (account_id, weekday, open_s, close_s) values ($1, $2, 28800, 72000)",
        [(account_id, weekday) for account_id in ids for weekday in range(1, 8)],
    )
    return ids


async def schedule(conn: asyncpg.Connection, rep_id: int, days: dict[dt.date, list[int]]) -> None:
    first = min(days)
    monday = first - dt.timedelta(days=first.weekday())
    schedule_id = await conn.fetchval(
        "insert into schedules (rep_id, start_day, weeks, end_day, feasible) values ($1, $2, 4, $3, true) returning id",
        rep_id,
        monday,
        monday + dt.timedelta(weeks=4),
    )
    await conn.executemany(
        "insert into scheduled_visits (schedule_id, account_id, day) values ($1, $2, $3)",
        [(schedule_id, account_id, day) for day, accounts in days.items() for account_id in accounts],
    )


async def new_run(conn: asyncpg.Connection, day: dt.date, rep_id: int) -> int:
    run_id: int = await conn.fetchval("insert into planning_runs (day, trigger) values ($1, 'cli') returning id", day)
    await conn.execute("insert into planning_run_reps (run_id, rep_id) values ($1, $2)", run_id, rep_id)
    return run_id


async def plan(
    conn: asyncpg.Connection,
    solver: SolverPool,
    rep_id: int,
    day: dt.date,
    now: dt.datetime,
    *,
    nightly_run: bool = True,
) -> RepDayOutcome:
    run_id = await new_run(conn, day, rep_id) if nightly_run else None
    return await plan_rep_day(
        SingleConnectionSource(conn), solver, PROVIDER, rep_id, day, run_id=run_id, options=OPTIONS, now=now
    )


async def stop_accounts(conn: asyncpg.Connection, route_id: int) -> list[int]:
    rows = await conn.fetch("select account_id from route_stops where route_id = $1 order by seq", route_id)
    return [row["account_id"] for row in rows]


async def newest_route(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from routes where rep_id = $1 and day = $2 order by version desc limit 1", rep_id, day
    )


async def visit(conn: asyncpg.Connection, rep_id: int, account_id: int, when: dt.datetime) -> None:
    """A check-in (and check-out 20 minutes later) at the account itself."""
    await conn.execute(
        "insert into visits (id, rep_id, account_id, checked_in_at, check_in_location, check_in_accuracy_m, "
        "check_in_mock, check_in_distance_m, checked_out_at, check_out_location) "
        "select gen_random_uuid(), $1, a.id, $3::timestamptz, a.location, 8, false, 5, "
        "$3::timestamptz + interval '20 minutes', a.location "
        "from accounts a where a.id = $2",
        rep_id,
        account_id,
        when,
    )


async def insert_orders(conn: asyncpg.Connection, day: dt.date, by_status: dict[str, int]) -> list[int]:
    """Orders (no lines) on `day` at distinct accounts of the demo reps' territories, so many of each
    status; returns the accounts, in the order of `by_status`. For coverage's active base."""
    total = sum(by_status.values())
    rows = await conn.fetch(
        "select a.id, t.owner_rep_id, t.id as territory_id from accounts a join territories t on t.id = a.territory_id "
        "where a.status <> 'closed' and a.location is not null order by a.id desc limit $1",
        total,
    )
    statuses = [status for status, count in by_status.items() for _ in range(count)]
    for row, status in zip(rows, statuses, strict=True):
        await conn.execute(
            "insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, total_amount, "
            "total_units, line_count) values (gen_random_uuid(), $1, $2, $3, $4, now(), $5, 10, 1, 1)",
            row["id"],
            row["owner_rep_id"],
            row["territory_id"],
            status,
            day,
        )
    return [row["id"] for row in rows]
