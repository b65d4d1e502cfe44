"""One adapter per solver: scaled integer instance in, routes (lists of customers 1..n) out.

Every adapter uses one thread and the same integer data (see :mod:`benchmarks.instances`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from benchmarks.instances import Instance


@dataclass
class Run:
    """What one solver returned: ``routes`` is ``None`` when it found no solution."""

    routes: list[list[int]] | None
    wall_s: float
    status: str = "ok"
    detail: dict[str, Any] = field(default_factory=dict)


SolverFn = Callable[[Instance, float, int], Run]


# --------------------------------------------------------------------------------------------------
# PyVRP
# --------------------------------------------------------------------------------------------------


def solve_pyvrp(inst: Instance, time_limit_s: float, seed: int) -> Run:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    m = Model()
    locs = [m.add_location(x, y) for x, y in inst.coords]
    depot = m.add_depot(locs[0], tw_early=inst.ready[0] * 100, tw_late=inst.due[0] * 100)
    cap = [inst.capacity] if inst.capacity is not None else []
    m.add_vehicle_type(
        num_available=inst.num_vehicles,
        capacity=cap,
        start_depot=depot,
        end_depot=depot,
        tw_early=inst.ready[0] * 100,
        tw_late=inst.due[0] * 100,
    )
    for i in range(1, len(locs)):
        m.add_client(
            locs[i],
            delivery=[inst.demand[i]] if cap else [],
            service_duration=inst.service[i] * 100,
            tw_early=inst.ready[i] * 100,
            tw_late=inst.due[i] * 100,
        )
    dist, tt = inst.dist_int, inst.time_int
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                m.add_edge(a, b, distance=dist[i][j], duration=tt[i][j])
    result = m.solve(MaxRuntime(time_limit_s), seed=seed, display=False, collect_stats=False)
    wall = time.perf_counter() - t0
    routes = []
    for route in result.best.routes():
        visits = []
        for act in route:
            is_client = act.is_client() if callable(act.is_client) else act.is_client
            if is_client:
                visits.append(act.idx + 1)
        routes.append(visits)
    status = "ok" if result.is_feasible() else "infeasible (own check)"
    return Run(routes=routes, wall_s=wall, status=status, detail={"cost_int": result.cost()})


# --------------------------------------------------------------------------------------------------
# VROOM
# --------------------------------------------------------------------------------------------------


def solve_vroom(inst: Instance, time_limit_s: float, seed: int, exploration: int = 5) -> Run:
    import vroom

    t0 = time.perf_counter()
    inp = vroom.Input()
    inp.set_durations_matrix("car", inst.time_int)
    inp.set_costs_matrix("car", inst.dist_int)
    cap = [inst.capacity] if inst.capacity is not None else []
    for k in range(inst.num_vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=cap,
                time_window=vroom.TimeWindow(inst.ready[0] * 100, inst.due[0] * 100),
            )
        )
    for i in range(1, inst.n_customers + 1):
        inp.add_job(
            vroom.Job(
                i,
                location=i,
                default_service=inst.service[i] * 100,
                delivery=[inst.demand[i]] if cap else [],
                time_windows=[vroom.TimeWindow(inst.ready[i] * 100, inst.due[i] * 100)],
            )
        )
    sol = inp.solve(exploration_level=exploration, nb_threads=1, timeout=timedelta(seconds=time_limit_s))
    wall = time.perf_counter() - t0
    frame = sol.routes
    routes: dict[int, list[int]] = {}
    for vid, kind, jid in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        if str(kind) == "job":
            routes.setdefault(int(vid), []).append(int(jid))
    return Run(routes=list(routes.values()), wall_s=wall, detail={"unassigned": len(sol.unassigned)})


# --------------------------------------------------------------------------------------------------
# Plain OR-Tools baselines
# --------------------------------------------------------------------------------------------------


def solve_ortools(inst: Instance, time_limit_s: float, seed: int, first: str) -> Run:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    n = len(inst.coords)
    k = inst.num_vehicles
    manager = pywrapcp.RoutingIndexManager(n, k, 0)
    model = pywrapcp.RoutingModel(manager)
    dist, tt = inst.dist_int, inst.time_int
    service = [s * 100 for s in inst.service]

    # Matrices registered on the C++ side (no Python callback per arc): the fastest plain setup.
    time_matrix = [[service[i] + tt[i][j] for j in range(n)] for i in range(n)]
    dist_idx = model.RegisterTransitMatrix(dist)
    model.SetArcCostEvaluatorOfAllVehicles(dist_idx)
    time_idx = model.RegisterTransitMatrix(time_matrix)
    horizon = inst.due[0] * 100
    model.AddDimension(time_idx, horizon, horizon, False, "Time")
    time_dim = model.GetDimensionOrDie("Time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(inst.ready[node] * 100, inst.due[node] * 100)
    for v in range(k):
        time_dim.CumulVar(model.Start(v)).SetRange(inst.ready[0] * 100, horizon)
        time_dim.CumulVar(model.End(v)).SetRange(inst.ready[0] * 100, horizon)
    if inst.capacity is not None:
        dem_idx = model.RegisterUnaryTransitVector(list(inst.demand))
        model.AddDimensionWithVehicleCapacity(dem_idx, 0, [inst.capacity] * k, True, "Capacity")
    params = pywrapcp.DefaultRoutingSearchParameters()
    strategy = routing_enums_pb2.FirstSolutionStrategy
    params.first_solution_strategy = {
        "pci": strategy.PARALLEL_CHEAPEST_INSERTION,
        "pca": strategy.PATH_CHEAPEST_ARC,
    }[first]
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    solution = model.SolveWithParameters(params)
    wall = time.perf_counter() - t0
    if solution is None:
        return Run(routes=None, wall_s=wall, status=f"no solution (status {model.status()})")
    routes = []
    for v in range(k):
        idx = model.Start(v)
        route = []
        idx = solution.Value(model.NextVar(idx))
        while not model.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            idx = solution.Value(model.NextVar(idx))
        routes.append(route)
    return Run(routes=routes, wall_s=wall, detail={"cost_int": solution.ObjectiveValue()})


# --------------------------------------------------------------------------------------------------
# This project's solver
# --------------------------------------------------------------------------------------------------


def project_problem(inst: Instance) -> dict[str, Any]:
    """The instance in the issue's JSON problem format (x100 integers, as the peers get)."""
    shift = [inst.ready[0] * 100, inst.due[0] * 100]
    reps: list[dict[str, Any]] = []
    for k in range(inst.num_vehicles):
        rep: dict[str, Any] = {"id": f"v{k + 1}", "start_index": 0, "shift": shift}
        if inst.capacity is not None:
            rep["capacity"] = inst.capacity
        reps.append(rep)
    visits: list[dict[str, Any]] = []
    for i in range(1, inst.n_customers + 1):
        visit: dict[str, Any] = {
            "id": str(i),
            "location_index": i,
            "service_s": inst.service[i] * 100,
            "time_windows": [[inst.ready[i] * 100, inst.due[i] * 100]],
        }
        if inst.capacity is not None:
            visit["demand"] = inst.demand[i]
        visits.append(visit)
    return {
        "reps": reps,
        "visits": visits,
        "matrix": {"durations": inst.time_int, "distances": inst.dist_int},
        "objective": "distance",
    }


def project_available() -> str | None:
    """``None`` if ``routing.solve`` can be used, else why not."""
    try:
        import routing

        for name in ("solve", "SolveParams", "problem_from_dict"):
            getattr(routing, name)
    except Exception as exc:  # any import problem means "not available", never a crash
        return f"{type(exc).__name__}: {exc}"
    return None


def solve_project(inst: Instance, time_limit_s: float, seed: int) -> Run:
    reason = project_available()
    if reason is not None:
        return Run(routes=None, wall_s=0.0, status=f"not available ({reason})")
    import routing

    problem = routing.problem_from_dict(project_problem(inst))
    t0 = time.perf_counter()
    solution = routing.solve(problem, routing.SolveParams(time_limit_s=time_limit_s, seed=seed))
    wall = time.perf_counter() - t0
    routes = [[int(stop.visit) for stop in route.stops] for route in solution.routes]
    return Run(
        routes=routes,
        wall_s=wall,
        detail={
            "unassigned": [(u.visit, u.reason) for u in solution.unassigned],
            "reported_distance": solution.summary.distance_m / 100,
        },
    )


SOLVERS: dict[str, tuple[str, SolverFn]] = {
    "pyvrp": ("PyVRP 0.14.1", solve_pyvrp),
    "vroom": ("VROOM 1.15 (pyvroom, exploration 5)", solve_vroom),
    "ortools-pci": (
        "OR-Tools 9.15, parallel cheapest insertion + GLS",
        lambda inst, t, s: solve_ortools(inst, t, s, "pci"),
    ),
    "ortools-pca": (
        "OR-Tools 9.15, path cheapest arc + GLS",
        lambda inst, t, s: solve_ortools(inst, t, s, "pca"),
    ),
    "fieldsales": ("fieldsales `routing.solve`", solve_project),
}
PEERS = ("pyvrp", "vroom", "ortools-pci", "ortools-pca")
