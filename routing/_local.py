"""Our own local search on plain visit sequences: relocate (strings of 1-3), swap and 2-opt*.

Each move is priced from the integer cost matrix in O(1); only moves that lower the cost are checked
for time feasibility, in O(1) (or the length of the changed stretch) from the earliest/latest times of
`routing._timing` when the reps allow it, else by the exact check. Candidate positions come from each
visit's nearest neighbours (a granular neighbourhood, as in HGS/PyVRP). The search never drops a
visit: served priority is kept, travel goes down. It is deterministic for a given input and seed.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field

from routing._instance import Instance, Lookup, rep_signature
from routing._repair import Repairer, is_top_tier
from routing._timing import NEVER, RouteTimes, RouteTiming

_NEIGHBOURS = 12
_MAX_STRING = 3
# A small day (one rep's 30-40 visits) affords a wider neighbourhood and longer strings: measured
# better there, worse on 100-visit fleets at the same time.
_SMALL_DAY = 60
_SMALL_NEIGHBOURS = 20
_SMALL_MAX_STRING = 6
_MAX_MOVES = 100_000
# Longest string of ordinary visits an appointment left out may displace.
_ROOM_STRING = 4
_SELECT = True  # a guard; a descent ends long before


@dataclass
class _State:
    routes: list[list[int]]
    nodes: list[list[int]] = field(default_factory=list)  # start depot, visits..., end depot
    times: list[RouteTimes | None] = field(default_factory=list)
    loads: list[int] = field(default_factory=list)
    route_of: dict[int, int] = field(default_factory=dict)
    pos: dict[int, int] = field(default_factory=dict)  # position in nodes (0 is the start depot)
    changed: list[int] = field(default_factory=list)


class LocalSearch:
    def __init__(
        self, inst: Instance, lookup: Lookup, repairer: Repairer, visits: list[int], deadline: float | None = None
    ) -> None:
        self.inst = inst
        # `time.perf_counter()` by which the run must end: the wider selection moves stop there.
        self.deadline = deadline
        self.lookup = lookup
        self.repairer = repairer
        self.visits = list(visits)
        self.priority = [v.priority for v in inst.problem.visits]
        self.top_tier = [is_top_tier(v) for v in inst.problem.visits]
        reps = inst.problem.reps
        self.timing = [RouteTiming(inst, lookup, r) for r in range(inst.n_reps)]
        sig = [rep_signature(rep) for rep in reps]
        self.same_kind = [[sig[a] == sig[b] for b in range(inst.n_reps)] for a in range(inst.n_reps)]
        self.capacity = [rep.capacity for rep in reps]
        self.max_visits = [rep.max_visits for rep in reps]
        self.demand = [v.demand for v in inst.problem.visits]
        self.allowed = [set(a) for a in repairer.allowed_reps]
        self.anywhere = all(len(self.allowed[v]) == inst.n_reps for v in visits)
        self.unlimited = all(c is None for c in self.capacity) and all(m is None for m in self.max_visits)
        small = len(visits) <= _SMALL_DAY
        self.max_string = _SMALL_MAX_STRING if small else _MAX_STRING
        n_near = _SMALL_NEIGHBOURS if small else _NEIGHBOURS
        cost = lookup.cost
        self.asymmetric = any(cost[a][b] != cost[b][a] for a in visits for b in visits)
        pool = set(visits)
        self.neighbours: dict[int, list[int]] = {}
        for v in visits:
            near = sorted((cost[v][w] + cost[w][v], w) for w in pool if w != v)
            self.neighbours[v] = [w for _, w in near[:n_near]]

    # ---- state -------------------------------------------------------------------------------------
    def _set(self, st: _State, r: int, seq: list[int]) -> None:
        st.routes[r] = seq
        st.nodes[r] = [self.inst.start_node(r), *seq, self.inst.end_node(r)]
        timing = self.timing[r]
        st.times[r] = timing.times(seq) if timing.fast else None
        st.loads[r] = sum(self.demand[v] for v in seq)
        for i, v in enumerate(seq):
            st.route_of[v] = r
            st.pos[v] = i + 1

    def _apply(self, st: _State, changes: dict[int, list[int]]) -> None:
        for r, seq in changes.items():
            self._set(st, r, seq)
        st.changed.extend(changes)

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
                a1 = min(a1, tm.with_break(r0, t))
            s0 = tm.start_at(node, r0 + t) if r0 < NEVER else NEVER
            s1 = tm.start_at(node, a1) if a1 < NEVER else NEVER
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
        return brk is not None and tm.with_break(r0, t) <= q_times.latest1[q]

    def _room(self, st: _State, rep: int, added: list[int], removed: list[int]) -> bool:
        """Capacity and visit count of the rep after adding and removing visits."""
        if self.unlimited:
            return True
        most = self.max_visits[rep]
        if most is not None and len(st.routes[rep]) + len(added) - len(removed) > most:
            return False
        cap = self.capacity[rep]
        if cap is not None:
            demand = self.demand
            load = st.loads[rep] + sum(demand[v] for v in added) - sum(demand[v] for v in removed)
            if load > cap:
                return False
        return True

    def _allowed(self, rep: int, seq: list[int]) -> bool:
        if self.anywhere:
            return True
        allowed = self.allowed
        return all(rep in allowed[v] for v in seq)

    def _fits(self, rep: int, seq: list[int]) -> bool:
        return self._allowed(rep, seq) and self.repairer.fits(rep, seq)

    # ---- search ------------------------------------------------------------------------------------
    def descend(
        self,
        routes: list[list[int]],
        rng: random.Random | None = None,
        focus: set[int] | None = None,
        *,
        select: bool = False,
    ) -> list[list[int]]:
        """A local optimum near `routes`; with `focus`, the search starts from those visits only.

        With `select`, visits left out are brought in at each local optimum (insert, or replace a
        served visit of lower priority) and the descent goes on: served priority can only grow."""
        n_reps = len(routes)
        st = _State(routes=[[] for _ in range(n_reps)], nodes=[[] for _ in range(n_reps)])
        st.times = [None] * n_reps
        st.loads = [0] * n_reps
        for r, seq in enumerate(routes):
            self._set(st, r, list(seq))
        # A work list: a visit is looked at again only after a route near it changed.
        queue = sorted(st.route_of) if focus is None else sorted(v for v in focus if v in st.route_of)
        if rng is not None:
            rng.shuffle(queue)
        queued = set(queue)
        moves = 0
        deadline = self.deadline
        while moves < _MAX_MOVES:
            while queue and moves < _MAX_MOVES:
                if deadline is not None and time.perf_counter() >= deadline:
                    return st.routes  # out of time: what is here is feasible
                u = queue.pop()
                queued.discard(u)
                st.changed.clear()
                if self._improve_visit(st, u):
                    moves += 1
                    for r in st.changed:
                        for v in st.routes[r]:
                            for w in (v, *self.neighbours[v]):
                                if w not in queued and w in st.route_of:
                                    queued.add(w)
                                    queue.append(w)
            # At a local optimum on travel: bring in visits left out (insert, or replace a served
            # visit of lower priority), then descend again around what changed.
            st.changed.clear()
            if not (select and self._select(st)):
                break
            moves += 1
            for r in st.changed:
                for v in st.routes[r]:
                    if v not in queued:
                        queued.add(v)
                        queue.append(v)
        return st.routes

    # ---- selection: which visits are served -------------------------------------------------------
    def _select(self, st: _State) -> bool:
        """The best move that serves more priority: insert a left-out visit, or let it replace a served
        visit of lower priority (at that visit's place or next to a neighbour). True if one was made."""
        cost = self.lookup.cost
        priority = self.priority
        left_out = [v for v in self.visits if v not in st.route_of]
        if not left_out:
            return False
        left_out.sort(key=lambda v: (-self.top_tier[v], -priority[v], v))
        for u in left_out:
            options: list[tuple[int, int, int, int, int]] = []  # (-gain, delta, rep, cut, place)
            for r in self.allowed[u] if not self.anywhere else range(len(st.routes)):
                nodes = st.nodes[r]
                # Insertion after every position (a route is short; O(1) each).
                for p in range(len(nodes) - 1):
                    a, b = nodes[p], nodes[p + 1]
                    options.append((-priority[u], cost[a][u] + cost[u][b] - cost[a][b], r, -1, p))
                # Replacement of a served visit of lower priority (never an appointment).
                for i in range(1, len(nodes) - 1):
                    w = nodes[i]
                    if self.top_tier[w] or (priority[w] >= priority[u] and not self.top_tier[u]):
                        continue
                    a, b = nodes[i - 1], nodes[i + 1]
                    out = cost[a][w] + cost[w][b]
                    gain = priority[u] - priority[w]
                    options.append((-gain, cost[a][u] + cost[u][b] - out, r, i, i - 1))
            options.sort()
            for _, _, r, cut, place in options:
                if self._try_select(st, u, r, cut, place):
                    return True
            if not self.anywhere and self._hand_off(st, u):
                return True
            if self.top_tier[u] and self._make_room(st, u):
                return True
        return False

    def _hand_off(self, st: _State, u: int) -> bool:
        """Serve a left-out visit on a rep it is allowed, in the place of a visit w that goes to another
        rep (inserted, or replacing a visit of lower priority than u's): with skills, the rep who may do
        more takes the visit only it may do and hands on one anyone may do. The best gain is made."""
        priority, top = self.priority, self.top_tier
        best: tuple[int, dict[int, list[int]], int | None] | None = None
        for r in self.allowed[u]:
            for w in list(st.routes[r]):
                if self.deadline is not None and time.perf_counter() >= self.deadline:
                    break  # out of time: the best trade found so far is still made
                others = [r2 for r2 in self.allowed[w] if r2 != r]
                if top[w] or not others or not self._room(st, r, [u], [w]):
                    continue
                new = self._insert_without(r, st.routes[r], w, u)
                if new is None:
                    continue
                for r2 in others:
                    seq2 = st.routes[r2]
                    if self._room(st, r2, [w], []):
                        new2 = self._insert_without(r2, seq2, None, w)
                        if new2 is not None:
                            self._apply(st, {r: new, r2: new2})  # all of u's priority: nothing better
                            return True
                    for x in sorted(seq2, key=lambda v: priority[v]):
                        gain = priority[u] - priority[x]
                        if gain <= 0 or (best is not None and gain <= best[0]):
                            break
                        if top[x] or not self._room(st, r2, [w], [x]):
                            continue
                        new2 = self._insert_without(r2, seq2, x, w)
                        if new2 is not None:
                            best = (gain, {r: new, r2: new2}, x)
                            break
        if best is None:
            return False
        _, changes, out = best
        if out is not None:
            st.route_of.pop(out, None)
            st.pos.pop(out, None)
        self._apply(st, changes)
        return True

    def _insert_without(self, r: int, seq: list[int], w: int | None, u: int) -> list[int] | None:
        """Rep r's route with w (if any) taken out and u put in at the first place it fits (None: nowhere)."""
        without = seq if w is None else [v for v in seq if v != w]
        timing = self.timing[r]
        times = timing.times(without) if timing.fast else None
        for place in range(len(without) + 1):
            new = [*without[:place], u, *without[place:]]
            if self._chain_ok(r, times, place, [u], times, place + 1) if times is not None else self._fits(r, new):
                return new
        return None

    def _make_room(self, st: _State, u: int) -> bool:
        """An appointment (or required visit) that fits nowhere takes the place of a short string of
        ordinary visits: the string of least priority (then least travel) whose removal lets it in."""
        cost = self.lookup.cost
        best: tuple[int, int, int, list[int]] | None = None
        for r in self.allowed[u] if not self.anywhere else range(len(st.routes)):
            seq = st.routes[r]
            for first in range(len(seq)):
                for length in range(1, _ROOM_STRING + 1):
                    out = seq[first : first + length]
                    if first + length > len(seq) or any(self.top_tier[w] for w in out):
                        break
                    lost = sum(self.priority[w] for w in out)
                    if best is not None and lost > best[0]:
                        break
                    rest = [*seq[:first], *seq[first + length :]]
                    for at in range(max(0, first - 1), min(len(rest), first + 1) + 1):
                        new = [*rest[:at], u, *rest[at:]]
                        nodes = [self.inst.start_node(r), *new, self.inst.end_node(r)]
                        travel = sum(cost[a][b] for a, b in itertools.pairwise(nodes))
                        if (best is None or (lost, travel) < (best[0], best[1])) and self._fits(r, new):
                            best = (lost, travel, r, new)
        if best is None:
            return False
        _, _, r, new = best
        for w in st.routes[r]:
            if w not in new:
                st.route_of.pop(w, None)
                st.pos.pop(w, None)
        self._apply(st, {r: new})
        return True

    def _try_select(self, st: _State, u: int, r: int, cut: int, place: int) -> bool:
        seq = st.routes[r]
        removed = [] if cut < 0 else [seq[cut - 1]]
        if not self._room(st, r, [u], removed):
            return False
        times = st.times[r]
        if cut < 0:
            new = [*seq[:place], u, *seq[place:]]
            ok = self._chain_ok(r, times, place, [u], times, place + 1) if times is not None else self._fits(r, new)
        else:
            new = [*seq[: cut - 1], u, *seq[cut:]]
            ok = self._chain_ok(r, times, cut - 1, [u], times, cut + 1) if times is not None else self._fits(r, new)
        if ok:
            if removed:
                st.route_of.pop(removed[0], None)
                st.pos.pop(removed[0], None)
            self._apply(st, {r: new})
        return ok

    def _improve_visit(self, st: _State, u: int) -> bool:
        return self._relocate(st, u) or self._swap(st, u) or self._two_opt(st, u) or self._two_opt_star(st, u)

    def _two_opt(self, st: _State, u: int) -> bool:
        """Reverse the stretch between u and a neighbour on its route, making them adjacent."""
        cost = self.lookup.cost
        ru = st.route_of[u]
        nodes = st.nodes[ru]
        i = st.pos[u]
        last = len(nodes) - 2  # position of the last visit
        pairs = [sorted((i, st.pos[w])) for w in self.neighbours[u] if st.route_of.get(w) == ru]
        pairs += [[0, i], [i - 1, last]]  # the whole stretch from the start to u, or from u to the end
        for a, b in pairs:
            if b <= a + 1:
                continue
            # nodes[a] -> nodes[b] ... nodes[a+1] -> nodes[b+1]
            delta = cost[nodes[a]][nodes[b]] + cost[nodes[a + 1]][nodes[b + 1]]
            delta -= cost[nodes[a]][nodes[a + 1]] + cost[nodes[b]][nodes[b + 1]]
            if delta >= 0 and not self.asymmetric:
                continue
            stretch = nodes[a + 1 : b + 1]
            inner = sum(cost[x][y] for x, y in itertools.pairwise(stretch))
            inner_rev = sum(cost[y][x] for x, y in itertools.pairwise(stretch))
            if delta + inner_rev - inner >= 0:
                continue
            tu = st.times[ru]
            new = st.routes[ru][:a] + stretch[::-1] + st.routes[ru][b:]
            ok = self._chain_ok(ru, tu, a, stretch[::-1], tu, b + 1) if tu is not None else self._fits(ru, new)
            if ok:
                self._apply(st, {ru: new})
                return True
        return False

    def _relocate(self, st: _State, u: int) -> bool:
        cost = self.lookup.cost
        ru = st.route_of[u]
        nodes_u = st.nodes[ru]
        i = st.pos[u]
        last = len(nodes_u) - 1
        for length in range(1, self.max_string + 1):
            if i + length > last:
                break
            seg = nodes_u[i : i + length]
            a, b = nodes_u[i - 1], nodes_u[i + length]
            gain = cost[a][seg[0]] + cost[seg[-1]][b] - cost[a][b]
            chains = (seg, seg[::-1]) if length > 1 else (seg,)
            for w in self.neighbours[u]:
                rw = st.route_of.get(w)
                if rw is None:
                    continue
                j = st.pos[w]
                if rw == ru and i <= j < i + length:
                    continue
                nodes_w = st.nodes[rw]
                for p in (j, j - 1):  # right after w, or right before it
                    if rw == ru and i - 1 <= p < i + length:
                        continue  # an end of the gap lies in the string (or it stays in place)
                    x, y = nodes_w[p], nodes_w[p + 1]
                    base = cost[x][y] + gain
                    for chain in chains:
                        if cost[x][chain[0]] + cost[chain[-1]][y] >= base:
                            continue
                        if self._try_relocate(st, ru, i, length, rw, p, chain):
                            return True
        return False

    def _try_relocate(self, st: _State, ru: int, i: int, length: int, rw: int, p: int, chain: list[int]) -> bool:
        seq_u = st.routes[ru]
        tu = st.times[ru]
        if rw == ru:
            rest = seq_u[: i - 1] + seq_u[i - 1 + length :]
            at = p if p < i else p - length  # the gap's place once the string is out
            new = rest[:at] + chain + rest[at:]
            if tu is not None:
                # only the stretch between the two cut points changes: check it against the old times
                if p < i:
                    ok = self._chain_ok(ru, tu, p, chain + seq_u[p : i - 1], tu, i + length)
                else:
                    ok = self._chain_ok(ru, tu, i - 1, seq_u[i - 1 + length : p] + chain, tu, p + 1)
            else:
                ok = self._fits(ru, new)
            if ok:
                self._apply(st, {ru: new})
            return ok
        if not self._allowed(rw, chain) or not self._room(st, rw, chain, []):
            return False
        tw = st.times[rw]
        new_u = seq_u[: i - 1] + seq_u[i - 1 + length :]
        new_w = st.routes[rw][:p] + chain + st.routes[rw][p:]
        if tu is not None and tw is not None:
            ok = self._chain_ok(ru, tu, i - 1, [], tu, i + length) and self._chain_ok(rw, tw, p, chain, tw, p + 1)
        else:
            ok = self._fits(rw, new_w) and self._fits(ru, new_u)
        if ok:
            self._apply(st, {ru: new_u, rw: new_w})
        return ok

    def _swap(self, st: _State, u: int) -> bool:
        cost = self.lookup.cost
        ru = st.route_of[u]
        nodes_u = st.nodes[ru]
        i = st.pos[u]
        a, b = nodes_u[i - 1], nodes_u[i + 1]
        out_u = cost[a][u] + cost[u][b]
        for w in self.neighbours[u]:
            rw = st.route_of.get(w)
            if rw is None:
                continue
            j = st.pos[w]
            if rw == ru and abs(j - i) <= 1:
                continue
            nodes_w = st.nodes[rw]
            x, y = nodes_w[j - 1], nodes_w[j + 1]
            delta = cost[a][w] + cost[w][b] - out_u + cost[x][u] + cost[u][y] - cost[x][w] - cost[w][y]
            if delta < 0 and self._try_swap(st, u, ru, i, w, rw, j):
                return True
        return False

    def _try_swap(self, st: _State, u: int, ru: int, i: int, w: int, rw: int, j: int) -> bool:
        tu, tw = st.times[ru], st.times[rw]
        if ru == rw:
            new = list(st.routes[ru])
            new[i - 1], new[j - 1] = new[j - 1], new[i - 1]
            if tu is not None:
                lo, hi = min(i, j), max(i, j)
                ok = self._chain_ok(ru, tu, lo - 1, new[lo - 1 : hi], tu, hi + 1)
            else:
                ok = self._fits(ru, new)
            if ok:
                self._apply(st, {ru: new})
            return ok
        if ru not in self.allowed[w] or rw not in self.allowed[u]:
            return False
        if not (self._room(st, ru, [w], [u]) and self._room(st, rw, [u], [w])):
            return False
        new_u = list(st.routes[ru])
        new_w = list(st.routes[rw])
        new_u[i - 1], new_w[j - 1] = w, u
        if tu is not None and tw is not None:
            ok = self._chain_ok(ru, tu, i - 1, [w], tu, i + 1) and self._chain_ok(rw, tw, j - 1, [u], tw, j + 1)
        else:
            ok = self._fits(ru, new_u) and self._fits(rw, new_w)
        if ok:
            self._apply(st, {ru: new_u, rw: new_w})
        return ok

    def _two_opt_star(self, st: _State, u: int) -> bool:
        """u's route goes on with w's tail (from w), or w's route with u's tail (from u)."""
        cost = self.lookup.cost
        ru = st.route_of[u]
        nodes_u = st.nodes[ru]
        i = st.pos[u]
        eu = nodes_u[-1]
        for w in self.neighbours[u]:
            rw = st.route_of.get(w)
            if rw is None or rw == ru:
                continue
            nodes_w = st.nodes[rw]
            j = st.pos[w]
            ew = nodes_w[-1]
            for ii, jj in ((i, j - 1), (i - 1, j)):  # cut after these positions
                hu, hw = nodes_u[ii], nodes_w[jj]
                nu, nw = nodes_u[ii + 1], nodes_w[jj + 1]  # first of each tail (or the end depot)
                tail_u, tail_w = nu != eu, nw != ew
                old = cost[hu][nu] + cost[hw][nw]
                new = cost[hu][nw if tail_w else eu] + cost[hw][nu if tail_u else ew]
                if tail_u:
                    lu = nodes_u[-2]
                    old += cost[lu][eu]
                    new += cost[lu][ew]
                if tail_w:
                    lw = nodes_w[-2]
                    old += cost[lw][ew]
                    new += cost[lw][eu]
                if new >= old:
                    continue
                if self._try_two_opt_star(st, ru, ii, rw, jj):
                    return True
        return False

    def _try_two_opt_star(self, st: _State, ru: int, ii: int, rw: int, jj: int) -> bool:
        tail_u, tail_w = st.routes[ru][ii:], st.routes[rw][jj:]
        seq_u = st.routes[ru][:ii] + tail_w
        seq_w = st.routes[rw][:jj] + tail_u
        if not (self._allowed(ru, tail_w) and self._allowed(rw, tail_u)):
            return False
        if not (self._room(st, ru, tail_w, tail_u) and self._room(st, rw, tail_u, tail_w)):
            return False
        tu, tw = st.times[ru], st.times[rw]
        if tu is not None and tw is not None and self.same_kind[ru][rw]:
            # Same shift, break and depots: each head meets the other's tail as timed there.
            ok = self._chain_ok(ru, tu, ii, [], tw, jj + 1) and self._chain_ok(rw, tw, jj, [], tu, ii + 1)
        else:
            ok = self._fits(ru, seq_u) and self._fits(rw, seq_w)
        if ok:
            self._apply(st, {ru: seq_u, rw: seq_w})
        return ok
