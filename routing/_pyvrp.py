"""PyVRP (hybrid genetic search, C++) as the start for fleet days it models exactly.

A fleet day (more reps than VROOM's start is used for, e.g. an absent rep's visits spread over the team,
or a benchmark fleet) is searched best by a population-based search with penalised infeasible space;
PyVRP is a well-kept implementation of it. It is used only where the translation is exact: every rep
closes their route, no breaks, no cap on working time or visits, one time window per visit, no skills,
allowed reps or pinned visits. Priorities become prizes so large that serving a higher priority always
outweighs travel (priority first, then travel, as our score). Its routes are kept only as far as they
fit our exact scheduler (`Repairer.keep_feasible`), and our own search continues from them.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from routing._instance import Instance, rep_signature, visit_windows
from routing._repair import is_top_tier


def available() -> bool:
    """Whether PyVRP is installed (without importing it)."""
    return importlib.util.find_spec("pyvrp") is not None


def fits(inst: Instance, allowed_reps: list[list[int]], visits: list[int]) -> bool:
    """Whether the day translates into PyVRP's model without losing a rule."""
    problem = inst.problem
    for rep in problem.reps:
        if rep.open_end or rep.breaks or rep.max_work_s is not None or rep.max_visits is not None or rep.skills:
            return False
    for v in visits:
        visit = problem.visits[v]
        if visit.pinned is not None or visit.skills or visit.reps is not None:
            return False
        if len(allowed_reps[v]) < inst.n_reps or len(visit_windows(problem, v)) != 1:
            return False
    return True


def pyvrp_routes(inst: Instance, visits: list[int], time_limit_s: float, seed: int) -> list[list[int]]:
    """Routes (visit nodes per rep) from PyVRP within `time_limit_s` (empty when it found nothing
    feasible). Call only when `fits` holds."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data, reps_of_type = _model(pyvrp, inst, visits)
    result = pyvrp.solve(data, MaxRuntime(max(0.01, time_limit_s)), seed=seed, display=False, collect_stats=False)
    routes: list[list[int]] = [[] for _ in range(inst.n_reps)]
    if not result.is_feasible():
        return routes
    free = [list(reps) for reps in reps_of_type]
    for route in result.best.routes():
        rep = free[route.vehicle_type()].pop(0)
        routes[rep] = [visits[activity.idx] for activity in route if activity.is_client()]
    return routes


def _model(pyvrp: Any, inst: Instance, visits: list[int]) -> tuple[Any, list[list[int]]]:
    """The day as PyVRP's `ProblemData`: locations are the visits, then each group's start and end."""
    problem = inst.problem
    groups: dict[tuple[object, ...], list[int]] = {}
    for r, rep in enumerate(problem.reps):
        groups.setdefault(rep_signature(rep), []).append(r)
    reps_of_type = list(groups.values())
    nodes = list(visits)
    for reps in reps_of_type:
        nodes += [inst.start_node(reps[0]), inst.end_node(reps[0])]
    index = np.asarray(nodes, dtype=np.int64)
    distance = np.ascontiguousarray(inst.cost[np.ix_(index, index)])
    duration = np.ascontiguousarray(inst.travel_s[np.ix_(index, index)])
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)

    uses_load = any(rep.capacity is not None for rep in problem.reps)
    finite = inst.cost[inst.reachable]
    # Dropping a visit saves at most two arcs: a priority point must be worth more than that.
    point = 2 * int(finite.max() if finite.size else 0) + 1
    clients: list[Any] = []
    for v in visits:
        visit = problem.visits[v]
        [(early, late)] = visit_windows(problem, v)
        required = is_top_tier(visit)
        clients.append(
            pyvrp.Client(
                location=len(clients),
                delivery=[visit.demand] if uses_load else [],
                service_duration=int(inst.service_s[v]),
                tw_early=early,
                tw_late=late,
                prize=0 if required else max(1, visit.priority) * point,
                required=required,
            )
        )
    depots = [pyvrp.Depot(location=len(visits) + k) for k in range(2 * len(reps_of_type))]
    vehicle_types: list[Any] = []
    for k, reps in enumerate(reps_of_type):
        rep = problem.reps[reps[0]]
        capacity = rep.capacity if rep.capacity is not None else 2**40
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(reps),
                capacity=[capacity] if uses_load else [],
                start_depot=2 * k,
                end_depot=2 * k + 1,
                tw_early=rep.shift.start_s,
                tw_late=rep.shift.end_s,
            )
        )
    locations = [pyvrp.Location(0, 0) for _ in nodes]
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [distance], [duration])
    return data, reps_of_type
