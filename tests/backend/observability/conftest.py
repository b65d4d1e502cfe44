"""A solver pool for the outage tests (the road-engine test re-plans through the API)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.planning.solver_pool import SolverPool


@pytest.fixture(scope="session")
def solver() -> Iterator[SolverPool]:
    pool = SolverPool(processes=1)
    yield pool
    pool.close()
