"""The one place that speaks OR-Tools: builds the routing model, runs the search, reads routes back.

Everything else in the package works on plain visit sequences, so the engine can be swapped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from routing._instance import Instance
from routing.params import SolveParams

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

_INT64_SAFE = 2**62
_BRANCHES_PER_SOLUTION = 100
_BOOL_TRUE = 3  # operations_research.OptionalBoolean.BOOL_TRUE
# OR-Tools (and protobuf under it) is imported when an engine is first built, not with the package:
# a solve pays for it inside its own time budget, and `fieldsales --help` not at all.
_FIRST_SOLUTION = {
    "regret": "PARALLEL_CHEAPEST_INSERTION",
    "parallel_cheapest_insertion": "PARALLEL_CHEAPEST_INSERTION",
    "path_cheapest_arc": "PATH_CHEAPEST_ARC",
    "savings": "SAVINGS",
}
_METAHEURISTIC = {
    "guided_local_search": "GUIDED_LOCAL_SEARCH",
    "iterated_local_search": "GREEDY_DESCENT",
    "greedy_descent": "GREEDY_DESCENT",
    "simulated_annealing": "SIMULATED_ANNEALING",
    "none": "GREEDY_DESCENT",
}


@dataclass(frozen=True)
class EngineInput:
    visits: list[int]  # instance visit nodes in the model
    allowed_reps: dict[int, list[int]]  # visit node -> reps allowed (only when not all)
    top_tier: set[int]  # required or pinned visits: dropped only if nothing else works


def penalties(inst: Instance, visits: Sequence[int], top_tier: set[int], cost: np.ndarray) -> dict[int, int]:
    """Drop penalties so that priority served dominates, then visits served, then travel.

    A penalty of ``priority * per_priority + per_visit`` with ``per_visit`` above any possible total
    travel and ``per_priority`` above ``n * per_visit`` makes the lexicographic order exact.
    """
    nodes = [*visits, *range(inst.n_visits, inst.n_nodes)]
    sub = cost[np.ix_(nodes, nodes)]
    reachable = inst.reachable[np.ix_(nodes, nodes)]
    max_out = np.where(reachable, sub, 0).max(axis=1) if len(nodes) else np.zeros(0)
    per_visit = int(max_out.sum()) + 1
    per_priority = per_visit * (len(visits) + 1)
    priority = {v: inst.problem.visits[v].priority for v in visits}
    out = {v: priority[v] * per_priority + per_visit for v in visits if v not in top_tier}
    top = sum(out.values()) + 1
    for v in top_tier:
        out[v] = top + priority[v] * per_priority
    return out


class Engine:
    """One OR-Tools routing model, built once and searched from as many starts as wanted."""

    def __init__(self, inst: Instance, engine_input: EngineInput, params: SolveParams) -> None:
        from ortools.constraint_solver import pywrapcp

        self.inst = inst
        self.params = params
        visits = engine_input.visits
        n_reps = inst.n_reps
        depots = list(range(inst.n_visits, inst.n_nodes))
        nodes = [*visits, *depots]  # model node -> instance node
        self.nodes = nodes
        self.model_of = model_of = {node: i for i, node in enumerate(nodes)}
        starts = [model_of[inst.start_node(r)] for r in range(n_reps)]
        ends = [model_of[inst.end_node(r)] for r in range(n_reps)]
        self.manager = manager = pywrapcp.RoutingIndexManager(len(nodes), n_reps, starts, ends)
        self.routing = routing = pywrapcp.RoutingModel(manager)
        solver = routing.solver()

        cost = inst.cost
        drop = penalties(inst, visits, engine_input.top_tier, cost)
        while max(drop.values(), default=0) * max(len(visits), 1) > _INT64_SAFE:
            cost = (cost + 1) // 2  # shrink travel resolution rather than overflow the objective
            drop = penalties(inst, visits, engine_input.top_tier, cost)

        index_nodes = np.array(nodes, dtype=np.int64)
        cost_sub = cost[np.ix_(index_nodes, index_nodes)]
        cost_cb = routing.RegisterTransitMatrix(cost_sub.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)

        horizon = max(rep.shift.end_s for rep in inst.problem.reps)
        travel_sub = inst.travel_s[np.ix_(index_nodes, index_nodes)]
        service_sub = inst.service_s[index_nodes]
        time_sub = np.minimum(travel_sub + service_sub[:, None], 2 * horizon + 1)
        time_cb = routing.RegisterTransitMatrix(time_sub.tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")

        reachable_sub = inst.reachable[np.ix_(index_nodes, index_nodes)]
        for i, node in enumerate(nodes):
            if node >= inst.n_visits and node % 2 != inst.n_visits % 2:
                continue  # end nodes have no successor
            next_var = routing.NextVar(manager.NodeToIndex(i))
            for j in np.flatnonzero(~reachable_sub[i]).tolist():
                target = nodes[j]
                if j == i or (target >= inst.n_visits and (target - inst.n_visits) % 2 == 0):
                    continue  # starts are never successors anyway
                if target < inst.n_visits:
                    next_var.RemoveValue(manager.NodeToIndex(j))
                else:
                    rep = (target - inst.n_visits) // 2
                    if nodes[i] != inst.start_node(rep):
                        next_var.RemoveValue(routing.End(rep))

        _add_visit_constraints(inst, routing, manager, time_dim, visits, engine_input, drop)
        _add_rep_constraints(inst, routing, manager, time_dim, solver, model_of)
        _add_load_dimensions(inst, routing, manager, visits)
        if params.branch_limit is not None or (params.time_limit_s is None and params.solution_limit is not None):
            # A deterministic bound on work: GLS on a tiny day may never reach a solution limit.
            limit = params.branch_limit or _BRANCHES_PER_SOLUTION * (params.solution_limit or 1)
            routing.AddSearchMonitor(solver.BranchesLimit(limit))
        routing.CloseModelWithParameters(_search_parameters(params, None, params.metaheuristic))

    def search(
        self, initial_routes: list[list[int]] | None, time_limit_s: float | None, metaheuristic: str
    ) -> list[list[int]] | None:
        """Local search from `initial_routes` (or the engine's own first solution); None if nothing found."""
        routing, manager = self.routing, self.manager
        search = _search_parameters(self.params, time_limit_s, metaheuristic)
        result = None
        if initial_routes is not None:
            model_routes = [[manager.NodeToIndex(self.model_of[v]) for v in route] for route in initial_routes]
            hint = routing.ReadAssignmentFromRoutes(model_routes, True)
            if hint is None:
                return None  # the engine's model refuses the start; the caller keeps its own plan
            result = routing.SolveFromAssignmentWithParameters(hint, search)
        else:
            result = routing.SolveWithParameters(search)
        if result is None:
            return None
        routes: list[list[int]] = []
        for r in range(self.inst.n_reps):
            route: list[int] = []
            index = result.Value(routing.NextVar(routing.Start(r)))
            while not routing.IsEnd(index):
                route.append(self.nodes[manager.IndexToNode(index)])
                index = result.Value(routing.NextVar(index))
            routes.append(route)
        return routes


def _add_visit_constraints(
    inst: Instance,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    visits: list[int],
    engine_input: EngineInput,
    drop: dict[int, int],
) -> None:
    from routing._instance import visit_windows

    for i, v in enumerate(visits):
        index = manager.NodeToIndex(i)
        windows = visit_windows(inst.problem, v)
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(windows[0][0], windows[-1][1])
        for (_, hi), (lo, _) in itertools.pairwise(windows):
            if lo > hi + 1:
                cumul.RemoveInterval(hi + 1, lo - 1)
        allowed = engine_input.allowed_reps.get(v)
        if allowed is not None:
            # SetAllowedVehiclesForIndex's SWIG binding rejects Python lists in 9.15; this is the same
            # constraint (-1 keeps the visit droppable).
            routing.VehicleVar(index).SetValues([-1, *allowed])
        routing.AddDisjunction([index], drop[v])


def _add_rep_constraints(
    inst: Instance,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    solver: pywrapcp.Solver,
    model_of: dict[int, int],
) -> None:
    visit_transit: list[int] | None = None
    for r, rep in enumerate(inst.problem.reps):
        for index in (routing.Start(r), routing.End(r)):
            time_dim.CumulVar(index).SetRange(rep.shift.start_s, rep.shift.end_s)
        if rep.max_work_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(rep.max_work_s, r)
        if rep.breaks:
            if visit_transit is None:
                node_of = {m: node for node, m in model_of.items()}
                visit_transit = [
                    int(inst.service_s[node_of[manager.IndexToNode(index)]]) for index in range(routing.Size())
                ]
            intervals = [
                solver.FixedDurationIntervalVar(
                    b.window.start_s, b.window.end_s - b.duration_s, b.duration_s, False, f"break_{r}_{k}"
                )
                for k, b in enumerate(rep.breaks)
            ]
            time_dim.SetBreakIntervalsOfVehicle(intervals, r, visit_transit)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(r)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(r)))


def _add_load_dimensions(
    inst: Instance,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    visits: list[int],
) -> None:
    reps = inst.problem.reps
    n_model = manager.GetNumberOfNodes()
    if any(rep.capacity is not None for rep in reps) and any(inst.problem.visits[v].demand for v in visits):
        demand = [0] * n_model
        for i, v in enumerate(visits):
            demand[i] = inst.problem.visits[v].demand
        total = sum(demand)
        cb = routing.RegisterUnaryTransitVector(demand)
        caps = [rep.capacity if rep.capacity is not None else total for rep in reps]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")
    if any(rep.max_visits is not None for rep in reps):
        ones = [1 if i < len(visits) else 0 for i in range(n_model)]
        cb = routing.RegisterUnaryTransitVector(ones)
        caps = [rep.max_visits if rep.max_visits is not None else len(visits) for rep in reps]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "visit_count")


def _search_parameters(params: SolveParams, time_limit_s: float | None, metaheuristic: str) -> Any:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, _FIRST_SOLUTION[params.first_solution]
    )
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, _METAHEURISTIC[metaheuristic]
    )
    search.guided_local_search_lambda_coefficient = params.guided_local_search_lambda
    # Two operators off by default that measurably help on time-windowed days (Solomon R2/RC).
    search.local_search_operators.use_relocate_neighbors = _BOOL_TRUE
    search.local_search_operators.use_cross_exchange = _BOOL_TRUE
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    if time_limit_s is not None:
        search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    return search
