"""Our own construction: parallel regret insertion, a strong start for the engine's local search.

Visits are placed highest priority first, and within a priority by regret (how much worse their
second-best route is than their best), so hard visits are not left to the end. For days without
breaks or a work-time cap, insertion feasibility is O(1) from earliest/latest start times per stop.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass

from routing._instance import Instance, Lookup, rep_signature
from routing._repair import Repairer, is_top_tier
from routing._timing import RouteTimes, RouteTiming
from routing.params import SolveParams

_REGRET_K = 3
_LAST_CHANCE = 2**40
_NOISE = 0.1  # relative noise on insertion costs in randomized restarts


@dataclass
class _RouteTimes:
    nodes: list[int]  # start depot, visits..., end depot
    timed: RouteTimes | None  # earliest/latest times when the rep's day allows O(1) insertion checks
    load: int


class _Builder:
    def __init__(self, inst: Instance, lookup: Lookup, repairer: Repairer) -> None:
        self.inst = inst
        self.lookup = lookup
        self.repairer = repairer
        timings = [RouteTiming(inst, lookup, r) for r in range(inst.n_reps)]
        self.timing: list[RouteTiming | None] = [t if t.fast else None for t in timings]

    def times(self, rep: int, seq: list[int]) -> _RouteTimes:
        timing = self.timing[rep]
        timed = timing.times(seq) if timing is not None else None
        nodes = [self.inst.start_node(rep), *seq, self.inst.end_node(rep)]
        load = sum(self.inst.problem.visits[v].demand for v in seq)
        return _RouteTimes(nodes=nodes, timed=timed, load=load)

    def best_position(self, rep: int, seq: list[int], times: _RouteTimes, v: int) -> tuple[int, int] | None:
        """(delta cost, position) of the cheapest feasible insertion of v into this route."""
        spec = self.inst.problem.reps[rep]
        if spec.max_visits is not None and len(seq) >= spec.max_visits:
            return None
        demand = self.inst.problem.visits[v].demand
        if spec.capacity is not None and times.load + demand > spec.capacity:
            return None
        cost, reachable = self.lookup.cost, self.lookup.reachable
        timing, timed = self.timing[rep], times.timed
        nodes = times.nodes
        best: tuple[int, int] | None = None
        for p in range(len(nodes) - 1):
            a, b = nodes[p], nodes[p + 1]
            if not (reachable[a][v] and reachable[v][b]):
                continue
            delta = cost[a][v] + cost[v][b] - cost[a][b]
            if best is not None and delta >= best[0]:
                continue
            if timing is not None and timed is not None:
                if not timing.insertion_fits(timed, p, v):
                    continue
            elif not self.repairer.fits(rep, [*seq[:p], v, *seq[p:]]):
                continue
            best = (delta, p)
        return best


def regret_construction(
    inst: Instance,
    lookup: Lookup,
    repairer: Repairer,
    visits: list[int],
    params: SolveParams,
    deadline_s: float | None,
) -> list[list[int]]:
    """Best of a few seeded regret-insertion runs (first run without noise)."""
    builder = _Builder(inst, lookup, repairer)
    began = time.perf_counter()
    rng = random.Random(params.seed)  # noqa: S311 - reproducible search noise, not security
    best: tuple[Score, list[list[int]]] | None = None
    for attempt in range(max(1, params.construction_restarts)):
        noise = 0.0 if attempt < 2 else _NOISE
        # Alternate the two orders: regret suits loose days, most-urgent-first suits tight windows.
        routes = _regret_once(builder, visits, rng, noise, by_deadline=attempt % 2 == 1)
        score_now = score(inst, lookup, routes)
        if best is None or score_now < best[0]:
            best = (score_now, routes)
        elapsed = time.perf_counter() - began
        # Stop when another run would overrun the share (runs take about the same time).
        if deadline_s is not None and elapsed * (attempt + 2) / (attempt + 1) > deadline_s:
            break
    assert best is not None
    return best[1]


class Recreator:
    """Re-inserts removed visits into partial routes by regret (the "recreate" of ruin-and-recreate)."""

    def __init__(self, inst: Instance, lookup: Lookup, repairer: Repairer) -> None:
        self.builder = _Builder(inst, lookup, repairer)

    def recreate(
        self,
        routes: list[list[int]],
        removed: list[int],
        rng: random.Random,
        *,
        by_deadline: bool,
        priority_noise: float = 0.0,
    ) -> list[list[int]]:
        """With `priority_noise`, priorities are blurred for the order of insertion (not the score):
        a few lower-priority visits that fit better may then win room from a higher one."""
        return _regret_once(
            self.builder,
            removed,
            rng,
            _NOISE,
            by_deadline=by_deadline,
            start_routes=routes,
            priority_noise=priority_noise,
        )


Score = tuple[int, int, int, int]
# (key, visit, rep, position) of a visit's best insertion; the largest key is placed next.
Choice = tuple[tuple[bool, float, float, int], int, int, int]


def score(inst: Instance, lookup: Lookup, routes: list[list[int]]) -> Score:
    """Lower is better: required/pinned lost, then priority lost, then visits lost, then travel cost."""
    visits = inst.problem.visits
    served = [v for seq in routes for v in seq]
    cost = 0
    for r, seq in enumerate(routes):
        nodes = [inst.start_node(r), *seq, inst.end_node(r)]
        cost += sum(lookup.cost[a][b] for a, b in itertools.pairwise(nodes))
    top = sum(1 for v in served if is_top_tier(visits[v]))
    return (-top, -sum(visits[v].priority for v in served), -len(served), cost)


def _regret_once(
    builder: _Builder,
    visits: list[int],
    rng: random.Random,
    noise: float,
    *,
    by_deadline: bool,
    start_routes: list[list[int]] | None = None,
    priority_noise: float = 0.0,
) -> list[list[int]]:
    inst = builder.inst
    problem_visits = inst.problem.visits
    allowed = builder.repairer.allowed_reps
    routes = [list(seq) for seq in start_routes] if start_routes else [[] for _ in range(inst.n_reps)]
    times = [builder.times(r, routes[r]) for r in range(inst.n_reps)]
    factor = {v: 1.0 + noise * rng.random() for v in visits}
    rank = {
        v: problem_visits[v].priority * (1.0 + priority_noise * rng.random())
        if priority_noise
        else problem_visits[v].priority
        for v in visits
    }
    deadline = {v: builder.lookup.windows[v][-1][1] for v in visits}
    # options[v][r] = (delta, position) or None
    options: dict[int, dict[int, tuple[int, int] | None]] = {
        v: {r: builder.best_position(r, routes[r], times[r], v) for r in allowed[v]} for v in visits
    }
    unrouted = set(visits)
    signature = [rep_signature(rep) for rep in inst.problem.reps]

    def evaluate(v: int) -> Choice | None:
        # Identical empty reps are one option: otherwise every regret would be zero at the start.
        empty_seen: set[object] = set()
        feasible: list[tuple[int, int, int]] = []
        for r, opt in options[v].items():
            if opt is None:
                continue
            if not routes[r]:
                if signature[r] in empty_seen:
                    continue
                empty_seen.add(signature[r])
            feasible.append((opt[0], r, opt[1]))
        if not feasible:
            return None
        feasible.sort()
        best_delta = feasible[0][0]
        regret = sum(c - best_delta for c, _, _ in feasible[1:_REGRET_K])
        if len(feasible) == 1:  # a last chance: place it before others take its room
            regret += _LAST_CHANCE
        urgency = -deadline[v] * factor[v] if by_deadline else regret * factor[v] - best_delta
        key = (is_top_tier(problem_visits[v]), rank[v], urgency, -v)
        return (key, v, feasible[0][1], feasible[0][2])

    # Each visit's choice is kept until an option of it changes (most insertions touch few of them).
    cached: dict[int, Choice | None] = {v: evaluate(v) for v in visits}
    while unrouted:
        choice: Choice | None = None
        for v in unrouted:
            mine = cached[v]
            if mine is not None and (choice is None or mine[0] > choice[0]):
                choice = mine
        if choice is None:
            break
        _, v, rep, position = choice
        was_empty = not routes[rep]
        routes[rep].insert(position, v)
        unrouted.discard(v)
        times[rep] = builder.times(rep, routes[rep])
        for u in unrouted:
            if rep in options[u]:
                old = options[u][rep]
                new = builder.best_position(rep, routes[rep], times[rep], u)
                options[u][rep] = new
                mine = cached[u]
                if (
                    was_empty
                    or (old is None) != (new is None)
                    or (old is not None and new is not None and old[0] != new[0])
                    or (mine is not None and mine[2] == rep)
                ):
                    cached[u] = evaluate(u)
    return routes
