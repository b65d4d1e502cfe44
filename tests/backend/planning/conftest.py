"""Planning helpers: a rep with a schedule for a known day (the solver pool is in tests/backend/conftest.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.planning.matrix_cache import MatrixProvider
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource

DAY = dt.date(2026, 12, 1)  # a Tuesday


async def rep_id_of(conn: asyncpg.Connection, email: str) -> int:
    rep_id: int = await conn.fetchval("select id from users where email = $1", email)
    return rep_id


async def territory_accounts(conn: asyncpg.Connection, rep_id: int, limit: int) -> list[int]:
    """Accounts of the rep's territory with default-like hours, nearest to home first."""
    rows = await conn.fetch(
        "select a.id from accounts a join territories t on t.id = a.territory_id "
        "join reps r on r.user_id = t.owner_rep_id where t.owner_rep_id = $1 "
        "order by a.location <-> r.home, a.id limit $2",
        rep_id,
        limit,
    )
    return [row["id"] for row in rows]


async def schedule_day(conn: asyncpg.Connection, rep_id: int, day: dt.date, account_ids: list[int]) -> int:
    schedule_id: int = await conn.fetchval(
        "insert into schedules (rep_id, start_day, weeks, end_day, feasible) values ($1, $2, 4, $3, true) returning id",
        rep_id,
        day - dt.timedelta(days=day.weekday()),
        day - dt.timedelta(days=day.weekday()) + dt.timedelta(weeks=4),
    )
    await conn.executemany(
        "insert into scheduled_visits (schedule_id, account_id, day) values ($1, $2, $3)",
        [(schedule_id, account_id, day) for account_id in account_ids],
    )
    return schedule_id


async def set_hours(conn: asyncpg.Connection, account_id: int, windows: list[tuple[int, int]]) -> None:
    """Replace an account's hours with the same windows on every weekday."""
    await conn.execute("delete from account_opening_hours where account_id = $1", account_id)
    await conn.executemany(
        "insert into account_opening_hours (account_id, weekday, open_s, close_s) values ($1, $2, $3, $4)",
        [(account_id, weekday, start, end) for weekday in range(1, 8) for start, end in windows],
    )


# The business clock of the planning API tests: the evening before DAY (planning DAY is tomorrow's
# plan; a test that needs "during DAY" sets app.state.clock itself).
EVENING_BEFORE = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(20), ZoneInfo("Europe/Helsinki"))


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection) -> Litestar:
    return create_app(settings, pool=SingleConnectionSource(conn), clock=SimulatedClock(EVENING_BEFORE))


async def published_day(
    conn: asyncpg.Connection, solver: SolverPool, email: str, visits: int = 8, provider: MatrixProvider | None = None
) -> int:
    """The rep (by email) with `visits` scheduled on DAY and a route published for it (travel from
    `provider`, haversine by default); their id."""
    from backend.planning.service import PlanningOptions, plan_rep_day
    from routing.matrix import HaversineProvider
    from tests.backend.conftest import SingleConnectionSource

    rep_id = await rep_id_of(conn, email)
    await schedule_day(conn, rep_id, DAY, await territory_accounts(conn, rep_id, visits))
    outcome = await plan_rep_day(
        SingleConnectionSource(conn),
        solver,
        provider or HaversineProvider(),
        rep_id,
        DAY,
        run_id=None,
        options=PlanningOptions(iterations=5),
    )
    assert outcome.status == "planned", outcome.error
    return rep_id
