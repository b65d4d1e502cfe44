"""Supervision fixtures: a solver pool and the known day inside the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest

from backend.planning.solver_pool import SolverPool
from tests.backend.conftest import SingleConnectionSource
from tests.backend.supervision.known_day import KnownDay, build_known_day


@pytest.fixture(scope="session")
def console_solver() -> Iterator[SolverPool]:
    pool = SolverPool(processes=1)
    yield pool
    pool.close()


@pytest.fixture
async def known_day(conn: asyncpg.Connection, console_solver: SolverPool) -> KnownDay:
    return await build_known_day(conn, SingleConnectionSource(conn), console_solver)
