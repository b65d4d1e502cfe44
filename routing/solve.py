"""solve(problem, params) -> Solution: the package's one entry point for a day plan."""

from __future__ import annotations

import itertools
import random
import time

from routing import _pyvrp, _vroom
from routing._candidates import find_candidates
from routing._construct import Recreator, regret_construction, score
from routing._ils import iterated_search
from routing._instance import Instance, compile_instance, make_lookup
from routing._local import LocalSearch
from routing._ortools import Engine, EngineInput
from routing._repair import Repairer, is_top_tier
from routing._schedule import RepScheduler
from routing.check import check_solution
from routing.errors import RequiredVisitError, SolutionCheckError
from routing.matrix_types import Matrix
from routing.params import DEFAULT_TIME_LIMIT_S, SolveParams
from routing.problem import Problem
from routing.solution import Reason, Route, RouteBreak, Solution, Stop, Summary, Unassigned


def solve(problem: Problem, params: SolveParams | None = None, matrix: Matrix | None = None) -> Solution:
    """Plan every rep's day. `matrix`, when given, replaces the problem's own (same indexing).

    Raises `RequiredVisitError` when a required visit cannot be served.
    """
    began = time.perf_counter()
    if params is None:
        params = SolveParams(time_limit_s=problem.time_limit_s, seed=problem.seed or 0)
    time_limit_s = params.time_limit_s
    # Only these bound a run without a clock; anything else would search forever.
    bounded = (
        params.solution_limit is not None
        or params.branch_limit is not None
        or (params.iterations is not None and params.metaheuristic in ("iterated_local_search", "greedy_descent"))
    )
    if time_limit_s is None and not bounded:
        time_limit_s = problem.time_limit_s or DEFAULT_TIME_LIMIT_S

    inst = compile_instance(problem, matrix)
    lookup = make_lookup(inst)
    schedulers = [RepScheduler(inst, lookup, r) for r in range(inst.n_reps)]
    candidates = find_candidates(inst, lookup, schedulers)
    for v, reason in candidates.excluded.items():
        if problem.visits[v].required:
            raise RequiredVisitError(problem.visits[v].id, reason)

    repairer = Repairer(inst, lookup, schedulers, candidates.allowed_reps)
    in_play = [v for v in range(inst.n_visits) if v not in candidates.excluded]
    routes: list[list[int]] = [[] for _ in range(inst.n_reps)]
    if in_play:
        initial = None
        deadline = None if time_limit_s is None else began + time_limit_s - _FINISH_S
        local = LocalSearch(inst, lookup, repairer, in_play, deadline) if params.local_search else None
        if params.first_solution == "regret":
            compiled_start = None
            if params.vroom_start and inst.n_reps <= _VROOM_MAX_REPS and _vroom.available():
                # VROOM first: its search usually ends well before its share; ours gets the rest.
                # Loading its compiled module comes out of that share; a share too small to search
                # in is left to our own search.
                _vroom.load()
                vroom_s = None if time_limit_s is None else time_limit_s * _VROOM_SHARE - (time.perf_counter() - began)
                if vroom_s is None or vroom_s >= _VROOM_MIN_S:
                    exploration = _vroom.exploration_for(
                        len(in_play), vroom_s, params.vroom_exploration, params.vroom_threads
                    )
                    from_vroom = _vroom.vroom_routes(
                        inst, candidates.allowed_reps, in_play, vroom_s, exploration, params.vroom_threads
                    )
                    compiled_start = [repairer.keep_feasible(r, seq) for r, seq in enumerate(from_vroom)]
                    if local is not None:
                        # VROOM may leave out an appointment to serve more priority; ours puts it back.
                        compiled_start = local.descend(compiled_start, select=True)
            elif (
                params.pyvrp_start
                and time_limit_s is not None
                and inst.n_reps > _VROOM_MAX_REPS
                and _pyvrp.available()
                and _pyvrp.fits(inst, candidates.allowed_reps, in_play)
            ):
                pyvrp_s = time_limit_s * _PYVRP_SHARE - (time.perf_counter() - began)
                if pyvrp_s >= _PYVRP_MIN_S:
                    from_pyvrp = _pyvrp.pyvrp_routes(inst, in_play, pyvrp_s, params.seed)
                    compiled_start = [repairer.keep_feasible(r, seq) for r, seq in enumerate(from_pyvrp)]
            share = _CONSTRUCTION_SHARE if compiled_start is not None else _CONSTRUCTION_SHARE_ALONE
            construction_s = None if time_limit_s is None else time_limit_s * share
            if compiled_start is not None and _out_of_time(began, time_limit_s):
                initial = compiled_start  # the start took the budget: no second construction
            else:
                initial = regret_construction(inst, lookup, repairer, in_play, params, deadline_s=construction_s)
                if compiled_start is not None and score(inst, lookup, compiled_start) < score(inst, lookup, initial):
                    initial = compiled_start
        if initial is not None and _out_of_time(began, time_limit_s):
            routes = initial  # a start that took the whole budget is the answer (VROOM on a large day)
        else:
            engine_input = EngineInput(
                visits=in_play,
                allowed_reps={
                    v: candidates.allowed_reps[v] for v in in_play if len(candidates.allowed_reps[v]) < inst.n_reps
                },
                top_tier={v for v in in_play if is_top_tier(problem.visits[v])},
            )
            engine = Engine(inst, engine_input, params)
            # The clock covers the whole solve: construction, building the engine, and the finishing
            # steps after the search (repair, timing, the independent check) within _FINISH_S.
            remaining_s = (
                None if time_limit_s is None else max(0.05, time_limit_s - _FINISH_S - (time.perf_counter() - began))
            )
            if params.metaheuristic == "iterated_local_search" and initial is not None:
                recreator = Recreator(inst, lookup, repairer)
                iterations = params.iterations or (_DEFAULT_ITERATIONS if remaining_s is None else 10**9)
                rng = random.Random(params.seed + 1)  # noqa: S311 - reproducible search noise
                ils_s = None if remaining_s is None else remaining_s * params.ruin_share
                routes = iterated_search(
                    inst,
                    lookup,
                    engine,
                    recreator,
                    initial,
                    in_play,
                    rng,
                    ils_s,
                    iterations,
                    local,
                    params.stall_rounds,
                )
                gls_bounded = (
                    remaining_s is not None or params.solution_limit is not None or params.branch_limit is not None
                )
                if gls_bounded and params.ruin_share < 1.0:
                    # GLS finishes: it refines long routes better, the ruins move between valleys better.
                    left_s = None if time_limit_s is None else max(0.01, time_limit_s - (time.perf_counter() - began))
                    refined = engine.search(routes, left_s, "guided_local_search")
                    if refined is not None and score(inst, lookup, refined) <= score(inst, lookup, routes):
                        routes = refined
            else:
                # Without our construction there is nothing to ruin: polish the engine's own start by GLS.
                metaheuristic = (
                    "guided_local_search" if params.metaheuristic == "iterated_local_search" else params.metaheuristic
                )
                found = engine.search(initial, remaining_s, metaheuristic)
                if found is None and initial is not None:
                    found = engine.search(None, remaining_s, metaheuristic)
                routes = found if found is not None else (initial or routes)
        # Guard against any disagreement between the engine's model and the exact scheduler.
        routes = [repairer.keep_feasible(r, seq) for r, seq in enumerate(routes)]

    served = {v for seq in routes for v in seq}
    dropped = [v for v in in_play if v not in served]
    dropped = repairer.insert_dropped(routes, dropped)
    dropped = repairer.swap_for_priority(routes, dropped)

    reasons: dict[int, Reason] = dict(candidates.excluded)
    for v in dropped:
        if problem.visits[v].required:
            raise RequiredVisitError(problem.visits[v].id, "priority")
        reasons[v] = "priority"
    solution = _build_solution(inst, schedulers, routes, reasons, time.perf_counter() - began)
    if params.verify:
        violations = check_solution(problem, solution, matrix)
        if violations:
            raise SolutionCheckError(violations)
    return solution


# Share of a timed run by which VROOM's start must be done (it stops earlier when its search ends).
# On two threads (`SolveParams.vroom_threads`) a team's day gains more from VROOM's own search than
# from ours after it: on the day benchmark's 2- and 3-rep days 0.9 beat 0.8, and 0.95 left our search
# too little on day 12 at 0.5 s (measured 2026-12-05). One-rep days had 0.9 already.
_VROOM_SHARE = 0.9
# VROOM's start serves a rep's day (one rep at night and on re-plan, a few on shared days); on large
# fleets it was a worse start than our regret insertion (Solomon, 25 vehicles, 2 s: mean gap 5.0 %
# against 2.5 % on five instances, measured 2026-12-04 under load), so they go without it.
_VROOM_MAX_REPS = 5
# Least budget worth giving VROOM (its first construction cannot be interrupted).
_VROOM_MIN_S = 0.05
# Share of a timed fleet day by which PyVRP's start must be done, and the least worth giving it.
_PYVRP_SHARE = 0.8
_PYVRP_MIN_S = 0.1
# Share of a timed run for our own regret-insertion restarts (at least one runs): small beside VROOM's
# start, larger when ours is the only start (fleets).
_CONSTRUCTION_SHARE = 0.05
_CONSTRUCTION_SHARE_ALONE = 0.2
# Time kept back from the search for what follows it (repair, timing, the independent check).
_FINISH_S = 0.01
# Below this much time left, no further step starts (each needs some tens of milliseconds at least).
_LAST_STEP_S = 0.03


def _out_of_time(began: float, time_limit_s: float | None) -> bool:
    return time_limit_s is not None and time_limit_s - (time.perf_counter() - began) < _LAST_STEP_S


# Ruin-and-recreate rounds when the run is bounded by solutions rather than by time.
_DEFAULT_ITERATIONS = 20


def _build_solution(
    inst: Instance,
    schedulers: list[RepScheduler],
    routes: list[list[int]],
    reasons: dict[int, Reason],
    elapsed_s: float,
) -> Solution:
    problem = inst.problem
    out_routes: list[Route] = []
    for r, seq in enumerate(routes):
        if not seq:  # a rep with nothing to do stays put
            shift_start_s = problem.reps[r].shift.start_s
            out_routes.append(
                Route(
                    rep=problem.reps[r].id,
                    stops=(),
                    breaks=(),
                    start_s=shift_start_s,
                    end_s=shift_start_s,
                    travel_s=0.0,
                    distance_m=0.0,
                )
            )
            continue
        timed = schedulers[r].timed(seq)
        assert timed is not None, "a kept route is always feasible"
        nodes = [inst.start_node(r), *seq, inst.end_node(r)]
        travel_s = sum(float(inst.duration_raw_s[a, b]) for a, b in itertools.pairwise(nodes))
        distance_m = sum(float(inst.distance_raw_m[a, b]) for a, b in itertools.pairwise(nodes))
        stops = tuple(
            Stop(visit=problem.visits[v].id, arrival_s=arrival, start_s=start, end_s=end)
            for v, (arrival, start, end) in zip(seq, timed.stops, strict=True)
        )
        out_routes.append(
            Route(
                rep=problem.reps[r].id,
                stops=stops,
                breaks=tuple(RouteBreak(start_s=s, end_s=e) for s, e in timed.breaks),
                start_s=timed.start_s,
                end_s=timed.end_s,
                travel_s=travel_s,
                distance_m=distance_m,
            )
        )
    unassigned = tuple(Unassigned(visit=problem.visits[v].id, reason=reason) for v, reason in sorted(reasons.items()))
    served = [v for seq in routes for v in seq]
    summary = Summary(
        travel_s=sum(r.travel_s for r in out_routes),
        distance_m=sum(r.distance_m for r in out_routes),
        visits_assigned=len(served),
        visits_unassigned=len(unassigned),
        priority_served=sum(problem.visits[v].priority for v in served),
        solve_s=round(elapsed_s, 3),
    )
    return Solution(routes=tuple(out_routes), unassigned=unassigned, summary=summary)
