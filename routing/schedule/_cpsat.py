"""The day assignment as a CP-SAT model; the only module of `routing.schedule` that imports OR-Tools.

One boolean per (account, pattern) and per (floating visit, alternative day), plus a drop boolean per
account: exactly one pattern or the drop. Per working day: visits <= max_visits_per_day and the workload
proxy (service + 2 x travel to the nearest other account, per visit) <= shift - the day's travel overhead.
Minimised: metres from each visit to its weekday zone's centre, a small price per day a floating visit
moves, a balance price per visit a day is above or below the mean load, and per unplanned visit a penalty by class
(C < B < A, all far above any distance) so that capacity is cut from the lowest class first.
Started from a hint (the greedy assignment or the previous round's). Single worker, fixed seed,
deterministic-time limit and a gap limit: the same input gives the same answer.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from routing.schedule._assignment import BALANCE_PRICE, MOVE_PRICE_PER_DAY, Choice, Costs
from routing.schedule.feasibility import Context

# CP-SAT's deterministic time (about seconds of one core): enough to prove optimality on visit-capped
# territories of a few hundred accounts; shift-bound ones (knapsacks per day) stop at a small gap instead.
DETERMINISTIC_TIME = 1.0
WALL_SAFETY_S = 30.0
GAP_PER_VISIT_M = 5


def assign(
    ctx: Context,
    active: list[int],
    costs: Costs,
    hint: dict[int, Choice],
    deterministic_time: float = DETERMINISTIC_TIME,
) -> dict[int, Choice] | None:
    """The best assignment found, or None when CP-SAT found none within its limit (keep the hint then)."""
    cal = ctx.cal
    model = cp_model.CpModel()
    days = cal.working_days
    count: dict[int, list[cp_model.IntVar]] = {t: [] for t in days}
    work: dict[int, list[tuple[cp_model.IntVar, int]]] = {t: [] for t in days}
    objective: list[tuple[cp_model.IntVar, int]] = []
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    y: dict[tuple[int, int, int, int], cp_model.IntVar] = {}
    drop: dict[int, cp_model.IntVar] = {}
    dist = costs.dist

    for i in active:
        proxy = costs.proxy(i)
        miss = costs.miss(i)
        d = model.new_bool_var(f"drop{i}")
        drop[i] = d
        objective.append((d, costs.drop(i)))
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

    for t in days:
        if not count[t]:
            continue
        if costs.cap is not None:
            model.add(sum(count[t]) <= costs.cap)
        model.add(sum(c * v for v, c in work[t]) <= costs.budget[t])
        over = model.new_int_var(0, len(count[t]), f"over{t}")
        model.add(over >= sum(count[t]) - costs.target)
        objective.append((over, BALANCE_PRICE))
        under = model.new_int_var(0, costs.floor, f"under{t}")
        model.add(under >= costs.floor - sum(count[t]))
        objective.append((under, BALANCE_PRICE))

    model.minimize(sum(c * v for v, c in objective))

    for i, ch in hint.items():
        if i in drop:
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
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = WALL_SAFETY_S
    # Proving the last few metres optimal costs most of the time; a plan within GAP_PER_VISIT_M metres per
    # visit of the bound is as good as the zones are accurate.
    solver.parameters.absolute_gap_limit = GAP_PER_VISIT_M * max(costs.total_visits, 1)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None

    out: dict[int, Choice] = {}
    for i in active:
        chosen = next((p for p in range(len(ctx.patterns[i])) if solver.boolean_value(x[i, p])), None)
        if chosen is None:
            out[i] = Choice(None, ())
            continue
        picked: list[int | None] = []
        for f, fl in enumerate(ctx.patterns[i][chosen].floats):
            picked.append(
                next((t for k, t in enumerate(fl.alternatives) if solver.boolean_value(y[i, chosen, f, k])), None)
            )
        out[i] = Choice(chosen, tuple(picked))
    return out
