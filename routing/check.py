"""An independent checker of a solution against its problem, written apart from the solver.

It shares only input definitions with the solver (where each place sits in the matrix), so a bug in
the solver's model or scheduling shows up here as a violation.
"""

from __future__ import annotations

import itertools
import math

from routing._instance import haversine_arrays
from routing.matrix_types import Matrix
from routing.parse import UNREACHABLE_AT
from routing.problem import Problem, Rep, Visit
from routing.solution import REASONS, Route, Solution

_REL_TOL = 1e-9


class _Travel:
    """Travel between places as supplied: (seconds, metres), None when unreachable."""

    def __init__(self, problem: Problem, matrix: Matrix | None) -> None:
        source = matrix if matrix is not None else problem.matrix
        self.problem = problem
        if source is not None:
            self.durations = [[_clean(x) for x in row] for row in source.durations]
            self.distances = [[_clean(x) for x in row] for row in source.distances]
        else:
            seconds, metres = haversine_arrays(problem)
            self.durations = seconds.tolist()
            self.distances = metres.tolist()
        self.rep_row: dict[str, tuple[int, int | None]] = {}
        self.visit_row: dict[str, int] = {}
        position = 0
        coordinates = problem.matrix is None
        for rep in problem.reps:
            if coordinates:
                start = position
                position += 1
                end: int | None = start
                if rep.end is not None:
                    end = position
                    position += 1
            else:
                assert rep.start_index is not None
                start = rep.start_index
                end = rep.end_index if rep.end_index is not None else start
            self.rep_row[rep.id] = (start, None if rep.open_end else end)
        for visit in problem.visits:
            if coordinates:
                self.visit_row[visit.id] = position
                position += 1
            else:
                assert visit.location_index is not None
                self.visit_row[visit.id] = visit.location_index

    def leg(self, a: int, b: int | None) -> tuple[float, float] | None:
        if b is None:  # into an open end
            return 0.0, 0.0
        if a == b:
            return 0.0, 0.0
        d, m = self.durations[a][b], self.distances[a][b]
        if d is None or m is None:
            return None
        return d, m


def _clean(value: float | None) -> float | None:
    if value is None or math.isinf(value) or value >= UNREACHABLE_AT:
        return None
    return float(value)


def check_solution(problem: Problem, solution: Solution, matrix: Matrix | None = None) -> list[str]:
    """Every violated rule, as readable sentences; an empty list means the solution is valid."""
    travel = _Travel(problem, matrix)
    visits = {v.id: v for v in problem.visits}
    reps = {r.id: r for r in problem.reps}
    errors: list[str] = []
    seen: dict[str, str] = {}
    for route in solution.routes:
        rep = reps.get(route.rep)
        if rep is None:
            errors.append(f"route for unknown rep {route.rep!r}")
            continue
        for stop in route.stops:
            if stop.visit in seen:
                errors.append(f"visit {stop.visit!r} appears more than once")
            seen[stop.visit] = "route"
        errors.extend(_check_route(route, rep, visits, travel))
    if len({r.rep for r in solution.routes}) != len(solution.routes):
        errors.append("a rep has more than one route")
    for item in solution.unassigned:
        if item.visit in seen:
            errors.append(f"visit {item.visit!r} is both served and unassigned (or unassigned twice)")
        seen[item.visit] = "unassigned"
        if item.reason not in REASONS:
            errors.append(f"visit {item.visit!r} has unknown reason {item.reason!r}")
        if visits.get(item.visit) is not None and visits[item.visit].required:
            errors.append(f"required visit {item.visit!r} is unassigned")
    missing = set(visits) - set(seen)
    if missing:
        errors.append(f"visits neither served nor unassigned: {sorted(missing)}")
    unknown = set(seen) - set(visits)
    if unknown:
        errors.append(f"unknown visits in the solution: {sorted(unknown)}")
    errors.extend(_check_summary(solution, visits))
    return errors


def _check_route(route: Route, rep: Rep, visits: dict[str, Visit], travel: _Travel) -> list[str]:
    errors: list[str] = []
    name = f"route {rep.id!r}"
    if not route.stops:  # an unused rep stays put
        if route.breaks or route.travel_s or route.distance_m or route.start_s != route.end_s:
            errors.append(f"{name} has no stops but travels, takes breaks or lasts")
        return errors
    if route.start_s < rep.shift.start_s or route.end_s > rep.shift.end_s:
        errors.append(f"{name} [{route.start_s}, {route.end_s}] leaves the shift")
    if route.end_s < route.start_s:
        errors.append(f"{name} ends before it starts")
    if rep.max_work_s is not None and route.end_s - route.start_s > rep.max_work_s:
        errors.append(f"{name} works longer than max_work_s")
    if rep.max_visits is not None and len(route.stops) > rep.max_visits:
        errors.append(f"{name} has more than max_visits stops")
    errors.extend(_check_breaks(route, rep))

    start_row, end_row = travel.rep_row[rep.id]
    row, ready_s = start_row, route.start_s
    travel_sum_s, distance_sum_m, load = 0.0, 0.0, 0
    for stop in route.stops:
        visit = visits.get(stop.visit)
        if visit is None:
            errors.append(f"{name} serves unknown visit {stop.visit!r}")
            continue
        label = f"{name} visit {visit.id!r}"
        errors.extend(_check_visit_rules(label, visit, rep, stop.start_s))
        if not stop.arrival_s <= stop.start_s:
            errors.append(f"{label} starts before arrival")
        if stop.end_s != stop.start_s + visit.service_s:
            errors.append(f"{label} service length wrong")
        row_to = travel.visit_row[visit.id]
        leg = travel.leg(row, row_to)
        if leg is None:
            errors.append(f"{label} reached over an unreachable pair")
        else:
            errors.extend(_check_gap(label, route, ready_s, stop.arrival_s, stop.start_s, leg[0]))
            travel_sum_s += leg[0]
            distance_sum_m += leg[1]
        load += visit.demand
        row, ready_s = row_to, stop.end_s
    leg = travel.leg(row, end_row)
    if leg is None:
        errors.append(f"{name} returns over an unreachable pair")
    else:
        errors.extend(_check_gap(f"{name} end", route, ready_s, route.end_s, route.end_s, leg[0]))
        travel_sum_s += leg[0]
        distance_sum_m += leg[1]
    if rep.capacity is not None and load > rep.capacity:
        errors.append(f"{name} load {load} exceeds capacity {rep.capacity}")
    if not math.isclose(route.travel_s, travel_sum_s, rel_tol=_REL_TOL, abs_tol=1e-6):
        errors.append(f"{name} travel_s {route.travel_s} differs from the matrix sum {travel_sum_s}")
    if not math.isclose(route.distance_m, distance_sum_m, rel_tol=_REL_TOL, abs_tol=1e-6):
        errors.append(f"{name} distance_m {route.distance_m} differs from the matrix sum {distance_sum_m}")
    return errors


def _check_visit_rules(label: str, visit: Visit, rep: Rep, start_s: int) -> list[str]:
    errors: list[str] = []
    if visit.time_windows and not any(w.start_s <= start_s <= w.end_s for w in visit.time_windows):
        errors.append(f"{label} starts at {start_s}, outside its time windows")
    if not rep.shift.start_s <= start_s <= rep.shift.end_s:
        errors.append(f"{label} starts outside the shift")
    if not set(visit.skills) <= set(rep.skills):
        errors.append(f"{label} needs skills the rep lacks")
    if visit.reps is not None and rep.id not in visit.reps:
        errors.append(f"{label} served by a rep it does not allow")
    if visit.pinned is not None:
        if visit.pinned.rep != rep.id:
            errors.append(f"{label} pinned to another rep")
        if visit.pinned.start_s is not None and start_s != visit.pinned.start_s:
            errors.append(f"{label} does not start at its pinned time")
    return errors


def _check_gap(label: str, route: Route, ready_s: int, arrival_s: int, start_s: int, travel_s: float) -> list[str]:
    """Between being free and starting the next thing, travel plus breaks taken there must fit."""
    breaks_s = sum(b.end_s - b.start_s for b in route.breaks if ready_s <= b.start_s and b.end_s <= start_s)
    if start_s - ready_s - breaks_s < travel_s - 1e-9:
        return [f"{label}: not enough time to travel ({travel_s} s) between {ready_s} and {start_s}"]
    if arrival_s < ready_s + travel_s - 1e-9:
        return [f"{label}: arrival {arrival_s} earlier than travel allows"]
    return []


def _check_breaks(route: Route, rep: Rep) -> list[str]:
    errors: list[str] = []
    name = f"route {rep.id!r}"
    busy = sorted([(s.start_s, s.end_s) for s in route.stops] + [(b.start_s, b.end_s) for b in route.breaks])
    for (_, end_a), (start_b, _) in itertools.pairwise(busy):
        if start_b < end_a:
            errors.append(f"{name}: a break overlaps a visit or another break")
    taken = sorted((b.start_s, b.end_s) for b in route.breaks)
    unmatched = list(taken)
    for spec in sorted(rep.breaks, key=lambda b: (b.window.start_s, b.window.end_s)):
        match = next(
            (
                t
                for t in unmatched
                if t[1] - t[0] == spec.duration_s and spec.window.start_s <= t[0] and t[1] <= spec.window.end_s
            ),
            None,
        )
        if match is not None:
            unmatched.remove(match)
            if not (route.start_s <= match[0] and match[1] <= route.end_s):
                errors.append(f"{name}: break {match} outside the route")
            continue
        fits_before = spec.window.start_s + spec.duration_s <= route.start_s
        fits_after = spec.window.end_s - spec.duration_s >= route.end_s
        if not (fits_before or fits_after):
            errors.append(f"{name}: break in {spec.window.start_s}-{spec.window.end_s} is not taken")
    for t in unmatched:
        errors.append(f"{name}: break {t} matches no break of the rep")
    return errors


def _check_summary(solution: Solution, visits: dict[str, Visit]) -> list[str]:
    summary = solution.summary
    errors: list[str] = []
    served = [s.visit for r in solution.routes for s in r.stops]
    if summary.visits_assigned != len(served) or summary.visits_unassigned != len(solution.unassigned):
        errors.append("summary counts disagree with the routes")
    if summary.priority_served != sum(visits[v].priority for v in served if v in visits):
        errors.append("summary priority_served disagrees with the routes")
    travel_s = sum(r.travel_s for r in solution.routes)
    distance_m = sum(r.distance_m for r in solution.routes)
    if not math.isclose(summary.travel_s, travel_s, rel_tol=_REL_TOL, abs_tol=1e-6):
        errors.append("summary travel_s disagrees with the routes")
    if not math.isclose(summary.distance_m, distance_m, rel_tol=_REL_TOL, abs_tol=1e-6):
        errors.append("summary distance_m disagrees with the routes")
    return errors
