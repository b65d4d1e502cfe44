"""The day assignment as a CP-SAT model; the only module of `routing.schedule` that imports OR-Tools.

One boolean per (account, pattern) and per (floating visit, alternative day), plus a drop boolean per
account: exactly one pattern or the drop. Per working day: visits <= max_visits_per_day and the workload
proxy (service + travel to the nearest other account, per visit) <= shift - that day's travel overhead.
Minimised: metres from each visit to its weekday zone's centre, a small price per day a floating visit
moves, a balance price per visit above the mean day load, and per unplanned visit a penalty by class
(C < B < A, all far above any distance) so that capacity is cut from the lowest class first.
Single worker, fixed seed, deterministic-time limit: the same input gives the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from routing.schedule.feasibility import Context
from routing.schedule.types import AccountClass

MISSING_PENALTY: dict[AccountClass, int] = {"C": 10_000_000, "B": 30_000_000, "A": 100_000_000}
UNDROPPABLE_PENALTY = 1_000_000_000
MOVE_PRICE_PER_DAY = 200
BALANCE_PRICE = 400
DETERMINISTIC_TIME = 3.0
WALL_SAFETY_S = 30.0


@dataclass(frozen=True)
class Choice:
    pattern: int | None  # None: the account is not planned
    alternatives: tuple[int | None, ...]  # per floating visit of the pattern: the day chosen, or None


def assign(
    ctx: Context,
    active: list[int],
    centroids: dict[int, tuple[float, float]],
    overhead_s: dict[int, float],
    hint: dict[int, Choice] | None = None,
) -> dict[int, Choice]:
    cal = ctx.cal
    rep = ctx.request.rep
    model = cp_model.CpModel()
    days = cal.working_days
    count: dict[int, list[cp_model.IntVar]] = {t: [] for t in days}
    work: dict[int, list[tuple[cp_model.IntVar, int]]] = {t: [] for t in days}
    objective: list[tuple[cp_model.IntVar, int]] = []
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    y: dict[tuple[int, int, int, int], cp_model.IntVar] = {}
    drop: dict[int, cp_model.IntVar] = {}

    def dist(i: int, t: int) -> int:
        cx, cy = centroids.get(cal.weekdays[t], (float(ctx.xy[ctx.home, 0]), float(ctx.xy[ctx.home, 1])))
        return round(math.hypot(float(ctx.xy[i, 0]) - cx, float(ctx.xy[i, 1]) - cy))

    total_visits = 0
    for i in active:
        a = ctx.accounts[i]
        proxy = round(a.service_s + float(ctx.leg_s[i]))
        miss = MISSING_PENALTY[a.account_class]
        total_visits += a.visits_per_cycle
        d = model.new_bool_var(f"drop{i}")
        drop[i] = d
        undroppable = a.account_class == "A" and not ctx.request.force_class_a
        objective.append((d, a.visits_per_cycle * (UNDROPPABLE_PENALTY if undroppable else miss)))
        picks = [d]
        for p, pat in enumerate(ctx.patterns[i]):
            v = model.new_bool_var(f"x{i}_{p}")
            x[i, p] = v
            picks.append(v)
            cost = sum(dist(i, t) for t in pat.fixed) + miss * len(pat.floats)
            objective.append((v, cost))
            for t in pat.fixed:
                count[t].append(v)
                work[t].append((v, proxy))
            for f, fl in enumerate(pat.floats):
                alts = []
                for k, t in enumerate(fl.alternatives):
                    w = model.new_bool_var(f"y{i}_{p}_{f}_{k}")
                    y[i, p, f, k] = w
                    alts.append(w)
                    count[t].append(w)
                    work[t].append((w, proxy))
                    objective.append((w, dist(i, t) + MOVE_PRICE_PER_DAY * abs(t - fl.nominal) - miss))
                if alts:
                    model.add(sum(alts) <= v)
            for fi, ai, fj, aj in pat.conflicts:
                model.add_bool_or([y[i, p, fi, ai].Not(), y[i, p, fj, aj].Not()])
        model.add_exactly_one(picks)

    target = math.ceil(total_visits / len(days)) if days else 0
    for t in days:
        if not count[t]:
            continue
        if rep.max_visits_per_day is not None:
            model.add(sum(count[t]) <= rep.max_visits_per_day)
        budget = max(0, math.floor(rep.shift_s - overhead_s.get(t, 0.0)))
        model.add(sum(c * v for v, c in work[t]) <= budget)
        over = model.new_int_var(0, len(count[t]), f"over{t}")
        model.add(over >= sum(count[t]) - target)
        objective.append((over, BALANCE_PRICE))

    model.minimize(sum(c * v for v, c in objective))

    if hint:
        for i, ch in hint.items():
            if i not in drop:
                continue
            model.add_hint(drop[i], ch.pattern is None)
            for p in range(len(ctx.patterns[i])):
                model.add_hint(x[i, p], ch.pattern == p)
            if ch.pattern is not None:
                for f, fl in enumerate(ctx.patterns[i][ch.pattern].floats):
                    for k, t in enumerate(fl.alternatives):
                        model.add_hint(y[i, ch.pattern, f, k], ch.alternatives[f] == t)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = DETERMINISTIC_TIME
    solver.parameters.max_time_in_seconds = WALL_SAFETY_S
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # dropping everything is always feasible
        return {i: Choice(None, ()) for i in active}

    out: dict[int, Choice] = {}
    for i in active:
        chosen = next((p for p in range(len(ctx.patterns[i])) if solver.boolean_value(x[i, p])), None)
        if chosen is None:
            out[i] = Choice(None, ())
            continue
        alts: list[int | None] = []
        for f, fl in enumerate(ctx.patterns[i][chosen].floats):
            alts.append(
                next((t for k, t in enumerate(fl.alternatives) if solver.boolean_value(y[i, chosen, f, k])), None)
            )
        out[i] = Choice(chosen, tuple(alts))
    return out
