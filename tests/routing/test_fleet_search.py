"""Fleet days (more than five reps) start from PyVRP's plan where its model is exact, and only there."""

from __future__ import annotations

import random
from typing import Any

import pytest

from routing import SolveParams, check_solution, problem_from_dict, solve
from routing._candidates import find_candidates
from routing._instance import compile_instance, make_lookup
from routing._pyvrp import fits
from routing._schedule import RepScheduler
from tests.routing.conftest import HOUR


def _fleet_day(seed: int = 4, reps: int = 8, visits: int = 70) -> dict[str, Any]:
    """Places on a 40 x 40 minute grid around a depot; one window per visit, a van's capacity, and
    more demand than the fleet carries, so some visits must be left out (the lowest priorities)."""
    rng = random.Random(seed)
    points = [(0, 0)] + [(rng.randint(-20, 20), rng.randint(-20, 20)) for _ in range(visits)]
    durations = [[60.0 * (abs(ax - bx) + abs(ay - by)) for bx, by in points] for ax, ay in points]
    fleet = [
        {"id": f"r{k}", "start_index": 0, "shift": [8 * HOUR, 16 * HOUR], "capacity": 10} for k in range(1, reps + 1)
    ]
    day = []
    for i in range(1, visits + 1):
        opens = rng.choice((8, 9, 10, 12))
        day.append(
            {
                "id": f"v{i}",
                "location_index": i,
                "service_s": 900,
                "time_windows": [[opens * HOUR, (opens + 4) * HOUR]],
                "priority": rng.randint(10, 90),
                "demand": 1,
            }
        )
    return {"reps": fleet, "visits": day, "matrix": {"durations": durations, "distances": durations}}


def _fits(day: dict[str, Any]) -> bool:
    problem = problem_from_dict(day)
    inst = compile_instance(problem)
    lookup = make_lookup(inst)
    candidates = find_candidates(inst, lookup, [RepScheduler(inst, lookup, r) for r in range(inst.n_reps)])
    in_play = [v for v in range(inst.n_visits) if v not in candidates.excluded]
    return fits(inst, candidates.allowed_reps, in_play)


def test_a_timed_fleet_day_from_pyvrp_is_feasible_and_serves_what_the_vans_carry() -> None:
    day = _fleet_day()
    problem = problem_from_dict(day)
    assert _fits(day)
    with_pyvrp = solve(problem, SolveParams(time_limit_s=1.0, seed=1))
    without = solve(problem, SolveParams(time_limit_s=1.0, seed=1, pyvrp_start=False))
    for solution in (with_pyvrp, without):
        assert check_solution(problem, solution) == []
        # 8 vans x 10 units: 80 could be served, 70 are asked for; the windows leave some out.
        assert sum(len(r.stops) for r in solution.routes) <= 80
    priority = {v["id"]: v["priority"] for v in day["visits"]}

    def served(solution: Any) -> int:
        return sum(priority[s.visit] for r in solution.routes for s in r.stops)

    # Not a race on one seed: the start from PyVRP must not lose priority against our own start.
    assert served(with_pyvrp) >= served(without) * 0.98


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["reps"][0].update(breaks=[{"window": [12 * HOUR, 14 * HOUR], "duration_s": 1800}]), "a break"),
        (lambda d: d["reps"][0].update(max_work_s=6 * HOUR), "a cap on working time"),
        (lambda d: d["reps"][0].update(skills=["wine"]), "a rep's skill"),
        (lambda d: d["visits"][0].update(time_windows=[[8 * HOUR, 9 * HOUR], [14 * HOUR, 15 * HOUR]]), "two windows"),
        (lambda d: d["visits"][0].update(pinned={"rep": "r1"}), "a pinned visit"),
        (lambda d: d["visits"][0].update(reps=["r1", "r2"]), "allowed reps"),
    ],
)
def test_a_rule_pyvrp_does_not_model_keeps_the_fleet_day_on_our_own_start(change: Any, why: str) -> None:
    day = _fleet_day(visits=30)
    change(day)
    assert not _fits(day), why
    problem = problem_from_dict(day)
    assert check_solution(problem, solve(problem, SolveParams(time_limit_s=0.5, seed=1))) == []
