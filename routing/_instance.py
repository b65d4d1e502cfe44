"""The problem compiled to node-level integer arrays, shared by construction, engine and repair.

Node layout: visit ``i`` is node ``i``; rep ``r`` starts at node ``n + 2r`` and ends at ``n + 2r + 1``.
An open end (``end: null``) is a virtual node reached from anywhere at zero cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.errors import ProblemError
from routing.matrix.haversine import HaversineProvider
from routing.matrix_types import Matrix
from routing.parse import UNREACHABLE_AT
from routing.problem import Location, Problem, Rep

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Travel time standing in for "no road": larger than any day, small enough to never overflow sums.
UNREACHABLE_S = 10**9


@dataclass(frozen=True, eq=False)
class Instance:
    problem: Problem
    n_visits: int
    n_reps: int
    travel_s: IntArray  # node x node, whole seconds rounded up, UNREACHABLE_S where no road
    cost: IntArray  # node x node, the objective's integer arc cost
    reachable: BoolArray  # node x node
    duration_raw_s: FloatArray  # node x node, as supplied (for reporting)
    distance_raw_m: FloatArray
    service_s: IntArray  # per node

    def start_node(self, rep: int) -> int:
        return self.n_visits + 2 * rep

    def end_node(self, rep: int) -> int:
        return self.n_visits + 2 * rep + 1

    @property
    def n_nodes(self) -> int:
        return self.n_visits + 2 * self.n_reps


def location_points(problem: Problem) -> list[Location]:
    """The places of a coordinate problem in the order a supplied `Matrix` must follow.

    For each rep its start, then its end when an explicit end location is given; then every visit.
    """
    points: list[Location] = []
    for rep in problem.reps:
        assert rep.start is not None
        points.append(rep.start)
        if rep.end is not None:
            points.append(rep.end)
    for visit in problem.visits:
        assert visit.location is not None
        points.append(visit.location)
    return points


def haversine_arrays(problem: Problem) -> tuple[FloatArray, FloatArray]:
    """(durations_s, distances_m) of a coordinate problem: the one travel model of `routing.matrix.haversine`."""
    points = [(p.lat, p.lon) for p in location_points(problem)]
    return HaversineProvider().arrays(points, problem.travel_mode)


def _node_matrix_indices(problem: Problem) -> list[int | None]:
    """Matrix row of every node, None for a virtual open end."""
    n = len(problem.visits)
    rows: list[int | None] = [None] * (n + 2 * len(problem.reps))
    if problem.matrix is not None:
        for i, visit in enumerate(problem.visits):
            rows[i] = visit.location_index
        for r, rep in enumerate(problem.reps):
            rows[n + 2 * r] = rep.start_index
            if not rep.open_end:
                rows[n + 2 * r + 1] = rep.end_index if rep.end_index is not None else rep.start_index
        return rows
    position = 0
    for r, rep in enumerate(problem.reps):
        rows[n + 2 * r] = position
        if rep.end is not None:
            position += 1
            rows[n + 2 * r + 1] = position
        elif not rep.open_end:
            rows[n + 2 * r + 1] = position
        position += 1
    for i in range(n):
        rows[i] = position + i
    return rows


def _as_array(values: Sequence[Sequence[float | None]], name: str) -> FloatArray:
    array = np.array(
        [[math.inf if v is None else v for v in row] for row in values],
        dtype=np.float64,
    )
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ProblemError(name, "matrix not square")
    if np.isnan(array).any():
        raise ProblemError(name, "NaN is not a travel value")
    array[array >= UNREACHABLE_AT] = math.inf
    return array


def compile_instance(problem: Problem, matrix: Matrix | None = None) -> Instance:
    source = matrix if matrix is not None else problem.matrix
    if source is not None:
        durations = _as_array(source.durations, "matrix.durations")
        distances = _as_array(source.distances, "matrix.distances")
    else:
        durations, distances = haversine_arrays(problem)
    rows = _node_matrix_indices(problem)
    size = durations.shape[0]
    if any(row is not None and row >= size for row in rows):
        raise ProblemError("matrix", f"has {size} rows, fewer than the problem's places")

    n, n_reps = len(problem.visits), len(problem.reps)
    n_nodes = n + 2 * n_reps
    real = np.array([row if row is not None else 0 for row in rows], dtype=np.int64)
    duration_raw = durations[np.ix_(real, real)].copy()
    distance_raw = distances[np.ix_(real, real)].copy()
    np.fill_diagonal(duration_raw, 0.0)
    np.fill_diagonal(distance_raw, 0.0)

    # Arcs that make no sense in a route: into a start, out of an end, between different reps' depots.
    usable = np.ones((n_nodes, n_nodes), dtype=np.bool_)
    for r in range(n_reps):
        start, end = n + 2 * r, n + 2 * r + 1
        usable[:, start] = False
        usable[end, :] = False
        usable[start, n:] = False
        usable[start, end] = True
        if rows[end] is None:  # open end: arriving there is free
            duration_raw[:, end] = 0.0
            distance_raw[:, end] = 0.0
    duration_raw[~usable] = math.inf
    distance_raw[~usable] = math.inf
    reachable = np.isfinite(duration_raw) & np.isfinite(distance_raw)
    duration_raw[~reachable] = math.inf
    distance_raw[~reachable] = math.inf

    travel_s = np.full((n_nodes, n_nodes), UNREACHABLE_S, dtype=np.int64)
    travel_s[reachable] = np.ceil(duration_raw[reachable] - 1e-9).astype(np.int64)
    objective_raw = duration_raw if problem.objective == "duration" else distance_raw
    finite = objective_raw[reachable]
    # Integral matrices (Solomon x100, seconds) are used as is; fractional ones keep a decimal.
    scale = 1.0 if finite.size == 0 or np.all(finite == np.round(finite)) else 10.0
    cost = np.zeros((n_nodes, n_nodes), dtype=np.int64)
    cost[reachable] = np.round(finite * scale).astype(np.int64)
    max_cost = int(cost.max()) if cost.size else 0
    cost[~reachable] = 10 * max_cost + 1

    service = np.zeros(n_nodes, dtype=np.int64)
    service[:n] = [v.service_s for v in problem.visits]
    return Instance(
        problem=problem,
        n_visits=n,
        n_reps=n_reps,
        travel_s=travel_s,
        cost=cost,
        reachable=reachable,
        duration_raw_s=duration_raw,
        distance_raw_m=distance_raw,
        service_s=service,
    )


@dataclass(frozen=True, eq=False)
class Lookup:
    """Plain-list views of an `Instance` for the pure-Python parts (numpy scalars are slow in loops)."""

    travel_s: list[list[int]]
    cost: list[list[int]]
    reachable: list[list[bool]]
    service_s: list[int]
    windows: list[list[tuple[int, int]]]  # per visit: sorted windows for the start of service


def visit_windows(problem: Problem, visit_index: int) -> list[tuple[int, int]]:
    """Sorted start windows of a visit, narrowed to the pinned start when there is one."""
    visit = problem.visits[visit_index]
    horizon = max(rep.shift.end_s for rep in problem.reps)
    windows = sorted((w.start_s, w.end_s) for w in visit.time_windows) or [(0, horizon)]
    if visit.pinned is not None and visit.pinned.start_s is not None:
        s = visit.pinned.start_s
        windows = [(s, s)] if any(lo <= s <= hi for lo, hi in windows) else []
    return windows


def make_lookup(inst: Instance) -> Lookup:
    return Lookup(
        travel_s=inst.travel_s.tolist(),
        cost=inst.cost.tolist(),
        reachable=inst.reachable.tolist(),
        service_s=inst.service_s.tolist(),
        windows=[visit_windows(inst.problem, i) for i in range(inst.n_visits)],
    )


def rep_signature(rep: Rep) -> tuple[object, ...]:
    """Everything about a rep but its id: reps with equal signatures are interchangeable."""
    return (
        rep.start,
        rep.start_index,
        rep.end,
        rep.end_index,
        rep.open_end,
        rep.shift,
        rep.max_work_s,
        rep.max_visits,
        rep.capacity,
        tuple(sorted(rep.skills)),
        rep.breaks,
    )
