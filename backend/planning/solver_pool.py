"""Solves in worker processes: an OR-Tools solve holds the GIL, so in a thread it would block the
event loop (and a job worker's heartbeats) for the whole solve.

Rules:
- Typed both ways: a `routing.Problem` and `routing.SolveParams` go to the child, a `routing.Solution`
  comes back (msgspec structs, pickled as such; no dicts cross the boundary).
- Bounded: at most `processes` solves run and at most `max_queued` wait; one more is refused at once
  with `SolverBusy` (503, Retry-After) instead of queueing without end.
- A solver process that dies (killed, out of memory) fails only the solves it had, as `SolverCrashed`
  (503), logged with its traceback; the next solve starts a fresh pool.
- Children die with their parent: the fork server (preloading `forkserver_preload`) and each solver
  process (its initializer) set PR_SET_PDEATHSIG (Linux) to SIGKILL, so a worker or API process
  killed with SIGKILL leaves no solver process behind.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import routing
from backend.errors import Conflict, Unavailable
from backend.observability import metrics
from backend.planning.pdeathsig import die_with_parent

T = TypeVar("T")
log = logging.getLogger("fieldsales.solver")


class SolverFailed(Conflict):
    """The solver refused the problem (a required visit that cannot be placed, an invalid problem)."""

    title = "Cannot plan the day"


class SolverCrashed(Unavailable):
    """A solver process died while solving; the solve may be retried."""


class SolverBusy(Unavailable):
    """Every solver process is busy and the queue is full."""


def _solve_in_child(problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
    return routing.solve(problem, params)


class SolverPool:
    """A bounded pool of solver processes shared by the API process or a job worker."""

    def __init__(self, processes: int = 1, *, max_queued: int = 16, retry_after_s: int = 5) -> None:
        self._processes = max(1, processes)
        self._max_queued = max(0, max_queued)
        self._retry_after_s = retry_after_s
        self._executor: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self._processes)
        self._waiting = 0
        self._running = 0

    @property
    def queued(self) -> int:
        """Solves waiting for a process."""
        return self._waiting

    @property
    def running(self) -> int:
        return self._running

    def child_pids(self) -> list[int]:
        """The solver processes alive now (started lazily by the first solve)."""
        if self._executor is None:
            return []
        processes = getattr(self._executor, "_processes", None) or {}
        return [pid for pid, process in processes.items() if process.is_alive()]

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: children do not inherit the event loop, sockets or threads of the parent.
            context = multiprocessing.get_context("forkserver")
            # Takes effect when this starts the fork server (the first pool of the process).
            context.set_forkserver_preload(["backend.planning.forkserver_preload"])
            self._executor = ProcessPoolExecutor(
                max_workers=self._processes, mp_context=context, initializer=die_with_parent
            )
        return self._executor

    async def _run(self, what: str, function: Callable[..., T], *args: Any) -> T:
        if self._waiting >= self._max_queued and self._slots.locked():
            metrics.SOLVER_REFUSED.inc()
            raise SolverBusy(
                f"all {self._processes} solver processes are busy and {self._waiting} solves wait; retry shortly",
                retry_after_s=self._retry_after_s,
            )
        self._waiting += 1
        metrics.SOLVER_QUEUE_DEPTH.set(self._waiting)
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
            metrics.SOLVER_QUEUE_DEPTH.set(self._waiting)
        self._running += 1
        metrics.SOLVER_BUSY.set(self._running)
        started = time.perf_counter()
        try:
            executor = self._pool()
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool as exc:
            # The pool is unusable after a child died: drop it, the next solve starts a new one.
            log.exception("solver process died during %s", what)
            self._discard(executor)
            raise SolverCrashed("a solver process stopped while solving; retry shortly") from exc
        finally:
            self._running -= 1
            metrics.SOLVER_BUSY.set(self._running)
            metrics.SOLVE_SECONDS.labels(what).observe(time.perf_counter() - started)
            self._slots.release()

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is executor:
            self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)

    async def solve(self, problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
        try:
            return await self._run("route", _solve_in_child, problem, params)
        except (routing.ProblemError, routing.RequiredVisitError) as exc:
            raise SolverFailed(str(exc)) from exc

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run another CPU-bound pure function (a schedule plan) in the same bounded processes."""
        return await self._run(getattr(function, "__name__", "call"), function, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
