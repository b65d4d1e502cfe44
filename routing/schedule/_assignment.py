"""What a day assignment costs, whether it keeps the day limits, and a greedy one to start CP-SAT from.

The rules are those of the CP-SAT model (:mod:`routing.schedule._cpsat`): per working day at most
``max_visits_per_day`` visits and a workload proxy (service + LEG_FACTOR x nearest-neighbour travel per
visit) within ``shift_s`` less the day's travel overhead; cost = metres from each visit to its weekday
zone's centre + a price per day a floating visit moves + a balance price per visit a day is above or
below the mean day load + a penalty per unplanned visit by class (C < B < A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.schedule.feasibility import Context
from routing.schedule.types import AccountClass

MISSING_PENALTY: dict[AccountClass, int] = {"C": 10_000_000, "B": 30_000_000, "A": 100_000_000}
UNDROPPABLE_PENALTY = 1_000_000_000
MOVE_PRICE_PER_DAY = 200
BALANCE_PRICE = 400
_CLASS_RANK = {"A": 0, "B": 1, "C": 2}


@dataclass(frozen=True)
class Choice:
    pattern: int | None  # None: the account is not planned
    alternatives: tuple[int | None, ...]  # per floating visit of the pattern: the day chosen, or None


class Costs:
    """The prices and limits of one assignment round (zone centres and day overheads fixed)."""

    def __init__(
        self, ctx: Context, active: list[int], centroids: dict[int, tuple[float, float]], overhead_s: dict[int, float]
    ) -> None:
        self.ctx = ctx
        rep = ctx.request.rep
        home = (float(ctx.xy[ctx.home, 0]), float(ctx.xy[ctx.home, 1]))
        days = ctx.cal.working_days
        self.days = days
        self.cap = rep.max_visits_per_day
        self.budget = {t: max(0, math.floor(rep.shift_s - overhead_s.get(t, 0.0))) for t in days}
        total = sum(ctx.accounts[i].visits_per_cycle for i in active)
        self.target = math.ceil(total / len(days)) if days else 0
        self.floor = total // len(days) if days else 0
        self.total_visits = total
        self._dist: dict[tuple[int, int], int] = {}
        self._centre = {t: centroids.get(ctx.cal.weekdays[t], home) for t in days}

    def dist(self, i: int, t: int) -> int:
        key = (i, t)
        d = self._dist.get(key)
        if d is None:
            cx, cy = self._centre[t]
            d = round(math.hypot(float(self.ctx.xy[i, 0]) - cx, float(self.ctx.xy[i, 1]) - cy))
            self._dist[key] = d
        return d

    def proxy(self, i: int) -> int:
        return round(self.ctx.accounts[i].service_s + float(self.ctx.leg_s[i]))

    def miss(self, i: int) -> int:
        return MISSING_PENALTY[self.ctx.accounts[i].account_class]

    def drop(self, i: int) -> int:
        a = self.ctx.accounts[i]
        undroppable = a.account_class == "A" and not self.ctx.request.force_class_a
        return a.visits_per_cycle * (UNDROPPABLE_PENALTY if undroppable else MISSING_PENALTY[a.account_class])

    def days_of(self, i: int, choice: Choice) -> list[int]:
        if choice.pattern is None:
            return []
        pat = self.ctx.patterns[i][choice.pattern]
        return [*pat.fixed, *(t for t in choice.alternatives if t is not None)]

    def evaluate(self, choices: dict[int, Choice]) -> tuple[bool, int]:
        """(keeps every day limit and spacing conflict, objective value)."""
        count = dict.fromkeys(self.days, 0)
        work = dict.fromkeys(self.days, 0)
        cost = 0
        ok = True
        for i, ch in choices.items():
            if ch.pattern is None:
                cost += self.drop(i)
                continue
            pat = self.ctx.patterns[i][ch.pattern]
            cost += sum(self.dist(i, t) for t in pat.fixed)
            for fl, t in zip(pat.floats, ch.alternatives, strict=True):
                if t is None:
                    cost += self.miss(i)
                else:
                    ok = ok and t in fl.alternatives
                    cost += self.dist(i, t) + MOVE_PRICE_PER_DAY * abs(t - fl.nominal)
            for fi, ai, fj, aj in pat.conflicts:
                if ch.alternatives[fi] == pat.floats[fi].alternatives[ai] and (
                    ch.alternatives[fj] == pat.floats[fj].alternatives[aj]
                ):
                    ok = False
            for t in self.days_of(i, ch):
                count[t] += 1
                work[t] += self.proxy(i)
        for t in self.days:
            if (self.cap is not None and count[t] > self.cap) or work[t] > self.budget[t]:
                ok = False
            cost += BALANCE_PRICE * (max(0, count[t] - self.target) + max(0, self.floor - count[t]))
        return ok, cost


def greedy(costs: Costs, active: list[int]) -> dict[int, Choice]:
    """Accounts in class order (A first), the most constrained first; each takes its cheapest pattern that
    keeps the day limits, floating visits their cheapest alternative with room; no pattern fits: dropped."""
    ctx = costs.ctx
    count = dict.fromkeys(costs.days, 0)
    work = dict.fromkeys(costs.days, 0)

    def room(t: int, proxy: int) -> bool:
        return (costs.cap is None or count[t] < costs.cap) and work[t] + proxy <= costs.budget[t]

    def balance(t: int) -> int:
        return (BALANCE_PRICE if count[t] >= costs.target else 0) - (BALANCE_PRICE if count[t] < costs.floor else 0)

    order = sorted(
        active,
        key=lambda i: (
            _CLASS_RANK[ctx.accounts[i].account_class],
            len(ctx.patterns[i]),
            -ctx.accounts[i].visits_per_cycle,
            ctx.accounts[i].id,
        ),
    )
    out: dict[int, Choice] = {}
    for i in order:
        proxy = costs.proxy(i)
        best: tuple[int, int, tuple[int | None, ...]] | None = None
        for p, pat in enumerate(ctx.patterns[i]):
            if not all(room(t, proxy) for t in pat.fixed):
                continue
            cost = sum(costs.dist(i, t) + balance(t) for t in pat.fixed)
            picked: list[int | None] = []
            for f, fl in enumerate(pat.floats):
                options = []
                for k, t in enumerate(fl.alternatives):
                    if not room(t, proxy) or t in pat.fixed or t in picked:
                        continue
                    clash = any(
                        fi == f - 1 and fj == f and aj == k and picked[fi] == pat.floats[fi].alternatives[ai]
                        for fi, ai, fj, aj in pat.conflicts
                    )
                    if not clash:
                        options.append((costs.dist(i, t) + balance(t) + MOVE_PRICE_PER_DAY * abs(t - fl.nominal), t))
                if options:
                    c, t = min(options)
                    cost += c
                    picked.append(t)
                else:
                    cost += costs.miss(i)
                    picked.append(None)
            if best is None or cost < best[0]:
                best = (cost, p, tuple(picked))
        if best is None:
            out[i] = Choice(None, ())
            continue
        choice = Choice(best[1], best[2])
        out[i] = choice
        for t in costs.days_of(i, choice):
            count[t] += 1
            work[t] += proxy
    return out
