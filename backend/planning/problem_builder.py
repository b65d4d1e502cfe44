"""Turns a rep's due visits into a `routing` problem and the solution back into planned stops.

Rules (documented in docs/architecture.md):
- A visit's start window is each opening interval of the route's weekday, ended early by the
  service time, so the whole visit fits inside opening hours. A visit with no such window that day
  is dropped before solving with reason `closed`.
- A fixed appointment starts exactly at its time (opening hours are not applied: it was agreed).
- Shifts longer than 6 h get a 30-minute break placed between 11:00 and 14:30.
- The rep starts and ends at home; a rep without a home location cannot be planned.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

import routing
from backend.errors import Conflict
from backend.planning.schemas import Candidate, DroppedVisit, PlannedRoute, PlannedStop, RepPlanningProfile
from routing.matrix import TravelMatrixProvider

BREAK_DURATION_S = 30 * 60
BREAK_WINDOW = (11 * 3600, 14 * 3600 + 30 * 60)
BREAK_AFTER_SHIFT_S = 6 * 3600


class PlanningInputError(Conflict):
    """The rep's data cannot make a route (no home, no shift...); recorded per rep, never fatal."""

    title = "Cannot plan the day"


def visit_key(account_id: int) -> str:
    return f"account-{account_id}"


def start_windows(candidate: Candidate) -> list[list[int]]:
    windows = []
    for open_s, close_s in candidate.opening:
        latest_start = close_s - candidate.service_s
        if latest_start >= open_s:
            windows.append([open_s, latest_start])
    return windows


def build_problem(
    profile: RepPlanningProfile,
    candidates: list[Candidate],
    provider: TravelMatrixProvider,
    *,
    time_limit_s: float | None,
    seed: int = 0,
    start_point: tuple[float, float] | None = None,
    start_time_s: int | None = None,
) -> tuple[routing.Problem, list[Candidate], list[DroppedVisit]]:
    """The problem, the candidates in it (index i+1 in the matrix) and those dropped before."""
    if profile.home_lat is None or profile.home_lon is None:
        raise PlanningInputError("the rep has no home location")
    shift_start = profile.shift_start_s if start_time_s is None else max(profile.shift_start_s, start_time_s)
    if shift_start >= profile.shift_end_s:
        raise PlanningInputError("no time is left in the rep's shift")
    dropped: list[DroppedVisit] = []
    kept: list[Candidate] = []
    visits: list[dict[str, Any]] = []
    for candidate in candidates:
        if candidate.lat is None or candidate.lon is None:
            dropped.append(DroppedVisit(candidate.account_id, "no_location", candidate.source))
            continue
        visit: dict[str, Any] = {
            "id": visit_key(candidate.account_id),
            "location_index": len(kept) + 1,
            "service_s": candidate.service_s,
            "priority": candidate.priority,
        }
        if candidate.pinned_start_s is not None:
            visit["pinned"] = {"rep": profile.email, "start_s": candidate.pinned_start_s}
        else:
            windows = start_windows(candidate)
            if not windows:
                dropped.append(DroppedVisit(candidate.account_id, "closed", candidate.source))
                continue
            visit["time_windows"] = windows
        kept.append(candidate)
        visits.append(visit)
    home = (profile.home_lat, profile.home_lon)
    points = [start_point or home] + [(c.lat or 0.0, c.lon or 0.0) for c in kept]
    rep: dict[str, Any] = {"id": profile.email, "start_index": 0, "shift": [shift_start, profile.shift_end_s]}
    if start_point is not None:
        # A re-plan starts where the rep stands and still ends at home.
        points.append(home)
        rep["end_index"] = len(points) - 1
    matrix = provider.matrix(points, profile.travel_mode)
    if profile.shift_end_s - shift_start > BREAK_AFTER_SHIFT_S:
        window = [max(BREAK_WINDOW[0], shift_start), min(BREAK_WINDOW[1], profile.shift_end_s)]
        if window[1] - window[0] >= BREAK_DURATION_S:
            rep["breaks"] = [{"window": window, "duration_s": BREAK_DURATION_S}]
    problem: dict[str, Any] = {
        "reps": [rep],
        "visits": visits,
        "matrix": {
            "durations": [list(row) for row in matrix.durations],
            "distances": [list(row) for row in matrix.distances],
        },
        "objective": "duration",
        "options": {"seed": seed, **({"time_limit_s": time_limit_s} if time_limit_s is not None else {})},
    }
    try:
        return routing.problem_from_dict(problem), kept, dropped
    except routing.ProblemError as exc:
        raise PlanningInputError(f"the rep's day is not a valid routing problem: {exc}") from exc


def inputs_hash(problem: routing.Problem) -> str:
    """Stable digest of the solver input: the same inputs never publish a new version."""
    return hashlib.sha256(msgspec.json.encode(problem)).hexdigest()


def planned_route(
    solution: routing.Solution, kept: list[Candidate], dropped_before: list[DroppedVisit]
) -> PlannedRoute:
    by_key = {visit_key(c.account_id): c for c in kept}
    stops: list[PlannedStop] = []
    route = solution.routes[0] if solution.routes else None
    previous_end = route.start_s if route else 0
    if route:
        for stop in route.stops:
            candidate = by_key[stop.visit]
            windows = start_windows(candidate)
            window = next((w for w in windows if w[0] <= stop.start_s <= w[1]), None)
            stops.append(
                PlannedStop(
                    account_id=candidate.account_id,
                    source=candidate.source,
                    priority=candidate.priority,
                    due_day=candidate.due_day,
                    arrival_s=stop.arrival_s,
                    start_s=stop.start_s,
                    end_s=stop.end_s,
                    service_s=candidate.service_s,
                    travel_from_previous_s=max(0, stop.arrival_s - previous_end),
                    window_start_s=None if window is None else window[0],
                    window_end_s=None if window is None else window[1],
                    pinned_start_s=candidate.pinned_start_s,
                )
            )
            previous_end = stop.end_s
    dropped = list(dropped_before)
    for item in solution.unassigned:
        candidate = by_key[item.visit]
        dropped.append(DroppedVisit(candidate.account_id, item.reason, candidate.source))
    return PlannedRoute(
        stops=stops,
        breaks=[(b.start_s, b.end_s) for b in route.breaks] if route else [],
        dropped=dropped,
        start_s=route.start_s if route else 0,
        end_s=route.end_s if route else 0,
        travel_s=int(route.travel_s) if route else 0,
        distance_m=float(route.distance_m) if route else 0.0,
        solve_s=solution.summary.solve_s,
    )
