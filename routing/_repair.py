"""Post-search guarantees, checked in plain Python against the exact scheduler.

1. A dropped visit that fits somewhere as the plan stands is inserted (cheapest place).
2. A dropped visit replaces a served one of lower priority when that swap is feasible.
The engine's penalties already aim at both; this makes them hold whatever the search limits were.
"""

from __future__ import annotations

import itertools

from routing._instance import Instance, Lookup
from routing._schedule import RepScheduler
from routing.problem import Visit

# Bound on swap attempts so a huge over-subscribed day cannot stall the post-pass.
MAX_SWAP_ROUNDS = 1000


def is_top_tier(visit: Visit) -> bool:
    """Required visits and appointments come before any priority."""
    return visit.required or visit.pinned is not None


class Repairer:
    def __init__(
        self,
        inst: Instance,
        lookup: Lookup,
        schedulers: list[RepScheduler],
        allowed_reps: list[list[int]],
    ) -> None:
        self.inst = inst
        self.lookup = lookup
        self.schedulers = schedulers
        self.allowed_reps = allowed_reps

    def fits(self, rep: int, seq: list[int]) -> bool:
        spec = self.inst.problem.reps[rep]
        if spec.max_visits is not None and len(seq) > spec.max_visits:
            return False
        if spec.capacity is not None:
            load = sum(self.inst.problem.visits[v].demand for v in seq)
            if load > spec.capacity:
                return False
        return self.schedulers[rep].feasible(seq)

    def keep_feasible(self, rep: int, seq: list[int]) -> list[int]:
        """`seq` when it fits, else the visits kept greedily in order while the route still fits."""
        if self.fits(rep, seq):
            return seq
        kept: list[int] = []
        for v in seq:
            if self.fits(rep, [*kept, v]):
                kept.append(v)
        return kept

    def route_cost(self, rep: int, seq: list[int]) -> int:
        cost = self.lookup.cost
        nodes = [self.inst.start_node(rep), *seq, self.inst.end_node(rep)]
        return sum(cost[a][b] for a, b in itertools.pairwise(nodes))

    def best_insertion(self, routes: list[list[int]], visit: int) -> tuple[int, int] | None:
        """(rep, position) of the cheapest feasible insertion, or None."""
        cost = self.lookup.cost
        best: tuple[int, int, int] | None = None
        for rep in self.allowed_reps[visit]:
            seq = routes[rep]
            nodes = [self.inst.start_node(rep), *seq, self.inst.end_node(rep)]
            options = sorted(
                (cost[nodes[p]][visit] + cost[visit][nodes[p + 1]] - cost[nodes[p]][nodes[p + 1]], p)
                for p in range(len(seq) + 1)
            )
            for delta, position in options:
                if best is not None and delta >= best[0]:
                    break
                if self.fits(rep, [*seq[:position], visit, *seq[position:]]):
                    best = (delta, rep, position)
                    break
        return None if best is None else (best[1], best[2])

    def insert_dropped(self, routes: list[list[int]], dropped: list[int]) -> list[int]:
        """Insert what fits, highest priority first; returns the still dropped visits."""
        visits = self.inst.problem.visits
        still: list[int] = []
        for v in sorted(dropped, key=lambda v: (not is_top_tier(visits[v]), -visits[v].priority, v)):
            place = self.best_insertion(routes, v)
            if place is None:
                still.append(v)
            else:
                rep, position = place
                routes[rep].insert(position, v)
        return still

    def swap_for_priority(self, routes: list[list[int]], dropped: list[int]) -> list[int]:
        """Let a dropped visit take the place of a served one of lower priority when it fits."""
        visits = self.inst.problem.visits
        pending = sorted(dropped, key=lambda v: (not is_top_tier(visits[v]), -visits[v].priority, v))
        still: list[int] = []
        rounds = 0
        while pending and rounds < MAX_SWAP_ROUNDS:
            rounds += 1
            v = pending.pop(0)
            swap = self._lowest_priority_swap(routes, v)
            if swap is None:
                still.append(v)
                continue
            rep, new_seq, out = swap
            routes[rep] = new_seq
            place = self.best_insertion(routes, out)
            if place is None:
                pending.append(out)
                pending.sort(key=lambda u: (not is_top_tier(visits[u]), -visits[u].priority, u))
            else:
                routes[place[0]].insert(place[1], out)
        return still + pending

    def _lowest_priority_swap(self, routes: list[list[int]], v: int) -> tuple[int, list[int], int] | None:
        visits = self.inst.problem.visits
        priority = visits[v].priority
        # A required visit or appointment may displace any ordinary visit; others only lower priorities.
        top = is_top_tier(visits[v])
        victims = sorted(
            (visits[u].priority, u, rep)
            for rep in self.allowed_reps[v]
            for u in routes[rep]
            if not is_top_tier(visits[u]) and (top or visits[u].priority < priority)
        )
        reachable = self.lookup.reachable
        for _, u, rep in victims:
            without = [w for w in routes[rep] if w != u]
            timing = self.schedulers[rep].timing
            spec = self.inst.problem.reps[rep]
            if timing is not None and spec.capacity is None:
                # One break at most, no work cap: each position is decided in O(1) from the route's
                # earliest/latest times (the same rule as the exact scheduler).
                times = timing.times(without)
                nodes = times.nodes
                for position in range(len(without) + 1):
                    if not (reachable[nodes[position]][v] and reachable[v][nodes[position + 1]]):
                        continue
                    if timing.insertion_fits(times, position, v):
                        return rep, [*without[:position], v, *without[position:]], u
                continue
            for position in range(len(without) + 1):
                candidate = [*without[:position], v, *without[position:]]
                if self.fits(rep, candidate):
                    return rep, candidate, u
        return None
