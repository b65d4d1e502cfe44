"""Our own local search on plain visit sequences: relocate (strings of 1-3), swap and 2-opt*.

Each move is priced from the integer cost matrix in O(1); only moves that lower the cost are checked
for time feasibility, in O(1) from the earliest/latest times of `routing._timing` when the reps allow
it (else by the exact check). Candidate positions come from each visit's nearest neighbours (a
granular neighbourhood, as in HGS/PyVRP). The search never drops a visit: served priority is kept,
travel goes down. It is deterministic for a given input and order.
"""

from __future__ import annotations

import random

from routing._instance import Instance, Lookup, rep_signature
from routing._repair import Repairer
from routing._timing import NEVER, RouteTimes, RouteTiming

_NEIGHBOURS = 12
_MAX_STRING = 3


class LocalSearch:
    def __init__(self, inst: Instance, lookup: Lookup, repairer: Repairer, visits: list[int]) -> None:
        self.inst = inst
        self.lookup = lookup
        self.repairer = repairer
        reps = inst.problem.reps
        self.timing = [RouteTiming(inst, lookup, r) for r in range(inst.n_reps)]
        self.fast = [t.fast for t in self.timing]
        sig = [rep_signature(rep) for rep in reps]
        self.same_kind = [[sig[a] == sig[b] for b in range(inst.n_reps)] for a in range(inst.n_reps)]
        self.plain = all(
            rep.capacity is None and rep.max_visits is None for rep in reps
        )  # no load or count limits to check
        self.allowed = [set(a) for a in repairer.allowed_reps]
        cost = lookup.cost
        pool = set(visits)
        self.neighbours: dict[int, list[int]] = {}
        for v in visits:
            near = sorted((cost[v][w] + cost[w][v], w) for w in pool if w != v)
            self.neighbours[v] = [w for _, w in near[:_NEIGHBOURS]]

    # ---- feasibility -------------------------------------------------------------------------------
    def _chain_ok(self, rep: int, times: RouteTimes, p: int, chain: list[int], q_times: RouteTimes, q: int) -> bool:
        """Leaving position p of `times`, visiting `chain`, reaching position q of `q_times` in time."""
        tm = self.timing[rep]
        travel, service = self.lookup.travel_s, self.lookup.service_s
        r0, r1 = times.ready0[p], times.ready1[p]
        prev = times.nodes[p]
        brk = tm.brk
        for node in chain:
            t = travel[prev][node]
            a1 = r1 + t if r1 < NEVER else NEVER
            if brk is not None and r0 < NEVER:
                a1 = min(a1, tm._with_break(r0, t))
            s0 = tm._start_at(node, r0 + t) if r0 < NEVER else NEVER
            s1 = tm._start_at(node, a1) if a1 < NEVER else NEVER
            r0 = s0 + service[node] if s0 < NEVER else NEVER
            r1 = s1 + service[node] if s1 < NEVER else NEVER
            if r0 >= NEVER and r1 >= NEVER:
                return False
            prev = node
        nxt = q_times.nodes[q]
        t = travel[prev][nxt]
        if r1 < NEVER and r1 + t <= q_times.latest1[q]:
            return True
        if r0 >= NEVER:
            return False
        if r0 + t <= q_times.latest0[q]:
            return True
        return brk is not None and tm._with_break(r0, t) <= q_times.latest1[q]

    def _fits(self, rep: int, seq: list[int]) -> bool:
        return all(rep in self.allowed[v] for v in seq) and self.repairer.fits(rep, seq)

    # ---- search ------------------------------------------------------------------------------------
    def descend(self, routes: list[list[int]], rng: random.Random | None = None) -> list[list[int]]:
        routes = [list(seq) for seq in routes]
        n_reps = len(routes)
        times: list[RouteTimes | None] = [
            self.timing[r].times(routes[r]) if self.fast[r] else None for r in range(n_reps)
        ]
        route_of: dict[int, int] = {}
        pos: dict[int, int] = {}

        def index(r: int) -> None:
            for i, v in enumerate(routes[r]):
                route_of[v] = r
                pos[v] = i + 1  # position in nodes (0 is the start depot)

        for r in range(n_reps):
            index(r)

        def apply(changes: dict[int, list[int]]) -> None:
            for r, seq in changes.items():
                routes[r] = seq
                times[r] = self.timing[r].times(seq) if self.fast[r] else None
            for r in changes:
                index(r)

        cost = self.lookup.cost
        order = sorted(route_of)
        improved = True
        rounds = 0
        while improved and rounds < 50:
            improved = False
            rounds += 1
            if rng is not None:
                rng.shuffle(order)
            for u in order:
                if u not in route_of:
                    continue
                if self._improve_visit(u, routes, times, route_of, pos, apply, cost):
                    improved = True
        return routes

    def _improve_visit(self, u, routes, times, route_of, pos, apply, cost) -> bool:  # type: ignore[no-untyped-def]
        ru = route_of[u]
        nodes_u = [self.inst.start_node(ru), *routes[ru], self.inst.end_node(ru)]
        i = pos[u]
        for length in range(1, _MAX_STRING + 1):
            if i + length > len(nodes_u) - 1:
                break
            seg = nodes_u[i : i + length]
            a, b = nodes_u[i - 1], nodes_u[i + length]
            gain = cost[a][seg[0]] + cost[seg[-1]][b] - cost[a][b]
            for w in self.neighbours[u]:
                rw = route_of.get(w)
                if rw is None or w in seg:
                    continue
                nodes_w = nodes_u if rw == ru else [self.inst.start_node(rw), *routes[rw], self.inst.end_node(rw)]
                j = pos[w]
                # insert seg (forward) right after w, or right before w
                for p in (j, j - 1):
                    x, y = nodes_w[p], nodes_w[p + 1]
                    if x in seg or y in seg:
                        continue
                    for chain in (seg, seg[::-1]) if length > 1 else (seg,):
                        delta = cost[x][chain[0]] + cost[chain[-1]][y] - cost[x][y] - gain
                        if delta >= 0:
                            continue
                        if self._try_relocate(ru, i, length, rw, p, chain, routes, times, apply):
                            return True
        # swap u with a neighbour's position
        for w in self.neighbours[u]:
            rw = route_of.get(w)
            if rw is None:
                continue
            nodes_w = nodes_u if rw == ru else [self.inst.start_node(rw), *routes[rw], self.inst.end_node(rw)]
            j = pos[w]
            if rw == ru and abs(j - i) <= 1:
                continue
            a, b = nodes_u[i - 1], nodes_u[i + 1]
            x, y = nodes_w[j - 1], nodes_w[j + 1]
            delta = (
                cost[a][w] + cost[w][b] - cost[a][u] - cost[u][b] + cost[x][u] + cost[u][y] - cost[x][w] - cost[w][y]
            )
            if delta >= 0:
                continue
            if self._try_swap(u, ru, i, w, rw, j, routes, times, apply):
                return True
        # 2-opt*: u's route continues with w's tail (from w), or w's route with u's tail (from u)
        for w in self.neighbours[u]:
            rw = route_of.get(w)
            if rw is None or rw == ru:
                continue
            nodes_w = [self.inst.start_node(rw), *routes[rw], self.inst.end_node(rw)]
            j = pos[w]
            eu, ew = nodes_u[-1], nodes_w[-1]
            for ii, jj in ((i, j - 1), (i - 1, j)):
                tail_u, tail_w = routes[ru][ii:], routes[rw][jj:]
                hu, hw = nodes_u[ii], nodes_w[jj]
                old = cost[hu][tail_u[0] if tail_u else eu] + cost[hw][tail_w[0] if tail_w else ew]
                new = cost[hu][tail_w[0] if tail_w else eu] + cost[hw][tail_u[0] if tail_u else ew]
                if tail_u:
                    old += cost[tail_u[-1]][eu]
                    new += cost[tail_u[-1]][ew]
                if tail_w:
                    old += cost[tail_w[-1]][ew]
                    new += cost[tail_w[-1]][eu]
                if new >= old:
                    continue
                seq_u = routes[ru][:ii] + tail_w
                seq_w = routes[rw][:jj] + tail_u
                if self._fits(ru, seq_u) and self._fits(rw, seq_w):
                    apply({ru: seq_u, rw: seq_w})
                    return True
        return False

    def _try_relocate(self, ru, i, length, rw, p, chain, routes, times, apply) -> bool:  # type: ignore[no-untyped-def]
        seq_u = routes[ru]
        if rw == ru:
            rest = seq_u[: i - 1] + seq_u[i - 1 + length :]
            # p indexes nodes of the old route; map the insertion point into `rest`
            at = p if p < i else p - length
            new = rest[:at] + chain + rest[at:]
            if new == seq_u:
                return False
            tu = times[ru]
            if tu is not None:
                # only the stretch between the two cut points changes: check it against the old times
                if p < i:
                    ok = self._chain_ok(ru, tu, p, chain + seq_u[p : i - 1], tu, i + length)
                else:
                    ok = self._chain_ok(ru, tu, i - 1, seq_u[i - 1 + length : p] + chain, tu, p + 1)
            else:
                ok = self._fits(ru, new)
            if ok:
                apply({ru: new})
            return ok
        if not all(rw in self.allowed[v] for v in chain):
            return False
        tu, tw = times[ru], times[rw]
        if tu is not None and tw is not None and self.plain:
            if not self._chain_ok(ru, tu, i - 1, [], tu, i + length):
                return False
            if not self._chain_ok(rw, tw, p, chain, tw, p + 1):
                return False
            new_u = seq_u[: i - 1] + seq_u[i - 1 + length :]
            new_w = routes[rw][:p] + chain + routes[rw][p:]
            apply({ru: new_u, rw: new_w})
            return True
        new_u = seq_u[: i - 1] + seq_u[i - 1 + length :]
        new_w = routes[rw][:p] + chain + routes[rw][p:]
        if self._fits(rw, new_w) and self._fits(ru, new_u):
            apply({ru: new_u, rw: new_w})
            return True
        return False

    def _try_swap(self, u, ru, i, w, rw, j, routes, times, apply) -> bool:  # type: ignore[no-untyped-def]
        if ru == rw:
            new = list(routes[ru])
            new[i - 1], new[j - 1] = new[j - 1], new[i - 1]
            tu = times[ru]
            if tu is not None:
                lo, hi = min(i, j), max(i, j)
                ok = self._chain_ok(ru, tu, lo - 1, new[lo - 1 : hi], tu, hi + 1)
            else:
                ok = self._fits(ru, new)
            if ok:
                apply({ru: new})
            return ok
        if ru not in self.allowed[w] or rw not in self.allowed[u]:
            return False
        tu, tw = times[ru], times[rw]
        quick = tu is not None and tw is not None and self.plain
        if quick and not (
            self._chain_ok(ru, tu, i - 1, [w], tu, i + 1) and self._chain_ok(rw, tw, j - 1, [u], tw, j + 1)
        ):
            return False
        new_u = list(routes[ru])
        new_w = list(routes[rw])
        new_u[i - 1], new_w[j - 1] = w, u
        if not quick and not (self._fits(ru, new_u) and self._fits(rw, new_w)):
            return False
        apply({ru: new_u, rw: new_w})
        return True
