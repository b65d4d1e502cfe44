"""The independent checker refuses broken solutions (so passing it means something)."""

from __future__ import annotations

import msgspec

from routing import RouteBreak, Solution, Stop, check_solution
from tests.routing.conftest import HOUR, problem, rep, solve_checked, visit


def _day() -> tuple[object, Solution]:
    p = problem(
        [rep(breaks=[{"window": [12 * HOUR, 13 * HOUR], "duration_s": 1800}])],
        [visit("a", 1, time_windows=[[9 * HOUR, 10 * HOUR], [14 * HOUR, 15 * HOUR]]), visit("b", 2), visit("c", 3)],
    )
    return p, solve_checked(p)


def _replace_route(solution: Solution, **changes: object) -> Solution:
    route = msgspec.structs.replace(solution.routes[0], **changes)
    return msgspec.structs.replace(solution, routes=(route,))


def test_start_between_windows_is_caught() -> None:
    p, solution = _day()
    stops = list(solution.routes[0].stops)
    i = next(k for k, s in enumerate(stops) if s.visit == "a")
    stops[i] = Stop(visit="a", arrival_s=11 * HOUR, start_s=11 * HOUR, end_s=11 * HOUR + 1800)
    assert any("outside its time windows" in e for e in check_solution(p, _replace_route(solution, stops=tuple(stops))))  # type: ignore[arg-type]


def test_duplicate_visit_is_caught() -> None:
    p, solution = _day()
    stops = solution.routes[0].stops
    broken = _replace_route(solution, stops=(*stops, stops[0]))
    assert any("more than once" in e for e in check_solution(p, broken))  # type: ignore[arg-type]


def test_break_outside_window_is_caught() -> None:
    p, solution = _day()
    broken = _replace_route(solution, breaks=(RouteBreak(start_s=14 * HOUR, end_s=14 * HOUR + 1800),))
    assert check_solution(p, broken) != []  # type: ignore[arg-type]


def test_wrong_travel_sum_is_caught() -> None:
    p, solution = _day()
    broken = _replace_route(solution, distance_m=solution.routes[0].distance_m + 1)
    assert any("distance_m" in e for e in check_solution(p, broken))  # type: ignore[arg-type]


def test_too_little_travel_time_is_caught() -> None:
    p, solution = _day()
    stops = list(solution.routes[0].stops)
    first = stops[0]
    stops[0] = Stop(visit=first.visit, arrival_s=8 * HOUR, start_s=8 * HOUR, end_s=8 * HOUR + 1800)
    broken = _replace_route(solution, stops=tuple(stops), start_s=8 * HOUR)
    assert check_solution(p, broken) != []  # type: ignore[arg-type]
