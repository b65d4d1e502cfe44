"""Planning the journey plan: feasibility first, then day zones, then the day assignment, then tours.

1. :func:`check_feasibility` drops what cannot fit (lowest class first) or cannot be visited at all.
2. The rest of the territory is cut into one compact zone per working weekday (balanced k-means from a
   sweep start, weighted by visits per week); each zone gets a weekday.
3. Each account gets one pattern: an anchor day from which its visits repeat every ``7 x weeks / visits``
   days. A whole-week period fixes a stable weekday (weekly: the same weekday every week; fortnightly:
   weeks 1+3 or 2+4 on one weekday; four-weekly: one day). A nominal day that is a day off (or closed)
   floats to an available day within ``+- spacing_tolerance_days`` that keeps the spacing to its
   neighbours, weekly visits within their own week, or is reported missing. The choice is a CP-SAT model
   (:mod:`._cpsat`) started from a greedy assignment (:mod:`._assignment`): visit cap per day, workload
   proxy within the shift; fewest metres from each visit to its weekday zone's centre, balanced days, and
   unplanned visits priced far above any distance, most for class A and least for class C.
4. Each day's travel is estimated by a tour from home through its accounts (nearest neighbour + 2-opt).
   If a day's service + travel exceeds the shift, every day's budget learns its measured travel and the
   assignment is solved again (the first re-solve also re-centres the zones on the visits); a day still
   over after the last round sheds visits, lowest class first, reported as missing.

Deterministic: a sweep start, sorted tie-breaks, one CP-SAT worker with a fixed seed and deterministic-time
and gap limits (a 30 s wall-clock limit is only a safety net), so the same request gives the same schedule.
"""

from __future__ import annotations

import math

import numpy as np

from routing.schedule._assignment import Choice, Costs, greedy
from routing.schedule._calendar import Calendar, open_on
from routing.schedule._cpsat import DETERMINISTIC_TIME, assign
from routing.schedule._geo import tour
from routing.schedule._zones import weekday_centroids
from routing.schedule.feasibility import Context, check, prepare
from routing.schedule.types import (
    CLASSES,
    ClassShortfall,
    DroppedAccount,
    MissingVisit,
    Schedule,
    ScheduleDay,
    ScheduleRequest,
)

MAX_ROUNDS = 3
RECENTRE_ROUNDS = 1
OVERHEAD_MARGIN_S = 60.0
_CLASS_RANK = {"A": 0, "B": 1, "C": 2}


def plan_schedule(request: ScheduleRequest) -> Schedule:
    """The multi-week visit schedule of one rep (deterministic: the same request gives the same schedule)."""
    ctx = prepare(request)
    report = check(ctx)
    index = {a.id: i for i, a in enumerate(ctx.accounts)}
    dropped = list(report.dropped)
    gone = {index[d.id] for d in dropped}
    active = [i for i in range(len(ctx.accounts)) if i not in gone]
    cal = ctx.cal
    weekdays = sorted({cal.weekdays[t] for t in cal.working_days})

    centroids = _initial_centroids(ctx, active, weekdays)
    overhead = {t: _home_overhead(ctx, centroids.get(cal.weekdays[t])) for t in cal.working_days}
    choices: dict[int, Choice] = {}
    within_shift: dict[int, Choice] | None = None  # the latest assignment whose every day fits the shift
    for rnd in range(MAX_ROUNDS):
        costs = Costs(ctx, active, centroids, overhead)
        hint = greedy(costs, active)
        if choices:
            prev_ok, prev_cost = costs.evaluate(choices)
            if prev_ok and prev_cost <= costs.evaluate(hint)[1]:
                hint = choices
        limit = DETERMINISTIC_TIME if rnd == 0 else DETERMINISTIC_TIME / 2
        choices = assign(ctx, active, costs, hint, deterministic_time=limit) or hint
        by_day = _days(ctx, active, choices)
        tours = _tours(ctx, by_day)
        over = [t for t, (_, travel) in tours.items() if _workload(ctx, by_day[t], travel) > request.rep.shift_s]
        if not over:
            within_shift = choices
            if rnd >= RECENTRE_ROUNDS:
                break
        for t, (_, travel) in tours.items():  # learn every day's travel beyond the proxy, not just the late ones
            if by_day[t]:
                legs = float(sum(ctx.leg_s[i] for i in by_day[t]))
                overhead[t] = max(overhead[t], travel - legs + OVERHEAD_MARGIN_S)
            if t in over:
                overhead[t] += OVERHEAD_MARGIN_S
        if rnd < RECENTRE_ROUNDS:
            centroids = _recentre(ctx, by_day, centroids)
    choices = within_shift or choices

    missing: list[MissingVisit] = []
    visits: dict[str, list[int]] = {}
    for i in active:
        a = ctx.accounts[i]
        ch = choices[i]
        if ch.pattern is None:
            if a.account_class == "A" and not request.force_class_a:
                reason = (
                    "capacity: no room on days that keep its spacing (visit cap or shift); "
                    "class A is not dropped without force_class_a"
                )
                missing.extend(MissingVisit(a.id, a.account_class, None, reason) for _ in range(a.visits_per_cycle))
                visits[a.id] = []
            else:
                dropped.append(
                    DroppedAccount(
                        a.id,
                        a.account_class,
                        "capacity: no room left on days that keep its spacing (visit cap or shift) after the "
                        "higher classes; lowest class dropped first",
                    )
                )
            continue
        pat = ctx.patterns[i][ch.pattern]
        days = list(pat.fixed)
        for fl, alt in zip(pat.floats, ch.alternatives, strict=True):
            if alt is not None:
                days.append(alt)
            else:
                missing.append(
                    MissingVisit(
                        a.id,
                        a.account_class,
                        cal.date(fl.nominal),
                        _float_reason(ctx, i, fl.nominal, bool(fl.alternatives)),
                    )
                )
        visits[a.id] = sorted(days)

    by_day = {t: sorted((index[aid] for aid, ds in visits.items() if t in ds)) for t in cal.working_days}
    tours = _tours(ctx, by_day)
    for t in cal.working_days:
        travel = tours[t][1]
        while by_day[t] and _workload(ctx, by_day[t], travel) > request.rep.shift_s:
            victim = max(
                by_day[t],
                key=lambda i: (
                    _CLASS_RANK[ctx.accounts[i].account_class],
                    ctx.accounts[i].service_s,
                    ctx.accounts[i].id,
                ),
            )
            by_day[t].remove(victim)
            a = ctx.accounts[victim]
            visits[a.id].remove(t)
            missing.append(
                MissingVisit(
                    a.id,
                    a.account_class,
                    cal.date(t),
                    f"workload: {cal.date(t)} would exceed the {request.rep.shift_s} s shift",
                )
            )
            tours[t] = tour(ctx.travel_s, by_day[t], ctx.home)
            travel = tours[t][1]

    schedule_days = []
    for t in cal.working_days:
        order, travel = tours[t]
        service = sum(ctx.accounts[i].service_s for i in order)
        schedule_days.append(
            ScheduleDay(
                cal.date(t), [ctx.accounts[i].id for i in order], service, round(travel), service + round(travel)
            )
        )

    shortfall: list[ClassShortfall] = []
    for cls in CLASSES:
        members = [a for a in ctx.accounts if a.account_class == cls]
        required = sum(a.visits_per_cycle for a in members)
        planned = sum(len(visits.get(a.id, [])) for a in members)
        if required > planned:
            shortfall.append(ClassShortfall(cls, required, planned, required - planned))
    missing.sort(key=lambda m: (m.day is None, m.day or cal.start, m.id))
    return Schedule(
        days=schedule_days,
        feasible=not shortfall,
        shortfall=shortfall,
        dropped=sorted(dropped, key=lambda d: index[d.id]),
        visits={aid: [cal.date(t) for t in ds] for aid, ds in visits.items()},
        missing=missing,
        check=report,
    )


def _initial_centroids(ctx: Context, active: list[int], weekdays: list[int]) -> dict[int, tuple[float, float]]:
    weeks = ctx.request.weeks
    xy = ctx.xy[active]
    weights = np.array([ctx.accounts[i].visits_per_cycle / weeks for i in active], dtype=np.float64)
    allowed = [
        frozenset(w for w in weekdays if open_on(ctx.accounts[i], w) and ctx.accounts[i].pinned_weekday in (None, w))
        for i in active
    ]
    return weekday_centroids(xy, weights, allowed, weekdays)


def _home_overhead(ctx: Context, centre: tuple[float, float] | None) -> float:
    if centre is None:
        return 0.0
    rep = ctx.request.rep
    hx, hy = float(ctx.xy[ctx.home, 0]), float(ctx.xy[ctx.home, 1])
    return 2 * math.hypot(centre[0] - hx, centre[1] - hy) * rep.circuity / rep.speed_m_per_s


def _days(ctx: Context, active: list[int], choices: dict[int, Choice]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {t: [] for t in ctx.cal.working_days}
    for i in active:
        ch = choices[i]
        if ch.pattern is None:
            continue
        pat = ctx.patterns[i][ch.pattern]
        for t in [*pat.fixed, *(a for a in ch.alternatives if a is not None)]:
            out[t].append(i)
    return out


def _tours(ctx: Context, by_day: dict[int, list[int]]) -> dict[int, tuple[list[int], float]]:
    return {t: tour(ctx.travel_s, stops, ctx.home) for t, stops in by_day.items()}


def _workload(ctx: Context, stops: list[int], travel: float) -> float:
    return sum(ctx.accounts[i].service_s for i in stops) + round(travel)


def _recentre(
    ctx: Context, by_day: dict[int, list[int]], centroids: dict[int, tuple[float, float]]
) -> dict[int, tuple[float, float]]:
    out = dict(centroids)
    for w in centroids:
        members = [i for t, stops in by_day.items() if ctx.cal.weekdays[t] == w for i in stops]
        if members:
            c = ctx.xy[members].mean(axis=0)
            out[w] = (float(c[0]), float(c[1]))
    return out


def _float_reason(ctx: Context, i: int, nominal: int, had_alternatives: bool) -> str:
    cal: Calendar = ctx.cal
    tol = ctx.request.spacing_tolerance_days
    day = cal.date(nominal)
    if had_alternatives:
        return f"capacity: no room within +-{tol} days of {day} on a day that keeps the spacing"
    if cal.off[nominal]:
        kind, why = "day off", f"{day} is a day off"
    elif cal.weekdays[nominal] not in cal.working_weekdays:
        kind, why = "not working", f"{day} is not a working day"
    elif not open_on(ctx.accounts[i], cal.weekdays[nominal]):
        kind, why = "closed", f"the outlet is closed on {day}"
    else:
        kind, why = "unavailable", f"{day} is unavailable"
    return f"{kind}: {why} and no other day within +-{tol} days keeps the spacing"
