"""Shared builders for routing tests: small problems on a line of places, easy to check by hand."""

from __future__ import annotations

from typing import Any

import pytest

from routing import Problem, Solution, SolveParams, check_solution, problem_from_dict, solve

HOUR = 3600
# Deterministic, small: bounded by solutions, never by wall-clock time.
PARAMS = SolveParams(solution_limit=100, branch_limit=3000, construction_restarts=2)


def line_matrix(size: int, step_s: int = 600, step_m: int = 1000) -> dict[str, list[list[float | None]]]:
    """Places 0..size-1 on a line: travel between i and j takes |i-j| steps."""
    return {
        "durations": [[float(abs(i - j) * step_s) for j in range(size)] for i in range(size)],
        "distances": [[float(abs(i - j) * step_m) for j in range(size)] for i in range(size)],
    }


def rep(rep_id: str = "r1", **extra: Any) -> dict[str, Any]:
    return {"id": rep_id, "start_index": 0, "shift": [8 * HOUR, 18 * HOUR], **extra}


def visit(visit_id: str, index: int, **extra: Any) -> dict[str, Any]:
    return {"id": visit_id, "location_index": index, "service_s": 1800, **extra}


def problem(reps: list[dict[str, Any]], visits: list[dict[str, Any]], size: int = 8, **extra: Any) -> Problem:
    return problem_from_dict({"reps": reps, "visits": visits, "matrix": line_matrix(size), **extra})


def solve_checked(p: Problem, params: SolveParams = PARAMS) -> Solution:
    solution = solve(p, params)
    assert check_solution(p, solution) == []
    return solution


def stops_of(solution: Solution, rep_id: str = "r1") -> dict[str, Any]:
    route = next(r for r in solution.routes if r.rep == rep_id)
    return {s.visit: s for s in route.stops}


def reasons_of(solution: Solution) -> dict[str, str]:
    return {u.visit: u.reason for u in solution.unassigned}


@pytest.fixture
def params() -> SolveParams:
    return PARAMS
