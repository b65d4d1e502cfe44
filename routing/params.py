"""Knobs of one solve."""

from __future__ import annotations

from typing import Literal

import msgspec

FirstSolution = Literal["regret", "parallel_cheapest_insertion", "path_cheapest_arc", "savings"]
Metaheuristic = Literal["guided_local_search", "iterated_local_search", "simulated_annealing", "greedy_descent"]

DEFAULT_TIME_LIMIT_S = 5.0


class SolveParams(msgspec.Struct, frozen=True, kw_only=True):
    """How long and how to search.

    The default search: VROOM's plan (pyvroom, C++ construction and local search; days of up to five
    reps, up to 90 % of a timed run on two threads, less deep when the budget is tight) or, on a timed fleet day PyVRP
    models exactly, PyVRP's plan (hybrid genetic search in C++, up to 80 %), and seeded regret-insertion
    restarts (our construction); the better start, after our insert/replace pass (a left-out visit
    takes the place of one of lower priority; an appointment left out takes the place of a short
    string), goes into an iterated local search: each round ruins a cluster or strings of the plan
    (or the room around a visit left out), re-inserts by regret, and descends with our own granular
    local search (relocate of strings of 1-3 visits, swap, 2-opt*), with O(1) time-window checks.
    The OR-Tools engine polishes: a greedy descent on each new best plan while that is cheap, on every
    round of a day that cannot serve every visit (its make-active moves), and on the final plan; with
    ``ruin_share < 1`` its guided local search gets the rest of a timed run.
    ``metaheuristic="guided_local_search"`` runs OR-Tools GLS alone instead.

    Deterministic, bounded by work (no clock): ``SolveParams(iterations=N, seed=S)`` and no
    `time_limit_s`. Every phase is then bounded by counts: VROOM runs to the end of its own search
    (one thread), `construction_restarts` regret runs, at most N ruin-and-recreate rounds (fewer when
    `stall_rounds` in a row find no better plan), greedy descents that end at their local optimum. The
    same problem, N and S give the same solution on any machine, however loaded. On eight one-rep
    days of the day benchmark (`benchmarks/days.py`) N=80 took 0.43-0.58 s of one core (one day
    1.78 s) and served at least VROOM's priority on each (measured 2026-12-04).

    Runs bounded by `solution_limit`/`branch_limit` (and no `time_limit_s`) are reproducible as well.
    With no limit at all the problem's own ``options.time_limit_s`` applies, else `DEFAULT_TIME_LIMIT_S`.
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
    # Ruin-and-recreate rounds of the iterated local search. Without `time_limit_s` this bounds the
    # whole solve deterministically (see above); with it, the clock ends the rounds (or this, if sooner).
    iterations: int | None = None
    # Without a clock the rounds also end after this many in a row without a better plan (still
    # deterministic; None: always all `iterations`). On 8 one-rep days from VROOM's start 40 rounds
    # served the same as 80.
    stall_rounds: int | None = 30
    # Share of the search time given to ruin-and-recreate; guided local search gets the rest.
    ruin_share: float = 1.0
    # Our own granular local search (relocate, swap, 2-opt*) after every ruin-and-recreate round;
    # the OR-Tools descent then polishes only rounds that beat the best plan so far.
    local_search: bool = True
    # Start from VROOM's plan too (pyvroom: its construction and local search in C++) on days of up to
    # five reps, and keep the better start; `vroom_exploration` is its search depth (0-5).
    vroom_start: bool = True
    vroom_exploration: int = 5
    # VROOM's threads on a timed run (re-plan, `fieldsales solve`): it spreads its searches over both
    # cores. Runs without a clock use one thread (deterministic; the nightly's workers fill the cores).
    vroom_threads: int = 2
    # Start fleet days (more than five reps) from PyVRP's plan (hybrid genetic search in C++) where its
    # model is exact (`routing._pyvrp.fits`): up to 80 % of a timed run; runs bounded by work skip it.
    pyvrp_start: bool = True
    # Check the result with the independent checker (cheap; turn off only in benchmarks of search).
    verify: bool = True
