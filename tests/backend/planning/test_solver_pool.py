"""The solver pool: typed problem and solution across the process boundary, a bounded queue that
answers 503 when full, and solver processes that die with their parent."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from litestar import Litestar

import routing
from backend.clock import SimulatedClock
from backend.planning.solver_pool import SolverBusy, SolverPool
from tests.backend.conftest import auth_headers
from tests.backend.planning.conftest import DAY, published_day
from tests.backend.planning.gate import new_gate, open_gate, wait_at_gate

ROOT = Path(__file__).resolve().parents[3]


def _small_problem(iterations_heavy: bool = False) -> routing.Problem:
    size = 12 if iterations_heavy else 3
    durations = [[0 if i == j else 60 * (1 + abs(i - j)) for j in range(size)] for i in range(size)]
    return routing.problem_from_dict(
        {
            "reps": [{"id": "r", "start_index": 0, "shift": [8 * 3600, 17 * 3600]}],
            "visits": [{"id": f"v{i}", "location_index": i, "service_s": 600} for i in range(1, size)],
            "matrix": {"durations": durations, "distances": durations},
        }
    )


async def test_the_problem_goes_typed_and_the_solution_comes_back_typed() -> None:
    pool = SolverPool(processes=1)
    try:
        solution = await pool.solve(_small_problem(), routing.SolveParams(iterations=5, seed=1))
    finally:
        pool.close()
    assert isinstance(solution, routing.Solution)
    assert [stop.visit for stop in solution.routes[0].stops] and not solution.unassigned


async def _until(condition: object) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the solver never started"
        await asyncio.sleep(0.02)


@pytest.mark.db
async def test_a_full_queue_answers_503_with_retry_after(
    conn: asyncpg.Connection, client: httpx.AsyncClient, app: Litestar, tmp_path: Path
) -> None:
    pool = SolverPool(processes=1, max_queued=0, retry_after_s=7)
    app.state.solver = pool
    # A re-plan is for today, inside the shift: the business clock stands on DAY at 11:00.
    app.state.clock = SimulatedClock(dt.datetime.combine(DAY, dt.time(11), ZoneInfo("Europe/Helsinki")))
    await published_day(conn, pool, "rep1@example.com")
    headers = await auth_headers(client, "rep1@example.com")
    # Re-plans are for today only: the app's clock is 10:00 on DAY in the rep's time zone.
    app.state.clock = SimulatedClock(dt.datetime.combine(DAY, dt.time(10), ZoneInfo("Europe/Helsinki")))
    # Work waiting at a gate occupies the only process; nothing may wait behind it.
    gate = new_gate(tmp_path)
    busy = asyncio.create_task(pool.call(wait_at_gate, gate))
    try:
        await _until(lambda: pool.running == 1)
        with pytest.raises(SolverBusy):
            await pool.call(os.getpid)
        response = await client.post(
            "/api/v1/me/route/replan",
            json={"lat": 60.17, "lon": 24.94, "time_s": 11 * 3600, "day": str(DAY)},
            headers=headers,
        )
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "7"
        assert response.headers["content-type"].startswith("application/problem+json")
    finally:
        open_gate(gate)
        assert await busy in pool.child_pids()
        pool.close()


_PARENT = """
import asyncio, os, sys
from backend.planning.solver_pool import SolverPool

async def main():
    pool = SolverPool(processes=2)
    pids = set()
    while len(pids) < 2:
        pids.update(await asyncio.gather(pool.call(os.getpid), pool.call(os.getpid)))
    print(" ".join(map(str, sorted(pids))), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_solver_processes_die_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert parent.stdout is not None
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(children) == 2 and all(_alive(pid) for pid in children)
    # The solver processes' own parent is the fork server; it must go too.
    children += {int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in children}
    assert parent.pid not in children
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in children if _alive(pid)] == []
