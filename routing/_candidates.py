"""Which reps could serve each visit at all, and, for visits no rep could, the reason why.

Reasons are tested in a fixed order: unreachable, skills, capacity, time_window, shift. A visit that
passes them all fits into some rep's day on its own; if it is left out later, the reason is priority.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from routing._instance import Instance, Lookup, rep_signature
from routing._schedule import RepScheduler
from routing.problem import Rep, Visit
from routing.solution import Reason


@dataclass(frozen=True)
class Candidates:
    allowed_reps: list[list[int]]  # per visit: reps that can serve it alone (empty when excluded)
    excluded: dict[int, Reason]  # visit index -> why no rep can serve it


def rep_may_serve(rep: Rep, visit: Visit) -> bool:
    """Skills, the visit's allowed reps and a pinned rep all agree."""
    if visit.reps is not None and rep.id not in visit.reps:
        return False
    if visit.pinned is not None and visit.pinned.rep != rep.id:
        return False
    return set(visit.skills) <= set(rep.skills)


def find_candidates(inst: Instance, lookup: Lookup, schedulers: list[RepScheduler]) -> Candidates:
    problem = inst.problem
    signature = [rep_signature(rep) for rep in problem.reps]
    cache: dict[tuple[object, int], bool] = {}

    def alone_fits(r: int, v: int) -> bool:
        """Whether the visit fits the rep's day on its own; computed once per kind of rep."""
        key = (signature[r], v)
        if key not in cache:
            cache[key] = schedulers[r].feasible([v])
        return cache[key]

    allowed_reps: list[list[int]] = []
    excluded: dict[int, Reason] = {}
    for v, visit in enumerate(problem.visits):
        reason, reps = _classify(inst, lookup, alone_fits, v, visit)
        allowed_reps.append(reps)
        if reason is not None:
            excluded[v] = reason
    return Candidates(allowed_reps=allowed_reps, excluded=excluded)


def _classify(
    inst: Instance, lookup: Lookup, alone_fits: Callable[[int, int], bool], v: int, visit: Visit
) -> tuple[Reason | None, list[int]]:
    reps = inst.problem.reps

    def reaches(r: int) -> bool:
        return lookup.reachable[inst.start_node(r)][v] and lookup.reachable[v][inst.end_node(r)]

    skilled = [r for r, rep in enumerate(reps) if rep_may_serve(rep, visit)]
    if not skilled:
        return ("unreachable" if not any(reaches(r) for r in range(len(reps))) else "skills"), []
    reaching = [r for r in skilled if reaches(r)]
    if not reaching:
        return "unreachable", []
    loadable = [r for r in reaching if _can_carry(reps[r], visit) and reps[r].max_visits != 0]
    if not loadable:
        return ("capacity" if any(reps[r].max_visits != 0 for r in reaching) else "shift"), []
    fitting = [r for r in loadable if alone_fits(r, v)]
    if fitting:
        return None, fitting
    if any(_window_reachable(inst, lookup, r, v) for r in loadable):
        return "shift", []
    return "time_window", []


def _can_carry(rep: Rep, visit: Visit) -> bool:
    return rep.capacity is None or visit.demand <= rep.capacity


def _window_reachable(inst: Instance, lookup: Lookup, r: int, v: int) -> bool:
    """Some window of the visit is still open when the rep can first get there within the shift."""
    rep = inst.problem.reps[r]
    earliest_s = rep.shift.start_s + lookup.travel_s[inst.start_node(r)][v]
    return any(hi >= earliest_s and lo <= rep.shift.end_s for lo, hi in lookup.windows[v])
