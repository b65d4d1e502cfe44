"""Hand-checked small days: each asserts what a person can verify on paper."""

from __future__ import annotations

import pytest

from routing import (
    Matrix,
    RequiredVisitError,
    SolveParams,
    check_solution,
    location_points,
    problem_from_dict,
    solution_to_dict,
    solve,
)
from tests.routing.conftest import (
    HOUR,
    PARAMS,
    line_matrix,
    problem,
    reasons_of,
    rep,
    solve_checked,
    stops_of,
    visit,
)


def test_two_time_windows_never_start_in_the_gap() -> None:
    # Open 10-12 and 15-17; a 13:00 start is forbidden. Another visit keeps the rep busy until 12:30.
    p = problem(
        [rep(shift=[12 * HOUR, 18 * HOUR])],
        [
            visit("split", 1, time_windows=[[10 * HOUR, 12 * HOUR], [15 * HOUR, 17 * HOUR]]),
            visit("early", 1, time_windows=[[12 * HOUR, 12 * HOUR + 600]]),
        ],
    )
    stops = stops_of(solve_checked(p))
    assert stops["split"].start_s == 15 * HOUR
    assert stops["early"].start_s <= 12 * HOUR + 600


def test_gap_start_is_never_chosen_even_if_arriving_in_it() -> None:
    p = problem(
        [rep(shift=[13 * HOUR, 18 * HOUR])],
        [visit("v", 1, time_windows=[[10 * HOUR, 12 * HOUR], [15 * HOUR, 17 * HOUR]])],
    )
    stop = stops_of(solve_checked(p))["v"]
    assert stop.start_s == 15 * HOUR
    assert stop.arrival_s <= stop.start_s


def test_break_taken_inside_its_window_and_not_during_service() -> None:
    visits = [visit(f"v{i}", i, service_s=3600) for i in range(1, 7)]
    p = problem([rep(breaks=[{"window": [12 * HOUR, 13 * HOUR], "duration_s": 1800}])], visits)
    solution = solve_checked(p)
    route = solution.routes[0]
    assert len(route.breaks) == 1
    taken = route.breaks[0]
    assert taken.start_s >= 12 * HOUR and taken.end_s <= 13 * HOUR
    assert taken.end_s - taken.start_s == 1800
    for stop in route.stops:
        assert stop.end_s <= taken.start_s or stop.start_s >= taken.end_s


def test_pinned_appointment_at_exactly_ten() -> None:
    p = problem(
        [rep("r1"), rep("r2")],
        [visit("meeting", 3, pinned={"rep": "r2", "start_s": 10 * HOUR})] + [visit(f"v{i}", i) for i in (1, 2, 4, 5)],
    )
    solution = solve_checked(p)
    stop = stops_of(solution, "r2")["meeting"]
    assert stop.start_s == 10 * HOUR


def test_skills_route_the_visit_to_the_skilled_rep() -> None:
    p = problem(
        [rep("plain"), rep("expert", skills=["draught_beer"])],
        [visit("tap", 2, skills=["draught_beer"]), visit("shop", 3)],
    )
    solution = solve_checked(p)
    assert "tap" in stops_of(solution, "expert")


def test_skill_nobody_has_is_reason_skills() -> None:
    p = problem([rep()], [visit("tap", 2, skills=["draught_beer"])])
    assert reasons_of(solve_checked(p)) == {"tap": "skills"}


def test_required_visit_that_cannot_fit_names_it() -> None:
    p = problem([rep(shift=[8 * HOUR, 9 * HOUR])], [visit("vip", 5, required=True, service_s=7200)])
    with pytest.raises(RequiredVisitError) as info:
        solve(p, PARAMS)
    assert info.value.visit_id == "vip"
    assert info.value.reason == "shift"
    assert "vip" in str(info.value)


def test_required_visit_beats_priorities() -> None:
    # Only one of the two fits; the required one must be chosen even at lower priority.
    p = problem(
        [rep(shift=[8 * HOUR, 10 * HOUR])],
        [visit("vip", 1, required=True, priority=0, service_s=3600), visit("big", 1, priority=100, service_s=3600)],
    )
    solution = solve_checked(p)
    assert "vip" in stops_of(solution)
    assert reasons_of(solution) == {"big": "priority"}


def test_unreachable_pair_is_never_used_and_isolated_visit_is_unreachable() -> None:
    matrix = line_matrix(4)
    # 1 -> 2 has no road (one-way street); 3 is cut off from everything.
    matrix["durations"][1][2] = None
    matrix["distances"][1][2] = None
    for i in range(4):
        if i != 3:
            matrix["durations"][i][3] = float("inf")
            matrix["durations"][3][i] = 2.0**63
    p = problem_from_dict(
        {"reps": [rep()], "visits": [visit("a", 1), visit("b", 2), visit("island", 3)], "matrix": matrix}
    )
    solution = solve_checked(p)
    order = [s.visit for s in solution.routes[0].stops]
    assert order == ["b", "a"]
    assert reasons_of(solution) == {"island": "unreachable"}


def test_over_subscribed_day_drops_the_lowest_priorities() -> None:
    # 10 h shift, 2 h visits at the depot: at most 5 fit; the 3 lowest priorities are dropped.
    visits = [visit(f"p{prio}", 0, service_s=2 * HOUR, priority=prio) for prio in (10, 20, 30, 40, 50, 60, 70, 80)]
    solution = solve_checked(problem([rep()], visits))
    assert reasons_of(solution) == {"p10": "priority", "p20": "priority", "p30": "priority"}
    assert solution.summary.priority_served == 40 + 50 + 60 + 70 + 80


def test_priority_beats_travel() -> None:
    # The far visit is worth more than the two near ones together, and only it or them fit.
    p = problem(
        [rep(shift=[8 * HOUR, 8 * HOUR + 3 * 3600])],
        [
            visit("far", 6, priority=90, service_s=1800),
            visit("near1", 1, priority=40, service_s=3600),
            visit("near2", 1, priority=40, service_s=3600),
        ],
    )
    solution = solve_checked(p)
    assert "far" in stops_of(solution)


def test_open_end_finishes_at_last_visit() -> None:
    p = problem([rep(end=None)], [visit("a", 3), visit("b", 5)])
    solution = solve_checked(p)
    route = solution.routes[0]
    assert route.end_s == route.stops[-1].end_s
    assert route.distance_m == 5000  # out to 5, no way back


def test_back_to_start_by_default() -> None:
    solution = solve_checked(problem([rep()], [visit("a", 3)]))
    route = solution.routes[0]
    assert route.distance_m == 6000
    assert route.end_s == route.stops[-1].end_s + 1800


def test_time_window_reason_and_capacity_reason() -> None:
    p = problem(
        [rep(capacity=10)],
        [
            visit("night", 1, time_windows=[[2 * HOUR, 3 * HOUR]]),
            visit("heavy", 1, demand=11),
            visit("ok", 1, demand=10),
        ],
    )
    assert reasons_of(solve_checked(p)) == {"night": "time_window", "heavy": "capacity"}


def test_max_visits_and_max_work() -> None:
    p = problem([rep(max_visits=2, max_work_s=3 * HOUR)], [visit(f"v{i}", 1) for i in range(4)])
    solution = solve_checked(p)
    assert len(solution.routes[0].stops) == 2
    assert set(reasons_of(solution).values()) == {"priority"}


def test_same_input_seed_and_limits_give_same_output() -> None:
    visits = [visit(f"v{i}", i % 8, time_windows=[[(8 + i % 5) * HOUR, (11 + i % 5) * HOUR]]) for i in range(14)]
    p = problem([rep("r1"), rep("r2")], visits)
    first = solution_to_dict(solve(p, PARAMS))
    second = solution_to_dict(solve(p, PARAMS))
    first["summary"].pop("solve_s")
    second["summary"].pop("solve_s")
    assert first == second


def test_haversine_fallback_without_matrix() -> None:
    p = problem_from_dict(
        {
            "reps": [{"id": "r", "start": {"lat": 60.17, "lon": 24.94}, "shift": [8 * HOUR, 17 * HOUR]}],
            "visits": [
                {"id": "a", "location": {"lat": 60.18, "lon": 24.95}, "service_s": 600},
                {"id": "b", "location": {"lat": 60.16, "lon": 24.93}, "service_s": 600},
            ],
            "objective": "distance",
        }
    )
    solution = solve_checked(p)
    assert solution.summary.visits_assigned == 2
    assert 2000 < solution.summary.distance_m < 10000


def test_unused_rep_stays_put() -> None:
    p = problem([rep("busy"), rep("idle", skills=["nothing_needed"])], [visit("a", 1, reps=["busy"])])
    idle = next(r for r in solve_checked(p).routes if r.rep == "idle")
    assert idle.stops == () and idle.travel_s == 0 and idle.start_s == idle.end_s


def test_supplied_matrix_replaces_haversine_in_location_order() -> None:
    p = problem_from_dict(
        {
            "reps": [{"id": "r", "start": {"lat": 60.0, "lon": 24.0}, "shift": [8 * HOUR, 17 * HOUR]}],
            "visits": [
                {"id": "a", "location": {"lat": 60.1, "lon": 24.1}, "service_s": 600},
                {"id": "b", "location": {"lat": 60.2, "lon": 24.2}, "service_s": 600},
            ],
        }
    )
    assert location_points(p)[0] == p.reps[0].start
    durations = [[0.0, 100.0, 900.0], [100.0, 0.0, 100.0], [900.0, 100.0, 0.0]]
    matrix = Matrix(durations=durations, distances=durations)
    solution = solve(p, PARAMS, matrix)
    assert check_solution(p, solution, matrix) == []
    assert solution.routes[0].travel_s == 100 + 100 + 900


@pytest.mark.parametrize("metaheuristic", ["guided_local_search", "iterated_local_search", "greedy_descent"])
def test_every_search_gives_a_checked_plan(metaheuristic: str) -> None:
    visits = [visit(f"v{i}", i % 8, time_windows=[[(8 + i % 6) * HOUR, (10 + i % 6) * HOUR]]) for i in range(12)]
    p = problem([rep("r1"), rep("r2", breaks=[{"window": [12 * HOUR, 14 * HOUR], "duration_s": 1800}])], visits)
    params = SolveParams(solution_limit=50, branch_limit=2000, metaheuristic=metaheuristic)  # type: ignore[arg-type]
    assert solve_checked(p, params).summary.visits_assigned == 12


def test_reproducible_with_iterations_only() -> None:
    visits = [visit(f"v{i}", i % 8, time_windows=[[(8 + i % 5) * HOUR, (11 + i % 5) * HOUR]]) for i in range(14)]
    p = problem([rep("r1"), rep("r2")], visits)
    params = SolveParams(iterations=5, seed=7)
    first, second = solve(p, params), solve(p, params)
    assert first.routes == second.routes
