"""Knobs of one solve."""

from __future__ import annotations

from typing import Literal

import msgspec

FirstSolution = Literal["regret", "parallel_cheapest_insertion", "path_cheapest_arc", "savings"]
Metaheuristic = Literal["guided_local_search", "iterated_local_search", "simulated_annealing", "greedy_descent"]

DEFAULT_TIME_LIMIT_S = 5.0


class SolveParams(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how to search.

    The default search: seeded regret-insertion restarts (our construction), then an iterated local
    search that ruins a cluster or strings of the plan, re-inserts by regret and polishes with an
    OR-Tools greedy descent. ``metaheuristic="guided_local_search"`` runs OR-Tools GLS instead.

    A run bounded by `solution_limit`/`iterations`/`branch_limit` and no `time_limit_s` is
    reproducible: the same problem, seed and limits give the same solution. With no limit at all the
    problem's own ``options.time_limit_s`` applies, else `DEFAULT_TIME_LIMIT_S`.
    """

    time_limit_s: float | None = None
    seed: int = 0
    solution_limit: int | None = None
    # Search tree branches (a deterministic work measure); ends runs a solution limit alone would not.
    branch_limit: int | None = None
    first_solution: FirstSolution = "regret"
    metaheuristic: Metaheuristic = "iterated_local_search"
    guided_local_search_lambda: float = 0.1
    # Our own regret-insertion construction: how many randomized restarts to try (seeded).
    construction_restarts: int = 4
    # Ruin-and-recreate rounds of the iterated local search (a deterministic bound on it).
    iterations: int | None = None
    # Share of the search time given to ruin-and-recreate; guided local search gets the rest.
    ruin_share: float = 0.5
    # Our own granular local search (relocate, swap, 2-opt*) after every ruin-and-recreate round;
    # the OR-Tools descent then polishes only rounds that beat the best plan so far.
    local_search: bool = True
    # Check the result with the independent checker (cheap; turn off only in benchmarks of search).
    verify: bool = True
