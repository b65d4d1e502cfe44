"""Solves in worker processes: an OR-Tools solve holds the GIL, so in a thread it would block the
event loop (and a job worker's heartbeats) for the whole solve."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import routing

T = TypeVar("T")


class SolverFailed(Exception):
    """The problem was rejected or the solver failed; the message says why."""


def _solve_in_child(
    problem: dict[str, Any], time_limit_s: float | None, solution_limit: int | None, iterations: int | None
) -> dict[str, Any]:
    parsed = routing.problem_from_dict(problem)
    params = routing.SolveParams(
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        iterations=iterations,
        seed=int(problem.get("options", {}).get("seed", 0)),
    )
    return routing.solution_to_dict(routing.solve(parsed, params))


class SolverPool:
    """A bounded pool of solver processes shared by the API process or a job worker."""

    def __init__(self, processes: int = 1) -> None:
        self._processes = max(1, processes)
        self._executor: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self._processes)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: children do not inherit the event loop, sockets or threads of the parent.
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(max_workers=self._processes, mp_context=context)
        return self._executor

    async def solve(
        self,
        problem: dict[str, Any],
        *,
        time_limit_s: float | None,
        solution_limit: int | None = None,
        iterations: int | None = None,
    ) -> dict[str, Any]:
        async with self._slots:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(
                    self._pool(), _solve_in_child, problem, time_limit_s, solution_limit, iterations
                )
            except (routing.ProblemError, routing.RequiredVisitError) as exc:
                raise SolverFailed(str(exc)) from exc

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run another CPU-bound pure function (a schedule plan) in the same bounded processes."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool(), function, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
