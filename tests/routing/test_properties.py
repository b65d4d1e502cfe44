"""Properties on random small days: feasibility, at most once, no droppable-but-fitting visit, priorities."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Problem, RequiredVisitError, Solution, check_solution, problem_from_dict, solve
from routing._candidates import find_candidates
from routing._instance import compile_instance, make_lookup
from routing._local import LocalSearch
from routing._repair import Repairer
from routing._schedule import RepScheduler
from routing._timing import RouteTiming
from tests.routing.conftest import HOUR, PARAMS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(2, 7))
    coords = [draw(st.integers(0, 20)) for _ in range(size)]
    durations: list[list[float | None]] = []
    for i in range(size):
        row: list[float | None] = []
        for j in range(size):
            gone = i != j and draw(st.integers(0, 12)) == 0  # occasionally a missing road
            row.append(None if gone else float(abs(coords[i] - coords[j]) * 300 + (i != j) * 60))
        durations.append(row)
    distances = [[None if v is None else v * 10 for v in row] for row in durations]
    n_reps = draw(st.integers(1, 2))
    reps = []
    for r in range(n_reps):
        start = draw(st.integers(7, 10)) * HOUR
        rep: dict[str, Any] = {
            "id": f"r{r}",
            "start_index": draw(st.integers(0, size - 1)),
            "shift": [start, start + draw(st.integers(2, 8)) * HOUR],
            "skills": draw(st.lists(st.sampled_from(["beer", "wine"]), max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            rep["end"] = None
        if draw(st.integers(0, 3)) == 0:
            lo = draw(st.integers(10, 13)) * HOUR
            rep["breaks"] = [{"window": [lo, lo + 2 * HOUR], "duration_s": draw(st.sampled_from([900, 1800, 3600]))}]
        if draw(st.integers(0, 3)) == 0:
            rep["capacity"] = draw(st.integers(0, 6))
        reps.append(rep)
    visits = []
    for v in range(draw(st.integers(1, 8))):
        windows = []
        for _ in range(draw(st.integers(0, 2))):
            lo = draw(st.integers(7 * 4, 17 * 4)) * 900
            windows.append([lo, lo + draw(st.integers(0, 8)) * 900])
        visits.append(
            {
                "id": f"v{v}",
                "location_index": draw(st.integers(0, size - 1)),
                "service_s": draw(st.sampled_from([0, 600, 1800, 3600])),
                "time_windows": windows,
                "priority": draw(st.integers(0, 100)),
                "demand": draw(st.integers(0, 3)),
                "skills": draw(st.lists(st.sampled_from(["beer", "wine"]), max_size=1)),
            }
        )
    return {
        "reps": reps,
        "visits": visits,
        "matrix": {"durations": durations, "distances": distances},
        "objective": draw(st.sampled_from(["duration", "distance"])),
    }


def _repairer(p: Problem) -> Repairer:
    inst = compile_instance(p)
    lookup = make_lookup(inst)
    schedulers = [RepScheduler(inst, lookup, r) for r in range(inst.n_reps)]
    candidates = find_candidates(inst, lookup, schedulers)
    return Repairer(inst, lookup, schedulers, candidates.allowed_reps)


def _sequences(p: Problem, solution: Solution) -> list[list[int]]:
    index = {v.id: i for i, v in enumerate(p.visits)}
    by_rep = {route.rep: [index[s.visit] for s in route.stops] for route in solution.routes}
    return [by_rep[rep.id] for rep in p.reps]


@SETTINGS
@given(problems())
def test_solution_is_feasible_and_complete(data: dict[str, Any]) -> None:
    p = problem_from_dict(data)
    solution = solve(p, PARAMS)
    assert check_solution(p, solution) == []
    served = [s.visit for r in solution.routes for s in r.stops]
    assert len(served) == len(set(served))
    assert len(served) + len(solution.unassigned) == len(p.visits)


@SETTINGS
@given(problems())
def test_no_dropped_visit_fits_as_the_plan_stands(data: dict[str, Any]) -> None:
    p = problem_from_dict(data)
    solution = solve(p, PARAMS)
    repairer = _repairer(p)
    routes = _sequences(p, solution)
    index = {v.id: i for i, v in enumerate(p.visits)}
    for item in solution.unassigned:
        v = index[item.visit]
        for r, seq in enumerate(routes):
            if r not in repairer.allowed_reps[v]:
                continue
            for position in range(len(seq) + 1):
                assert not repairer.fits(r, [*seq[:position], v, *seq[position:]]), (item, r, position)


@SETTINGS
@given(problems())
def test_higher_priority_never_dropped_for_a_lower_one(data: dict[str, Any]) -> None:
    p = problem_from_dict(data)
    solution = solve(p, PARAMS)
    repairer = _repairer(p)
    routes = _sequences(p, solution)
    index = {v.id: i for i, v in enumerate(p.visits)}
    for item in solution.unassigned:
        d = index[item.visit]
        for r in repairer.allowed_reps[d]:
            for u in routes[r]:
                if p.visits[u].priority >= p.visits[d].priority:
                    continue
                without = [w for w in routes[r] if w != u]
                for position in range(len(without) + 1):
                    swapped = [*without[:position], d, *without[position:]]
                    assert not repairer.fits(r, swapped), (item.visit, p.visits[u].id)


@SETTINGS
@given(problems())
def test_excluded_reasons_hold(data: dict[str, Any]) -> None:
    p = problem_from_dict(data)
    solution = solve(p, PARAMS)
    repairer = _repairer(p)
    index = {v.id: i for i, v in enumerate(p.visits)}
    for item in solution.unassigned:
        v = index[item.visit]
        alone_fits = any(repairer.fits(r, [v]) for r in repairer.allowed_reps[v])
        if item.reason == "priority":
            assert alone_fits
        else:
            assert repairer.allowed_reps[v] == []


@SETTINGS
@given(problems(), st.data())
def test_required_visits_are_served_or_named(data: dict[str, Any], extra: st.DataObject) -> None:
    chosen = extra.draw(st.integers(0, len(data["visits"]) - 1))
    data["visits"][chosen]["required"] = True
    p = problem_from_dict(data)
    try:
        solution = solve(p, PARAMS)
    except RequiredVisitError as exc:
        assert exc.visit_id == f"v{chosen}"
        return
    assert f"v{chosen}" in {s.visit for r in solution.routes for s in r.stops}


@SETTINGS
@given(problems(), st.data())
def test_fast_timing_agrees_with_the_exact_scheduler(data: dict[str, Any], extra: st.DataObject) -> None:
    """Route feasibility and every single insertion, decided in O(1), match the exact scheduler."""
    p = problem_from_dict(data)
    inst = compile_instance(p)
    lookup = make_lookup(inst)
    for r in range(inst.n_reps):
        timing = RouteTiming(inst, lookup, r)
        exact = RepScheduler(inst, lookup, r)
        assert timing.fast  # no work cap, at most one break in these days
        seq = extra.draw(st.permutations(range(inst.n_visits)))[: extra.draw(st.integers(0, inst.n_visits))]
        fits = exact.timed(seq, minimise_span=False) is not None
        assert timing.feasible(seq) == fits
        if not fits:
            continue
        times = timing.times(seq)
        for v in set(range(inst.n_visits)) - set(seq):
            for position in range(len(seq) + 1):
                longer = [*seq[:position], v, *seq[position:]]
                if not (lookup.reachable[times.nodes[position]][v] and lookup.reachable[v][times.nodes[position + 1]]):
                    continue
                assert timing.insertion_fits(times, position, v) == (
                    exact.timed(longer, minimise_span=False) is not None
                )


@SETTINGS
@given(problems())
def test_local_search_keeps_every_visit_and_never_costs_more(data: dict[str, Any]) -> None:
    p = problem_from_dict(data)
    solution = solve(p, PARAMS)
    repairer = _repairer(p)
    inst = repairer.inst
    routes = _sequences(p, solution)
    served = [v for seq in routes for v in seq]
    local = LocalSearch(inst, repairer.lookup, repairer, served)
    better = local.descend(routes, random.Random(1))
    assert sorted(v for seq in better for v in seq) == sorted(served)
    assert all(repairer.fits(r, seq) for r, seq in enumerate(better))
    assert all(r in repairer.allowed_reps[v] for r, seq in enumerate(better) for v in seq)
    assert sum(repairer.route_cost(r, s) for r, s in enumerate(better)) <= sum(
        repairer.route_cost(r, s) for r, s in enumerate(routes)
    )
