"""Knobs of one solve."""

from __future__ import annotations

from typing import Literal

import msgspec

FirstSolution = Literal["regret", "parallel_cheapest_insertion", "path_cheapest_arc", "savings"]
Metaheuristic = Literal["guided_local_search", "iterated_local_search", "simulated_annealing", "none"]

DEFAULT_TIME_LIMIT_S = 5.0


class SolveParams(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how to search.

    A run bounded only by `solution_limit` (no `time_limit_s`) is reproducible: the same problem,
    seed and limits give the same solution. With neither limit set the problem's own
    ``options.time_limit_s`` applies, else `DEFAULT_TIME_LIMIT_S`.
    """

    time_limit_s: float | None = None
    seed: int = 0
    solution_limit: int | None = None
    # Search tree branches (a deterministic work measure); ends runs a solution limit alone would not.
    branch_limit: int | None = None
    first_solution: FirstSolution = "regret"
    metaheuristic: Metaheuristic = "guided_local_search"
    guided_local_search_lambda: float = 0.1
    # Our own regret-insertion construction: how many randomized restarts to try (seeded).
    construction_restarts: int = 8
    # Check the result with the independent checker (cheap; turn off only in benchmarks of search).
    verify: bool = True
