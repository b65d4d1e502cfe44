"""Iterated local search: ruin part of the plan, recreate it by regret, descend, accept or not.

Ruins remove a spatial cluster, strings of consecutive visits (SISR-like), or the served visits
around one left out (to make room for it). The descent is our own granular local search
(`routing._local`); the OR-Tools engine's greedy descent polishes new best plans while that is cheap,
every round on a day that cannot serve everything (its make-active moves), and the final plan.
Acceptance is priority first (never a plan that serves less priority than the current one), then
simulated annealing on travel. Bounded by `iterations` alone, everything here is deterministic.
"""

from __future__ import annotations

import math
import random
import time

from routing._construct import Recreator, score
from routing._instance import Instance, Lookup
from routing._local import LocalSearch
from routing._ortools import Engine

# A ruin removes this share of the served visits (at least 2, at most _MAX_RUIN), nearest first.
_RUIN_SHARE = 0.12
_MAX_RUIN = 30
# Simulated-annealing acceptance on the travel part: start accepting 0.3 % worse, end near greedy.
_START_TEMPERATURE = 0.003
_END_TEMPERATURE = 0.0005
# Share of ruins that cut consecutive strings out of routes (SISR-like) instead of a spatial cluster.
_STRING_SHARE = 0.5
_MAX_STRING = 10
# No new round when less than this is left: a descent needs some milliseconds to finish.
_MIN_POLISH_S = 0.05
_MIN_LOCAL_S = 0.005
_ENGINE_SHARE = 0.03
# Share of ruins centred on a visit left out (when some are), to make room for it.
_LEFT_OUT_SEED = 0.5
# How much priorities are blurred in half the recreates of an over-subscribed day.
_PRIORITY_BLUR = 0.6
_ENGINE_WHEN_LEFT_OUT = True


def iterated_search(
    inst: Instance,
    lookup: Lookup,
    engine: Engine,
    recreator: Recreator,
    routes: list[list[int]],
    in_play: list[int],
    rng: random.Random,
    deadline_s: float | None,
    iterations: int,
    local: LocalSearch | None = None,
    stall_rounds: int | None = None,
) -> list[list[int]]:
    began = time.perf_counter()
    polish_began = time.perf_counter()
    polished: list[list[int]] | None
    if local is not None:
        # Our descent is the polish of every round; the engine's descent comes at the end (and, time
        # permitting, on new best plans).
        polished = local.descend(routes)
        last_polish_s = 0.0
    else:
        polished = engine.search(routes, deadline_s, "greedy_descent")
        last_polish_s = time.perf_counter() - polish_began
    current = polished if polished is not None else routes
    current_score = score(inst, lookup, current)
    best, best_score = current, current_score
    cost = lookup.cost
    last_best = 0
    for iteration in range(iterations):
        if deadline_s is None and stall_rounds is not None and iteration - last_best >= stall_rounds:
            break  # bounded by work: rounds that no longer find anything are not spent
        elapsed = time.perf_counter() - began
        if deadline_s is not None and elapsed >= deadline_s - (
            _MIN_LOCAL_S if local is not None else max(_MIN_POLISH_S, 2 * last_polish_s)
        ):
            break  # a polish cut short by its time limit leaves the OR-Tools model refusing later starts
        progress = elapsed / deadline_s if deadline_s else iteration / max(1, iterations)
        served = [v for seq in current for v in seq]
        served_set = set(served)
        if len(served) < 2:
            break
        size = max(2, min(_MAX_RUIN, int(len(served) * _RUIN_SHARE * rng.uniform(0.4, 2.0))))
        seed = rng.choice(served)
        left_out = [v for v in in_play if v not in served_set]
        if left_out and rng.random() < _LEFT_OUT_SEED:
            # Make room around a visit left out, the more likely the higher its priority.
            visits = inst.problem.visits
            seed = max(left_out, key=lambda v: visits[v].priority * rng.random())
            removed = sorted(served, key=lambda v: cost[seed][v] + cost[v][seed])[:size]
        elif rng.random() < _STRING_SHARE:
            removed = _strings_near(current, seed, size, cost, rng)
        else:
            removed = sorted(served, key=lambda v: cost[seed][v] + cost[v][seed])[:size]
        removed_set = set(removed)
        ruined = []
        for r, seq in enumerate(current):
            # Without the triangle inequality a shortened route can become infeasible: trim it.
            kept = recreator.builder.repairer.keep_feasible(r, [v for v in seq if v not in removed_set])
            removed.extend(v for v in seq if v not in removed_set and v not in kept)
            ruined.append(kept)
        # Visits left out so far get another chance alongside the removed ones.
        unserved = [v for v in in_play if v not in served_set]
        blur = _PRIORITY_BLUR if unserved and rng.random() < 0.5 else 0.0
        candidate = recreator.recreate(
            ruined, removed + unserved, rng, by_deadline=rng.random() < 0.3, priority_noise=blur
        )
        left_s = None if deadline_s is None else max(0.01, deadline_s - (time.perf_counter() - began))
        if local is not None:
            # Our own descent every round; the engine's descent only on a candidate that beats the best.
            focus = {v for r, seq in enumerate(candidate) if seq != current[r] for v in seq}
            candidate = local.descend(candidate, rng, focus)
            # The descent may have made room: offer the visits still left out once more.
            on = {v for seq in candidate for v in seq}
            left_out = [v for v in in_play if v not in on]
            if left_out:
                filled = recreator.recreate(candidate, left_out, rng, by_deadline=False)
                if sum(map(len, filled)) > len(on):
                    candidate = local.descend(filled, rng)
            candidate_score = score(inst, lookup, candidate)
            engine_time = deadline_s is None or (
                time.perf_counter() - began < deadline_s - max(_MIN_POLISH_S, 2 * last_polish_s)
            )
            # A new best goes through the engine's descent when that is cheap next to the budget.
            # On a day that cannot serve everything, the engine's descent runs every round: its moves
            # that bring left-out visits in (make-active, swap-active) are what our descent lacks.
            cheap = deadline_s is None or last_polish_s <= _ENGINE_SHARE * deadline_s
            oversubscribed = _ENGINE_WHEN_LEFT_OUT and sum(map(len, candidate)) < len(in_play)
            if engine_time and (oversubscribed or (candidate_score < best_score and cheap)):
                polish_began = time.perf_counter()
                polished = engine.search(candidate, left_s, "greedy_descent")
                last_polish_s = time.perf_counter() - polish_began
                if polished is not None:
                    candidate = polished
                    candidate_score = score(inst, lookup, candidate)
        else:
            polish_began = time.perf_counter()
            polished = engine.search(candidate, left_s, "greedy_descent")
            last_polish_s = time.perf_counter() - polish_began
            if polished is not None:
                candidate = polished
            candidate_score = score(inst, lookup, candidate)
        temperature = _START_TEMPERATURE * (_END_TEMPERATURE / _START_TEMPERATURE) ** min(1.0, progress)
        threshold = -temperature * math.log(max(rng.random(), 1e-12))
        accept = candidate_score[:3] < current_score[:3] or (
            candidate_score[:3] == current_score[:3] and candidate_score[3] <= current_score[3] * (1 + threshold)
        )
        if accept:
            current, current_score = candidate, candidate_score
        if candidate_score < best_score:
            best, best_score = candidate, candidate_score
            last_best = iteration
    if local is not None:
        # Bring in what still fits or outranks a served visit (insert / replace), then descend again.
        selected = local.descend(best, select=True)
        if score(inst, lookup, selected) < best_score:
            best, best_score = selected, score(inst, lookup, selected)
    if local is not None and (deadline_s is None or time.perf_counter() - began < deadline_s - _MIN_POLISH_S):
        left_s = None if deadline_s is None else max(0.01, deadline_s - (time.perf_counter() - began))
        polished = engine.search(best, left_s, "greedy_descent")
        if polished is not None and score(inst, lookup, polished) <= best_score:
            best = polished
    return best


def _strings_near(
    routes: list[list[int]], seed: int, size: int, cost: list[list[int]], rng: random.Random
) -> list[int]:
    """Cut a string around the seed, then strings around its nearest visits on other routes."""
    route_of = {v: r for r, seq in enumerate(routes) for v in seq}
    order = sorted(route_of, key=lambda v: cost[seed][v] + cost[v][seed])
    removed: list[int] = []
    touched: set[int] = set()
    for v in order:
        if len(removed) >= size:
            break
        r = route_of[v]
        if r in touched:
            continue
        touched.add(r)
        seq = routes[r]
        length = min(len(seq), _MAX_STRING, size - len(removed), rng.randint(1, _MAX_STRING))
        at = seq.index(v)
        first = max(0, min(at - rng.randint(0, length - 1), len(seq) - length))
        removed.extend(seq[first : first + length])
    return removed
