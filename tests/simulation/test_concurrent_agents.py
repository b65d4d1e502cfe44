"""The working day's agents run concurrently in the benchmark (`agent_concurrency` > 1): each step
reads its own instant from the clock, no more steps run at once than allowed, steps further apart
than the window never overlap, and every agent makes the same steps at the same instants as in the
strictly sequential simulation."""

from __future__ import annotations

import asyncio
import datetime as dt

from backend.settings import load_settings
from backend.simulation.engine import Agent, Simulation

MONDAY = dt.date(2026, 11, 2)


def _simulation(concurrency: int, window_s: int = 300) -> Simulation:
    settings = load_settings({}, environment="test", database_url="postgresql://unused/none")
    return Simulation(
        settings,
        start=MONDAY,
        weeks=1,
        seed=1,
        hooks=[],
        invariants=[],
        supervisor_email="s@example.com",
        admin_email="a@example.com",
        password="unused",
        agent_concurrency=concurrency,
        agent_window_s=window_s,
    )


async def _run(sim: Simulation) -> tuple[list[tuple[str, dt.datetime, dt.datetime]], int, list[tuple[str, str]]]:
    """Five agents stepping every 7-19 simulated minutes; each step takes some wall time. Returns
    (agent, instant yielded, instant the clock showed in the step), the most steps running at once,
    and the pairs of steps that overlapped in wall time."""
    seen: list[tuple[str, dt.datetime, dt.datetime]] = []
    running: dict[str, dt.datetime] = {}
    most = 0
    overlaps: list[tuple[str, str]] = []

    async def agent(name: str, gap_min: int, work_s: float) -> Agent:
        nonlocal most
        instant = sim.at(MONDAY, 8 * 3600)
        for _ in range(6):
            yield instant
            running[name] = instant
            most = max(most, len(running))
            overlaps.extend((name, other) for other, at in running.items() if abs(at - instant).total_seconds() >= 300)
            seen.append((name, instant, sim.clock.now()))
            await asyncio.sleep(work_s)
            running.pop(name)
            instant += dt.timedelta(minutes=gap_min)

    agents = [agent(f"rep{n}", gap, 0.002 * (n + 1)) for n, gap in enumerate((7, 9, 11, 13, 19))]
    await sim._interleave(agents)
    return seen, most, overlaps


async def test_concurrent_steps_read_their_own_instant_within_bounds() -> None:
    sequential, most_sequential, _ = await _run(_simulation(1))
    concurrent_sim = _simulation(3)
    concurrent, most_concurrent, overlaps = await _run(concurrent_sim)
    assert most_sequential == 1
    assert 1 < most_concurrent <= 3
    assert overlaps == []  # steps 5 simulated minutes or more apart never ran at once
    assert all(yielded == shown for _, yielded, shown in concurrent)  # each step's own instant
    assert sorted((name, at) for name, at, _ in concurrent) == sorted((name, at) for name, at, _ in sequential)
    # The shared clock ends at the last step's instant and never went back (it raises otherwise).
    assert concurrent_sim.clock.now() == max(at for _, at, _ in concurrent)
