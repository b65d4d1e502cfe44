"""Exact timing of a fixed visit sequence for one rep: the earliest feasible schedule, with breaks.

Semantics shared with the engine: waiting is allowed anywhere; a break may interrupt travel or
waiting but never service; a break not taken during the route lies wholly before its start or
after its end. Earlier is never worse, so keeping the earliest time per set of breaks taken is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

from routing._instance import Instance, Lookup
from routing._timing import RouteTiming


@dataclass(frozen=True)
class Timed:
    """A feasible timing: per stop (arrival, start, end); breaks taken inside the route."""

    start_s: int
    end_s: int
    stops: list[tuple[int, int, int]]
    breaks: list[tuple[int, int]]


@lru_cache(maxsize=256)
def _break_orders(remaining: tuple[int, ...]) -> list[tuple[int, ...]]:
    orders: list[tuple[int, ...]] = [()]
    for size in range(1, len(remaining) + 1):
        orders.extend(permutations(remaining, size))
    return orders


class RepScheduler:
    """Times sequences for one rep (one shift, its breaks, its start and end nodes)."""

    def __init__(self, inst: Instance, lookup: Lookup, rep_index: int) -> None:
        rep = inst.problem.reps[rep_index]
        self.lookup = lookup
        self.start_node = inst.start_node(rep_index)
        self.end_node = inst.end_node(rep_index)
        self.shift_start_s = rep.shift.start_s
        self.shift_end_s = rep.shift.end_s
        self.max_work_s = rep.max_work_s
        self.breaks = [(b.window.start_s, b.window.end_s, b.duration_s) for b in rep.breaks]
        timing = RouteTiming(inst, lookup, rep_index)
        self.timing = timing if timing.fast else None

    def feasible(self, seq: list[int]) -> bool:
        if self.timing is not None:  # one break at most and no work cap: a linear pass decides
            return self.timing.feasible(seq)
        return self.timed(seq, minimise_span=False) is not None

    def timed(self, seq: list[int], *, minimise_span: bool = True) -> Timed | None:
        """The schedule of `seq`; with `minimise_span`, departs as late as keeps the day shortest."""
        best = self._from(self.shift_start_s, seq)
        if best is None:
            return None
        if not minimise_span and (self.max_work_s is None or best.end_s - best.start_s <= self.max_work_s):
            return best
        for t0 in self._departure_candidates(seq):
            other = self._from(t0, seq)
            if other is not None and other.end_s - other.start_s < best.end_s - best.start_s:
                best = other
        if self.max_work_s is not None and best.end_s - best.start_s > self.max_work_s:
            return None
        return best

    def _departure_candidates(self, seq: list[int]) -> list[int]:
        """Departures that make the rep arrive just as some window opens (no waiting before it)."""
        travel, service, windows = self.lookup.travel_s, self.lookup.service_s, self.lookup.windows
        out: set[int] = set()
        offset, prev = 0, self.start_node
        for node in seq:
            offset += travel[prev][node]
            for lo, _ in windows[node]:
                t0 = lo - offset
                if self.shift_start_s < t0 <= self.shift_end_s:
                    out.add(t0)
            offset += service[node]
            prev = node
        return sorted(out)

    def _from(self, t0: int, seq: list[int]) -> Timed | None:
        travel, service, windows = self.lookup.travel_s, self.lookup.service_s, self.lookup.windows
        reachable = self.lookup.reachable
        n_breaks = len(self.breaks)
        # state: mask of breaks done -> (ready time, back-pointer)
        initial = 0
        for b, (lo, _hi, dur) in enumerate(self.breaks):
            if lo + dur <= t0:  # fits wholly before departure
                initial |= 1 << b
        states: dict[int, tuple[int, int]] = {initial: (t0, -1)}
        history: list[dict[int, tuple[int, int, int, int, tuple[tuple[int, int], ...]]]] = []
        prev = self.start_node
        for node in [*seq, self.end_node]:
            if not reachable[prev][node]:
                return None
            is_end = node == self.end_node
            step: dict[int, tuple[int, int, int, int, tuple[tuple[int, int], ...]]] = {}
            for mask, (ready, _) in states.items():
                remaining = tuple(b for b in range(n_breaks) if not mask >> b & 1)
                for order in _break_orders(remaining):
                    clock, rem, taken = ready, travel[prev][node], []
                    ok = True
                    for b in order:
                        lo, hi, dur = self.breaks[b]
                        x = max(clock, lo)
                        if x + dur > hi:
                            ok = False
                            break
                        rem -= min(rem, x - clock)
                        clock = x + dur
                        taken.append((x, x + dur))
                    if not ok:
                        continue
                    arrival = clock + rem
                    if is_end:
                        start = arrival
                        if start > self.shift_end_s:
                            continue
                        done = arrival
                    else:
                        start = -1
                        for lo, hi in windows[node]:
                            if arrival <= hi:
                                start = max(arrival, lo)
                                break
                        if start < 0 or start > self.shift_end_s:
                            continue
                        done = start + service[node]
                    new_mask = mask
                    for b in order:
                        new_mask |= 1 << b
                    if new_mask not in step or done < step[new_mask][3]:
                        step[new_mask] = (mask, arrival, start, done, tuple(taken))
            if not step:
                return None
            history.append(step)
            states = {m: (entry[3], entry[0]) for m, entry in step.items()}
            prev = node
        # Breaks never taken must fit after the route's end.
        final = None
        for mask, (end_s, _) in sorted(states.items(), key=lambda item: item[1][0]):
            leftover_ok = all(
                self.breaks[b][1] - self.breaks[b][2] >= end_s for b in range(n_breaks) if not mask >> b & 1
            )
            if leftover_ok:
                final = mask
                break
        if final is None:
            return None
        stops: list[tuple[int, int, int]] = []
        breaks: list[tuple[int, int]] = []
        mask = final
        end_s = history[-1][mask][1]
        for entries in reversed(history):
            prev_mask, arrival, start, done, taken_here = entries[mask]
            stops.append((arrival, start, done))
            breaks.extend(taken_here)
            mask = prev_mask
        stops.reverse()
        breaks.sort()
        return Timed(start_s=t0, end_s=end_s, stops=stops[:-1], breaks=breaks)
