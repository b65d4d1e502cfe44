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

import importlib.machinery
import importlib.util
import logging
import os
import sys
from datetime import timedelta
from typing import Any

import numpy as np

from routing._instance import Instance, visit_windows
from routing._repair import is_top_tier

logger = logging.getLogger(__name__)

# VROOM reads matrices as unsigned 32-bit: cap costs and times well inside (unreachable stays huge).
_CAP = 2**31 - 1


def available() -> bool:
    """Whether pyvroom is installed (without importing it)."""
    return importlib.util.find_spec("vroom") is not None


def load() -> Any:
    """pyvroom's compiled module `vroom._vroom`, loaded without the package's Python layer.

    The package's `__init__` imports pandas (for its result frame, about 0.3 s in a fresh process);
    the compiled module alone has everything used here. An already imported one is reused (the
    compiled types must be registered once per process).
    """
    loaded = sys.modules.get("vroom._vroom")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("vroom")
    assert spec is not None and spec.submodule_search_locations is not None
    [path] = [
        os.path.join(folder, name)
        for folder in spec.submodule_search_locations
        for name in os.listdir(folder)
        if name.startswith("_vroom.") and name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    ]
    loader = importlib.machinery.ExtensionFileLoader("vroom._vroom", path)
    module_spec = importlib.util.spec_from_file_location("vroom._vroom", path, loader=loader)
    assert module_spec is not None
    module = importlib.util.module_from_spec(module_spec)
    loader.exec_module(module)
    sys.modules["vroom._vroom"] = module
    return module


# Visits per second of VROOM's budget above which each step down in exploration is taken: VROOM checks
# its clock only between searches, and at depth 5 a 3-rep day of 110 visits took over 1 s (loaded).
_VISITS_PER_S_STEP = 100


def exploration_for(n_visits: int, time_limit_s: float | None, wanted: int, threads: int = 1) -> int:
    """The exploration depth that fits the budget: `wanted` without a clock, shallower when tight
    (VROOM spreads its searches over its threads, so each thread's share of the visits counts)."""
    if time_limit_s is None:
        return wanted
    steps = int(n_visits / (max(time_limit_s, 0.01) * max(1, threads)) / _VISITS_PER_S_STEP)
    return max(1, min(wanted, 5 - steps))


def vroom_routes(
    inst: Instance,
    allowed_reps: list[list[int]],
    visits: list[int],
    time_limit_s: float | None,
    exploration: int,
    threads: int = 1,
) -> list[list[int]]:
    """Routes (visit nodes per rep) from VROOM (empty when it found nothing). Without a time limit the
    run ends by itself and is deterministic (one thread, whatever `threads` says); with one, VROOM
    spreads its searches over `threads`."""
    vr = load()
    try:
        return _solve(vr, inst, allowed_reps, visits, time_limit_s, exploration, threads)
    except (vr.VroomInputException, vr.VroomInternalException) as exc:
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
    vr: Any,
    inst: Instance,
    allowed_reps: list[list[int]],
    visits: list[int],
    time_limit_s: float | None,
    exploration: int,
    threads: int,
) -> list[list[int]]:
    """The model through the compiled module's own constructors (as pyvroom's Python layer calls them)."""
    problem = inst.problem
    n_reps = inst.n_reps
    inp = vr.Input(servers={}, router=vr.ROUTER.OSRM, apply_TSPFix=False)
    inp._set_durations_matrix("car", vr.Matrix(np.minimum(inst.travel_s, _CAP).astype("uint32")))
    inp._set_costs_matrix("car", vr.Matrix(np.minimum(inst.cost, _CAP).astype("uint32")))

    def amount(values: list[int]) -> Any:
        return vr.Amount(np.asarray(values, dtype="longlong"))

    skill_of: dict[frozenset[int], int] = {}
    for v in visits:
        allowed = frozenset(allowed_reps[v])
        if len(allowed) < n_reps and allowed not in skill_of:
            skill_of[allowed] = len(skill_of) + 1
    uses_load = any(rep.capacity is not None for rep in problem.reps)
    for r, rep in enumerate(problem.reps):
        # A break that fits wholly before the shift counts as taken (as in our scheduler); VROOM wants
        # the others in order, starting inside the shift.
        pending = sorted(
            (b for b in rep.breaks if b.window.start_s + b.duration_s > rep.shift.start_s),
            key=lambda b: (b.window.start_s, b.window.end_s),
        )
        breaks = [
            vr.Break(
                id=r * 100 + k + 1,
                time_windows=[vr.TimeWindow(max(b.window.start_s, rep.shift.start_s), b.window.end_s - b.duration_s)],
                service=b.duration_s,
                description="",
                max_load=None,
            )
            for k, b in enumerate(pending)
        ]
        capacity = [rep.capacity if rep.capacity is not None else 2**30] if uses_load else []
        inp._add_vehicle(
            vr.Vehicle(
                id=r + 1,
                start=vr.Location(index=inst.start_node(r)),
                end=None if rep.open_end else vr.Location(index=inst.end_node(r)),
                profile="car",
                capacity=amount(capacity),
                skills={skill for reps, skill in skill_of.items() if r in reps},
                time_window=vr.TimeWindow(rep.shift.start_s, rep.shift.end_s),
                breaks=breaks,
                description="",
                costs=vr.VehicleCosts(),
                speed_factor=1.0,
                max_tasks=rep.max_visits,
                max_travel_time=None,
                max_distance=None,
                steps=[],
                type_str="",
            )
        )
    for v in visits:
        visit = problem.visits[v]
        allowed = frozenset(allowed_reps[v])
        inp._add_job(
            vr.Job(
                id=v + 1,
                location=vr.Location(index=v),
                default_setup=0,
                default_service=int(inst.service_s[v]),
                delivery=amount([visit.demand] if uses_load else []),
                pickup=amount([0] if uses_load else []),
                skills={skill_of[allowed]} if allowed in skill_of else set(),
                priority=100 if is_top_tier(visit) else min(100, max(0, visit.priority)),
                tws=[vr.TimeWindow(lo, hi) for lo, hi in _merged(visit_windows(problem, v))],
                description="",
                setup_per_type={},
                service_per_type={},
            )
        )
    timeout = None if time_limit_s is None else timedelta(seconds=max(0.02, time_limit_s))
    solution = inp._solve(exploration_level=exploration, nb_threads=max(1, threads) if timeout else 1, timeout=timeout)
    steps = np.asarray(solution._routes_numpy())
    routes: list[list[int]] = [[] for _ in range(n_reps)]
    if steps.dtype.names is None:  # no record array at all: nothing assigned
        return routes
    # (When VROOM assigns nothing the record array is empty but keeps its fields: no rows to read.)
    kinds = steps["type"].astype("U9")  # bytes in the compiled module's record array
    for vehicle, kind, job in zip(steps["vehicle_id"], kinds, steps["id"], strict=True):
        if kind == "job":
            routes[int(vehicle) - 1].append(int(job) - 1)
    return routes
