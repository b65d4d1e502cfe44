"""Feasibility before planning: required visits against the cycle's capacity, per class.

Capacity is ``working days x day capacity``, where working days are the cycle's working weekdays minus the
days off, and the day capacity is ``min(max_visits_per_day, fit)`` with ``fit`` the visits that fit in the
shift: ``(shift_s - 2 x median travel from home) / (mean service_s + 2 x mean travel to the nearest other
account)``, means weighted by visits. When more visits are required than fit, whole accounts are dropped,
lowest class first (C, then B; A only with ``force_class_a``), within a class the farthest from home first
(ties by id), until the rest fits. Accounts that cannot be visited at all (closed on every working weekday,
pinned to a weekday the rep does not work, a single visit longer than the shift) are dropped whatever
their class, each with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from routing.errors import ProblemError
from routing.schedule._calendar import Calendar, Pattern, open_on, patterns_for
from routing.schedule._geo import FloatArray, haversine_m, local_xy
from routing.schedule.types import (
    CLASSES,
    AccountClass,
    ClassShortfall,
    DroppedAccount,
    FeasibilityReport,
    ScheduleAccount,
    ScheduleRequest,
)

# A day holds a fraction of the territory's accounts, so its legs are longer than nearest-neighbour hops:
# on random and clustered test territories a day's tour (less the trip from home) measured 1.7-2.2 x.
LEG_FACTOR = 2.0

_DROP_ORDER: dict[AccountClass, str] = {
    "C": "class C dropped first",
    "B": "class B dropped after every class C account",
    "A": "class A dropped (force_class_a) after every class B and C account",
}


@dataclass(frozen=True)
class Context:
    """Everything derived from the request once: calendar, patterns, distances (home is the last index)."""

    request: ScheduleRequest
    cal: Calendar
    accounts: list[ScheduleAccount]
    patterns: list[list[Pattern]]
    travel_s: FloatArray
    xy: FloatArray  # accounts then home, local metres
    home: int
    leg_s: FloatArray  # LEG_FACTOR x travel to the nearest other account: the travel a visit adds to a day
    home_s: FloatArray  # travel from home
    unvisitable: dict[int, str]


def prepare(request: ScheduleRequest) -> Context:
    validate(request)
    cal = Calendar.of(request)
    accounts = list(request.accounts)
    n = len(accounts)
    lat = np.array([a.lat for a in accounts] + [request.rep.home_lat], dtype=np.float64)
    lon = np.array([a.lon for a in accounts] + [request.rep.home_lon], dtype=np.float64)
    travel = haversine_m(lat, lon) * request.rep.circuity / request.rep.speed_m_per_s
    xy = local_xy(lat, lon)
    home_s = travel[n, :n].copy()
    if n > 1:
        masked = travel[:n, :n] + np.diag(np.full(n, np.inf))
        leg_s = LEG_FACTOR * masked.min(axis=1)
    else:
        leg_s = np.zeros(n)
    patterns = [patterns_for(a, cal, request.weeks, request.spacing_tolerance_days) for a in accounts]
    unvisitable: dict[int, str] = {}
    for i, (a, pats) in enumerate(zip(accounts, patterns, strict=True)):
        if a.service_s + 2 * home_s[i] > request.rep.shift_s:
            unvisitable[i] = (
                f"workload: one visit ({a.service_s} s service + {round(2 * home_s[i])} s travel) exceeds "
                f"the {request.rep.shift_s} s shift"
            )
        elif not pats:
            unvisitable[i] = _why_unvisitable(a, cal)
    return Context(request, cal, accounts, patterns, travel, xy, n, leg_s, home_s, unvisitable)


def _why_unvisitable(a: ScheduleAccount, cal: Calendar) -> str:
    days = [i for i in cal.working_days if open_on(a, cal.weekdays[i])]
    if not any(open_on(a, w) for w in cal.working_weekdays):
        return "closed: the outlet is closed on every working weekday of the rep"
    if a.pinned_weekday is not None and (
        a.pinned_weekday not in cal.working_weekdays or not open_on(a, a.pinned_weekday)
    ):
        return f"pinned: weekday {a.pinned_weekday} is not a working weekday on which the outlet is open"
    if len(days) < a.visits_per_cycle:
        return f"days: {a.visits_per_cycle} visits needed, only {len(days)} working days on which the outlet is open"
    return "days: no available day keeps the required spacing in this cycle"


def check_feasibility(request: ScheduleRequest) -> FeasibilityReport:
    """Required visits against capacity, per class, and the accounts that would be dropped."""
    return check(prepare(request))


def day_capacity(ctx: Context, kept: list[int]) -> int:
    rep = ctx.request.rep
    if kept:
        visits = np.array([ctx.accounts[i].visits_per_cycle for i in kept], dtype=np.float64)
        service = np.array([ctx.accounts[i].service_s for i in kept], dtype=np.float64)
        per_visit = float(np.average(service + ctx.leg_s[kept], weights=visits))
        overhead = 2 * float(np.median(ctx.home_s[kept]))
        fit = math.floor((rep.shift_s - overhead) / per_visit) if per_visit > 0 else 10**9
    else:
        fit = 10**9
    fit = max(fit, 0)
    return fit if rep.max_visits_per_day is None else min(fit, rep.max_visits_per_day)


def check(ctx: Context) -> FeasibilityReport:
    accounts = ctx.accounts
    dropped: dict[int, str] = dict(ctx.unvisitable)
    kept = [i for i in range(len(accounts)) if i not in dropped]
    cap_day = day_capacity(ctx, kept)
    days = ctx.cal.working_days
    capacity = cap_day * len(days)
    required_all = sum(a.visits_per_cycle for a in accounts)
    required = sum(accounts[i].visits_per_cycle for i in kept)
    excess = required - capacity
    a_missing = 0
    if excess > 0:
        head = f"capacity: {required} visits needed, {capacity} fit ({len(days)} working days x {cap_day} a day)"
        droppable: list[AccountClass] = ["C", "B", "A"] if ctx.request.force_class_a else ["C", "B"]
        for cls in droppable:
            members = sorted(
                (i for i in kept if accounts[i].account_class == cls),
                key=lambda i: (-ctx.home_s[i], accounts[i].id),
            )
            for i in members:
                if excess <= 0:
                    break
                dropped[i] = f"{head}; {_DROP_ORDER[cls]}"
                excess -= accounts[i].visits_per_cycle
        a_missing = max(excess, 0)
    classes: list[ClassShortfall] = []
    for cls in CLASSES:
        members = [i for i, a in enumerate(accounts) if a.account_class == cls]
        if not members:
            continue
        req = sum(accounts[i].visits_per_cycle for i in members)
        lost = sum(accounts[i].visits_per_cycle for i in members if i in dropped)
        if cls == "A":
            lost += a_missing
        classes.append(ClassShortfall(cls, req, req - lost, lost))
    shortfall = [c for c in classes if c.missing_visits > 0]
    return FeasibilityReport(
        feasible=not shortfall,
        required_visits=required_all,
        capacity_visits=capacity,
        day_capacity=cap_day,
        working_days=[ctx.cal.date(i) for i in days],
        classes=classes,
        shortfall=shortfall,
        dropped=[DroppedAccount(accounts[i].id, accounts[i].account_class, dropped[i]) for i in sorted(dropped)],
    )


def validate(request: ScheduleRequest) -> None:
    rep = request.rep
    if request.weeks < 1:
        raise ProblemError("weeks", "must be at least 1")
    if request.spacing_tolerance_days < 0:
        raise ProblemError("spacing_tolerance_days", "must not be negative")
    if rep.shift_s <= 0:
        raise ProblemError("rep.shift_s", "must be positive")
    if not rep.speed_m_per_s > 0:
        raise ProblemError("rep.speed_m_per_s", "must be positive")
    if not rep.circuity >= 1:
        raise ProblemError("rep.circuity", "must be at least 1")
    if rep.max_visits_per_day is not None and rep.max_visits_per_day < 1:
        raise ProblemError("rep.max_visits_per_day", "must be at least 1")
    if not rep.working_weekdays or not rep.working_weekdays <= set(range(1, 8)):
        raise ProblemError("rep.working_weekdays", "must be a non-empty set of ISO weekdays 1..7")
    _check_point("rep", rep.home_lat, rep.home_lon)
    seen: set[str] = set()
    for i, a in enumerate(request.accounts):
        field = f"accounts[{i}]"
        if a.id in seen:
            raise ProblemError(f"{field}.id", f"duplicate account id {a.id!r}")
        seen.add(a.id)
        _check_point(field, a.lat, a.lon)
        if a.account_class not in CLASSES:
            raise ProblemError(f"{field}.account_class", "must be A, B or C")
        if not 1 <= a.visits_per_cycle <= 7 * request.weeks:
            raise ProblemError(f"{field}.visits_per_cycle", f"must be 1..{7 * request.weeks}")
        if a.service_s < 0:
            raise ProblemError(f"{field}.service_s", "must not be negative")
        if a.open_weekdays is not None and not a.open_weekdays <= set(range(1, 8)):
            raise ProblemError(f"{field}.open_weekdays", "must be ISO weekdays 1..7")
        if a.pinned_weekday is not None and not 1 <= a.pinned_weekday <= 7:
            raise ProblemError(f"{field}.pinned_weekday", "must be an ISO weekday 1..7")


def _check_point(field: str, lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ProblemError(field, f"({lat}, {lon}) is not a valid point")
