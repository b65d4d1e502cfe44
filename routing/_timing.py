"""O(1) insertion feasibility from per-position earliest/latest times, for days with at most one break.

A break may interrupt travel or waiting but never service (as in `routing._schedule`). With one break
of window [lo, hi] and duration d, leaving a stop at ``t`` towards a stop ``travel`` away and taking
the break on the way arrives at ``max(t + travel, lo) + d``, allowed when ``max(t, lo) <= hi - d``.
Every step is nondecreasing in time, so earliest departures forward (break not yet taken / already
taken) and latest starts backward (break still to take / already taken) decide an insertion exactly.
A rep with a work-time cap or several breaks is left to the exact scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing._instance import Instance, Lookup

NEVER = 2**62  # an earliest time that does not exist
TOO_LATE = -(2**62)  # a latest time that does not exist


@dataclass(frozen=True)
class BreakSpec:
    lo: int
    last_start: int  # hi - duration
    duration: int


@dataclass
class RouteTimes:
    """Per position of ``nodes`` (start depot, visits..., end depot)."""

    nodes: list[int]
    ready0: list[int]  # earliest departure with the break not taken yet (the only state without a break)
    ready1: list[int]  # earliest departure with the break taken (NEVER when no break or not possible)
    latest0: list[int]  # latest start with the break still to take (or no break at all)
    latest1: list[int]  # latest start with the break already taken


class RouteTiming:
    """Timing of one rep's routes; `fast` is False when only the exact scheduler can decide."""

    def __init__(self, inst: Instance, lookup: Lookup, rep: int) -> None:
        spec = inst.problem.reps[rep]
        self.lookup = lookup
        self.start_node = inst.start_node(rep)
        self.end_node = inst.end_node(rep)
        self.shift_start = spec.shift.start_s
        self.shift_end = spec.shift.end_s
        # A break that fits wholly before the shift starts counts as taken (as the scheduler has it).
        pending = [b for b in spec.breaks if b.window.start_s + b.duration_s > spec.shift.start_s]
        self.fast = spec.max_work_s is None and len(pending) <= 1
        self.brk = (
            BreakSpec(pending[0].window.start_s, pending[0].window.end_s - pending[0].duration_s, pending[0].duration_s)
            if self.fast and pending
            else None
        )

    def start_at(self, node: int, arrival: int) -> int:
        """Start of service at the first window still open on arrival; NEVER if none (or past the shift)."""
        for lo, hi in self.lookup.windows[node]:
            if arrival <= hi:
                start = arrival if arrival > lo else lo
                return start if start <= self.shift_end else NEVER
        return NEVER

    def _latest_start(self, node: int, bound: int) -> int:
        best = TOO_LATE
        bound = min(bound, self.shift_end)
        for lo, hi in self.lookup.windows[node]:
            if lo <= bound:
                best = max(best, min(hi, bound))
        return best

    def with_break(self, depart: int, travel: int) -> int:
        """Arrival when the break is taken on the way, NEVER when it cannot be."""
        brk = self.brk
        assert brk is not None
        if depart >= NEVER or max(depart, brk.lo) > brk.last_start:
            return NEVER
        return max(depart + travel, brk.lo) + brk.duration

    def times(self, seq: list[int]) -> RouteTimes:
        travel, service = self.lookup.travel_s, self.lookup.service_s
        nodes = [self.start_node, *seq, self.end_node]
        m = len(nodes)
        ready0 = [self.shift_start]
        ready1 = [NEVER]
        for k in range(1, m - 1):
            prev, node = nodes[k - 1], nodes[k]
            t = travel[prev][node]
            r0, r1 = ready0[-1], ready1[-1]
            s0 = self.start_at(node, r0 + t) if r0 < NEVER else NEVER
            a1 = r1 + t if r1 < NEVER else NEVER
            if self.brk is not None:
                a1 = min(a1, self.with_break(r0, t))
            s1 = self.start_at(node, a1) if a1 < NEVER else NEVER
            ready0.append(s0 + service[node] if s0 < NEVER else NEVER)
            ready1.append(s1 + service[node] if s1 < NEVER else NEVER)
        latest0 = [TOO_LATE] * m
        latest1 = [TOO_LATE] * m
        latest1[-1] = self.shift_end
        latest0[-1] = self.shift_end if self.brk is None else min(self.shift_end, self.brk.last_start)
        for k in range(m - 2, 0, -1):
            node, nxt = nodes[k], nodes[k + 1]
            t = travel[node][nxt]
            s = service[node]
            bound1 = latest1[k + 1] - t - s
            bound0 = latest0[k + 1] - t - s
            if self.brk is not None and self.brk.lo + self.brk.duration <= latest1[k + 1]:
                bound0 = max(bound0, min(latest1[k + 1] - t - self.brk.duration, self.brk.last_start) - s)
            latest1[k] = self._latest_start(node, bound1)
            latest0[k] = self._latest_start(node, bound0) if self.brk is not None else latest1[k]
        return RouteTimes(nodes=nodes, ready0=ready0, ready1=ready1, latest0=latest0, latest1=latest1)

    def feasible(self, seq: list[int]) -> bool:
        """Whether the route fits (only for `fast` reps): one forward pass, stopping at the first miss."""
        travel, service, reachable = self.lookup.travel_s, self.lookup.service_s, self.lookup.reachable
        windows = self.lookup.windows
        shift_end = self.shift_end
        brk = self.brk
        prev = self.start_node
        r0, r1 = self.shift_start, NEVER
        for node in seq:
            if not reachable[prev][node]:
                return False
            t = travel[prev][node]
            a1 = r1 + t if r1 < NEVER else NEVER
            if brk is not None and r0 < NEVER and max(r0, brk.lo) <= brk.last_start:
                a1 = min(a1, max(r0 + t, brk.lo) + brk.duration)
            a0 = r0 + t if r0 < NEVER else NEVER
            r0 = r1 = NEVER
            for lo, hi in windows[node]:
                if a0 <= hi:
                    start = a0 if a0 > lo else lo
                    if start <= shift_end:
                        r0 = start + service[node]
                    break
            if a1 < NEVER:
                for lo, hi in windows[node]:
                    if a1 <= hi:
                        start = a1 if a1 > lo else lo
                        if start <= shift_end:
                            r1 = start + service[node]
                        break
            if r0 >= NEVER and r1 >= NEVER:
                return False
            prev = node
        end = self.end_node
        if not reachable[prev][end]:
            return False
        t = travel[prev][end]
        if r1 < NEVER and r1 + t <= shift_end:
            return True
        if r0 >= NEVER:
            return False
        if brk is None:
            return r0 + t <= shift_end
        if r0 + t <= min(shift_end, brk.last_start):
            return True  # break after the end
        return self.with_break(r0, t) <= shift_end

    def insertion_fits(self, times: RouteTimes, p: int, v: int) -> bool:
        """Whether visit `v` fits between positions p and p+1 of the timed route (reachability aside)."""
        travel, service = self.lookup.travel_s, self.lookup.service_s
        a, b = times.nodes[p], times.nodes[p + 1]
        t1, t2 = travel[a][v], travel[v][b]
        sv = service[v]
        r1 = times.ready1[p]
        if r1 < NEVER:
            start = self.start_at(v, r1 + t1)
            if start < NEVER and start + sv + t2 <= times.latest1[p + 1]:
                return True
        r0 = times.ready0[p]
        if r0 >= NEVER:
            return False
        start = self.start_at(v, r0 + t1)
        if start < NEVER:
            depart = start + sv
            if depart + t2 <= times.latest0[p + 1]:
                return True
            if self.brk is not None and self.with_break(depart, t2) <= times.latest1[p + 1]:
                return True
        if self.brk is not None:
            arrival = self.with_break(r0, t1)
            if arrival < NEVER:
                start = self.start_at(v, arrival)
                if start < NEVER and start + sv + t2 <= times.latest1[p + 1]:
                    return True
        return False
