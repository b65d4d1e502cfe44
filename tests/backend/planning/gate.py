"""A gate a solver process waits at (a FIFO), so a test can act while a solve is in hand and then let
it go, with no clock involved: the child blocks opening the FIFO until the test opens it to write."""

from __future__ import annotations

import os
from pathlib import Path

import routing
from backend.planning.solver_pool import SolverPool


def wait_at_gate(gate: str) -> int:
    with open(gate) as fifo:  # blocks until the test opens the other end
        fifo.read()
    return os.getpid()


def solve_after_gate(gate: str, problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
    wait_at_gate(gate)
    return routing.solve(problem, params)


def new_gate(folder: Path) -> str:
    path = folder / "gate"
    os.mkfifo(path)
    return str(path)


def open_gate(gate: str) -> None:
    with open(gate, "w"):
        pass


class GatedSolverPool(SolverPool):
    """Solves only once the gate is opened (or the process is killed while it waits)."""

    def __init__(self, gate: str, processes: int = 1) -> None:
        super().__init__(processes)
        self.gate = gate

    async def solve(self, problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
        return await self._run("route", solve_after_gate, self.gate, problem, params)
