"""Turns a rep's due visits into a `routing` problem and the solution back into planned stops.

Rules (documented in docs/architecture.md):
- A visit's start window is each opening interval of the route's weekday, ended early by the
  service time, so the whole visit fits inside opening hours. A visit with no such window that day
  is dropped before solving with reason `closed`.
- A fixed appointment starts exactly at its time (opening hours are not applied: it was agreed).
- Shifts longer than 6 h get a 30-minute break placed between 11:00 and 14:30.
- The rep starts and ends at home (a re-plan or same-day plan: starts where the rep stands, at that
  time); a rep without a home location cannot be planned.
- The lunch break belongs to shifts longer than 6 h whatever time is left: a re-plan keeps it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

import routing
from backend.errors import Conflict
from backend.planning.schemas import Candidate, DroppedVisit, PlannedRoute, PlannedStop, RepPlanningProfile
from routing.matrix import AsyncTravelMatrixProvider

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


class RepStart(msgspec.Struct, frozen=True):
    """One rep of a problem: who, and where and when their day (or what is left of it) starts."""

    profile: RepPlanningProfile
    # A re-plan or a same-day plan starts where the rep stands, at that time; else home at shift start.
    start_point: tuple[float, float] | None = None
    start_time_s: int | None = None


def _visit(candidate: Candidate, index: int, rep_ids: list[str] | None, pinned_rep: str) -> dict[str, Any] | None:
    visit: dict[str, Any] = {
        "id": visit_key(candidate.account_id),
        "location_index": index,
        "service_s": candidate.service_s,
        "priority": candidate.priority,
    }
    if rep_ids is not None:
        visit["reps"] = rep_ids
    if candidate.pinned_start_s is not None:
        visit["pinned"] = {"rep": pinned_rep, "start_s": candidate.pinned_start_s}
        return visit
    windows = start_windows(candidate)
    if not windows:
        return None
    visit["time_windows"] = windows
    return visit


def _break_for(profile: RepPlanningProfile, shift_start: int) -> list[dict[str, Any]]:
    # Whether the day has a lunch break depends on the whole shift, not on what is left of it: a
    # re-plan at 12:26 keeps the break still to be taken.
    if profile.shift_end_s - profile.shift_start_s <= BREAK_AFTER_SHIFT_S:
        return []
    window = [max(BREAK_WINDOW[0], shift_start), min(BREAK_WINDOW[1], profile.shift_end_s)]
    if window[1] - window[0] < BREAK_DURATION_S:
        return []
    return [{"window": window, "duration_s": BREAK_DURATION_S}]


async def build_multi_problem(
    reps: list[RepStart],
    candidates: list[tuple[Candidate, list[int] | None]],
    provider: AsyncTravelMatrixProvider,
    *,
    time_limit_s: float | None,
    seed: int = 0,
) -> tuple[routing.Problem, list[Candidate], list[DroppedVisit]]:
    """The problem for one or several reps of one day: each candidate may go to any rep, or only to
    the rep ids given with it. Returns the problem, the candidates in it and those dropped before.
    The matrix is fetched asynchronously (no database connection should be held meanwhile)."""
    if not reps:
        raise PlanningInputError("no rep to plan")
    by_rep = {rep.profile.rep_id: rep.profile.email for rep in reps}
    problem_reps: list[dict[str, Any]] = []
    points: list[tuple[float, float]] = []
    for rep in reps:
        profile = rep.profile
        if profile.home_lat is None or profile.home_lon is None:
            raise PlanningInputError(f"the rep {profile.email} has no home location")
        shift_start = (
            profile.shift_start_s if rep.start_time_s is None else max(profile.shift_start_s, rep.start_time_s)
        )
        if shift_start >= profile.shift_end_s:
            raise PlanningInputError("no time is left in the rep's shift")
        home = (profile.home_lat, profile.home_lon)
        entry: dict[str, Any] = {
            "id": profile.email,
            "start_index": len(points),
            "shift": [shift_start, profile.shift_end_s],
        }
        points.append(rep.start_point or home)
        # A re-plan starts where the rep stands and still ends at home.
        entry["end_index"] = len(points)
        points.append(home)
        breaks = _break_for(profile, shift_start)
        if breaks:
            entry["breaks"] = breaks
        problem_reps.append(entry)
    dropped: list[DroppedVisit] = []
    kept: list[Candidate] = []
    visits: list[dict[str, Any]] = []
    first_rep = reps[0].profile.email
    for candidate, allowed in candidates:
        if candidate.lat is None or candidate.lon is None:
            dropped.append(DroppedVisit(candidate.account_id, "no_location", candidate.source))
            continue
        rep_ids = None if allowed is None else [by_rep[rep_id] for rep_id in allowed if rep_id in by_rep]
        pinned_rep = rep_ids[0] if rep_ids else first_rep
        visit = _visit(candidate, len(points), rep_ids if len(reps) > 1 else None, pinned_rep)
        if visit is None:
            dropped.append(DroppedVisit(candidate.account_id, "closed", candidate.source))
            continue
        points.append((candidate.lat, candidate.lon))
        kept.append(candidate)
        visits.append(visit)
    modes = {rep.profile.travel_mode for rep in reps}
    # One matrix for the problem: reps of one team share a travel mode (the first one's otherwise).
    matrix = await provider.amatrix(points, reps[0].profile.travel_mode if len(modes) > 1 else modes.pop())
    problem: dict[str, Any] = {
        "reps": problem_reps,
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


async def build_problem(
    profile: RepPlanningProfile,
    candidates: list[Candidate],
    provider: AsyncTravelMatrixProvider,
    *,
    time_limit_s: float | None,
    seed: int = 0,
    start_point: tuple[float, float] | None = None,
    start_time_s: int | None = None,
) -> tuple[routing.Problem, list[Candidate], list[DroppedVisit]]:
    """One rep's day problem, the candidates in it and those dropped before solving."""
    return await build_multi_problem(
        [RepStart(profile, start_point, start_time_s)],
        [(candidate, None) for candidate in candidates],
        provider,
        time_limit_s=time_limit_s,
        seed=seed,
    )


def inputs_hash(problem: routing.Problem) -> str:
    """Stable digest of the solver input: the same inputs never publish a new version."""
    return hashlib.sha256(msgspec.json.encode(problem)).hexdigest()


def planned_route(
    solution: routing.Solution,
    kept: list[Candidate],
    dropped_before: list[DroppedVisit],
    *,
    rep_email: str | None = None,
    depart_at_s: int | None = None,
) -> PlannedRoute:
    """The stops of one rep's route (the first route, or `rep_email`'s), and every visit left out.

    `depart_at_s` (a re-plan): the rep is on the road already, so the first ETA is that time plus the
    travel to the first stop, even where the solver would have them leave later to wait less.
    """
    by_key = {visit_key(c.account_id): c for c in kept}
    route = next((r for r in solution.routes if rep_email is None or r.rep == rep_email), None)
    stops: list[PlannedStop] = []
    start_s = route.start_s if route else 0
    if route and depart_at_s is not None and route.stops:
        start_s = min(start_s, depart_at_s)
    previous_end = start_s
    if route:
        for index, stop in enumerate(route.stops):
            candidate = by_key[stop.visit]
            windows = start_windows(candidate)
            window = next((w for w in windows if w[0] <= stop.start_s <= w[1]), None)
            arrival = stop.arrival_s
            if index == 0 and depart_at_s is not None:
                leg = arrival - route.start_s
                arrival = min(arrival, start_s + leg)
            stops.append(
                PlannedStop(
                    account_id=candidate.account_id,
                    source=candidate.source,
                    priority=candidate.priority,
                    due_day=candidate.due_day,
                    arrival_s=arrival,
                    start_s=stop.start_s,
                    end_s=stop.end_s,
                    service_s=candidate.service_s,
                    travel_from_previous_s=max(0, arrival - previous_end),
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
        start_s=start_s,
        end_s=route.end_s if route else 0,
        travel_s=int(route.travel_s) if route else 0,
        distance_m=float(route.distance_m) if route else 0.0,
        solve_s=solution.summary.solve_s,
    )
