"""The day search as the product runs it: VROOM's start, our insert/replace pass, deterministic rounds."""

from __future__ import annotations

from routing import SolveParams, check_solution, problem_from_dict, solve
from routing._vroom import exploration_for
from tests.routing.conftest import HOUR, line_matrix, rep, visit


def _day() -> dict[str, object]:
    """Eight places on a line (10 min apart), five 1-hour visits and a 13:00 appointment far out at
    place 7, in a 10:00-15:00 shift: only one visit fits before the appointment (the best is v1,
    priority 90) and none after it (back home at 14:40)."""
    visits = [visit(f"v{i}", i, service_s=HOUR, priority=p) for i, p in enumerate((90, 80, 70, 20, 10), start=1)]
    visits.append(visit("appointment", 7, service_s=HOUR // 2, pinned={"rep": "r1", "start_s": 13 * HOUR}))
    return {
        "reps": [rep(shift=[10 * HOUR, 15 * HOUR])],
        "visits": visits,
        "matrix": line_matrix(8),
    }


def test_the_appointment_is_kept_and_the_highest_priorities_fill_the_rest() -> None:
    problem = problem_from_dict(_day())
    for vroom_start in (True, False):
        solution = solve(problem, SolveParams(iterations=10, vroom_start=vroom_start))
        assert check_solution(problem, solution) == []
        served = {s.visit for r in solution.routes for s in r.stops}
        assert served == {"appointment", "v1"}


def test_without_a_clock_the_same_inputs_give_the_same_route() -> None:
    problem = problem_from_dict(_day())
    first = solve(problem, SolveParams(iterations=20, seed=3))
    again = solve(problem, SolveParams(iterations=20, seed=3))
    assert [[s.visit for s in r.stops] for r in first.routes] == [[s.visit for s in r.stops] for r in again.routes]


def test_a_model_vroom_refuses_still_solves() -> None:
    """A break whose window runs past the shift's end: VROOM rejects the vehicle ("inconsistent
    breaks"), our own search plans the day (the break may come after the route)."""
    day = _day()
    day["reps"] = [
        rep(
            shift=[10 * HOUR, 15 * HOUR],
            breaks=[{"window": [14 * HOUR + 3000, 16 * HOUR], "duration_s": 1200}],
        )
    ]
    problem = problem_from_dict(day)
    solution = solve(problem, SolveParams(iterations=5))
    assert check_solution(problem, solution) == []
    assert {s.visit for r in solution.routes for s in r.stops} == {"appointment", "v1"}


def test_vroom_depth_shrinks_with_the_visits_per_second_of_budget() -> None:
    assert exploration_for(40, None, 5) == 5  # no clock: as asked
    assert exploration_for(40, 0.45, 5) == 5  # a re-plan of one rep's day
    assert exploration_for(110, 0.45, 5) == 3  # three reps' pool in half a second
    assert exploration_for(1000, 0.1, 5) == 1  # never below 1


def _skills_day() -> dict[str, object]:
    """Two reps with a two-hour shift at place 0; a shop and a bar at place 1 (10 min away), one hour
    each: a rep fits one of them. Only the second rep may do the bar (skill horeca)."""
    return {
        "reps": [
            rep("plain", shift=[10 * HOUR, 12 * HOUR]),
            rep("horeca", shift=[10 * HOUR, 12 * HOUR], skills=["horeca"]),
        ],
        "visits": [
            visit("shop", 1, service_s=HOUR, priority=50),
            visit("bar", 1, service_s=HOUR, priority=40, skills=["horeca"]),
        ],
        "matrix": line_matrix(3),
    }


def test_a_rep_hands_a_visit_to_a_teammate_to_take_one_only_it_may_do() -> None:
    from routing._candidates import find_candidates
    from routing._instance import compile_instance, make_lookup
    from routing._local import LocalSearch
    from routing._repair import Repairer
    from routing._schedule import RepScheduler

    problem = problem_from_dict(_skills_day())
    inst = compile_instance(problem)
    lookup = make_lookup(inst)
    schedulers = [RepScheduler(inst, lookup, r) for r in range(inst.n_reps)]
    candidates = find_candidates(inst, lookup, schedulers)
    local = LocalSearch(inst, lookup, Repairer(inst, lookup, schedulers, candidates.allowed_reps), [0, 1])
    # The skilled rep took the shop; the bar, which only it may do, is left out.
    routes = local.descend([[], [0]], select=True)
    assert routes == [[0], [1]]
    # Through the solver, from any start: both served.
    solution = solve(problem, SolveParams(iterations=5))
    assert check_solution(problem, solution) == []
    assert {r.rep: [s.visit for s in r.stops] for r in solution.routes} == {"plain": ["shop"], "horeca": ["bar"]}
