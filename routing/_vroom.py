"""VROOM (pyvroom, C++) as a start for our search: its construction and local search, in compiled code.

The day's model translates exactly but for two things, which our own steps then enforce: a rep's cap
on working time (`max_work_s`, not in VROOM) and the order of required/pinned visits before any
priority (VROOM's priorities are 0-100; those visits are given 100). Its routes are kept only as far
as they fit our exact scheduler (`Repairer.keep_feasible`), so the start is always feasible.

Breaks: VROOM takes a break at a stop (after arriving, before service); ours may also interrupt
travel or waiting, which allows every schedule VROOM allows. Allowed reps (skills, `reps`, pinned) are
encoded with one VROOM skill per distinct set of allowed reps, so "any of these reps" is exact.
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import timedelta
from typing import Any

import numpy as np

from routing._instance import Instance, visit_windows
from routing._repair import is_top_tier

logger = logging.getLogger(__name__)

# VROOM reads matrices as unsigned 32-bit: cap costs and times well inside (unreachable stays huge).
_CAP = 2**31 - 1


def available() -> bool:
    """Whether pyvroom is installed (without importing it: its import pulls in pandas, ~0.3 s)."""
    return importlib.util.find_spec("vroom") is not None


def load() -> None:
    """Import pyvroom now, so that its import does not eat VROOM's own budget."""
    import vroom  # noqa: F401


# Visits per second of VROOM's budget above which each step down in exploration is taken: VROOM checks
# its clock only between searches, and at depth 5 a 3-rep day of 110 visits took over 1 s (loaded).
_VISITS_PER_S_STEP = 100


def exploration_for(n_visits: int, time_limit_s: float | None, wanted: int) -> int:
    """The exploration depth that fits the budget: `wanted` without a clock, shallower when tight."""
    if time_limit_s is None:
        return wanted
    steps = int(n_visits / max(time_limit_s, 0.01) / _VISITS_PER_S_STEP)
    return max(1, min(wanted, 5 - steps))


def vroom_routes(
    inst: Instance,
    allowed_reps: list[list[int]],
    visits: list[int],
    time_limit_s: float | None,
    exploration: int,
) -> list[list[int]]:
    """Routes (visit nodes per rep) from VROOM (empty when it found nothing). Without a time limit the
    run ends by itself and is deterministic (one thread)."""
    from vroom import _vroom as _vroom_errors

    try:
        return _solve(inst, allowed_reps, visits, time_limit_s, exploration)
    except (_vroom_errors.VroomInputException, _vroom_errors.VroomInternalException) as exc:
        # A model VROOM refuses (e.g. breaks it finds inconsistent with the shift): no start from it.
        logger.debug("no VROOM start: %s", exc)
        return [[] for _ in range(inst.n_reps)]


def _merged(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted windows with overlaps joined (VROOM refuses overlapping ones)."""
    out: list[tuple[int, int]] = []
    for lo, hi in windows:
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _solve(
    inst: Instance, allowed_reps: list[list[int]], visits: list[int], time_limit_s: float | None, exploration: int
) -> list[list[int]]:
    import vroom

    problem = inst.problem
    n_reps = inst.n_reps
    inp: Any = vroom.Input()
    travel = np.minimum(inst.travel_s, _CAP).astype(np.int64)
    cost = np.minimum(inst.cost, _CAP).astype(np.int64)
    inp.set_durations_matrix("car", travel.tolist())
    inp.set_costs_matrix("car", cost.tolist())

    skill_of: dict[frozenset[int], int] = {}
    for v in visits:
        allowed = frozenset(allowed_reps[v])
        if len(allowed) < n_reps and allowed not in skill_of:
            skill_of[allowed] = len(skill_of) + 1
    uses_load = any(rep.capacity is not None for rep in problem.reps)
    for r, rep in enumerate(problem.reps):
        skills = {skill for reps, skill in skill_of.items() if r in reps}
        # A break that fits wholly before the shift counts as taken (as in our scheduler); VROOM wants
        # the others in order, starting inside the shift.
        pending = sorted(
            (b for b in rep.breaks if b.window.start_s + b.duration_s > rep.shift.start_s),
            key=lambda b: (b.window.start_s, b.window.end_s),
        )
        breaks = [
            vroom.Break(
                r * 100 + k + 1,
                time_windows=[
                    vroom.TimeWindow(max(b.window.start_s, rep.shift.start_s), b.window.end_s - b.duration_s)
                ],
                service=b.duration_s,
            )
            for k, b in enumerate(pending)
        ]
        extra: dict[str, Any] = {}
        if uses_load:
            extra["capacity"] = [rep.capacity if rep.capacity is not None else 2**30]
        if rep.max_visits is not None:
            extra["max_tasks"] = rep.max_visits
        end = None if rep.open_end else inst.end_node(r)
        inp.add_vehicle(
            vroom.Vehicle(
                r + 1,
                start=inst.start_node(r),
                end=end,
                skills=skills,
                time_window=vroom.TimeWindow(rep.shift.start_s, rep.shift.end_s),
                breaks=breaks,
                **extra,
            )
        )
    for v in visits:
        visit = problem.visits[v]
        allowed = frozenset(allowed_reps[v])
        job_extra: dict[str, Any] = {}
        if uses_load:
            job_extra["delivery"] = [visit.demand]
        inp.add_job(
            vroom.Job(
                v + 1,
                location=v,
                default_service=int(inst.service_s[v]),
                priority=100 if is_top_tier(visit) else min(100, max(0, visit.priority)),
                skills={skill_of[allowed]} if allowed in skill_of else set(),
                time_windows=[vroom.TimeWindow(lo, hi) for lo, hi in _merged(visit_windows(problem, v))],
                **job_extra,
            )
        )
    kwargs: dict[str, Any] = {"exploration_level": exploration, "nb_threads": 1}
    if time_limit_s is not None:
        kwargs["timeout"] = timedelta(seconds=max(0.02, time_limit_s))
    solution = inp.solve(**kwargs)
    frame = solution.routes
    routes: list[list[int]] = [[] for _ in range(n_reps)]
    if "id" not in frame.columns:  # VROOM assigned nothing (an empty table has no columns)
        return routes
    for vehicle, kind, job in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        if str(kind) == "job":
            routes[int(vehicle) - 1].append(int(job) - 1)
    return routes
