"""The route optimizer: immutable problem data in, `solve(problem, params)` out.

OR-Tools is the engine, behind `routing._ortools`; nothing else here imports it.
"""

from routing._instance import location_points
from routing.check import check_solution
from routing.errors import ProblemError, RequiredVisitError, RoutingError, SolutionCheckError
from routing.matrix_types import Matrix
from routing.params import SolveParams
from routing.parse import problem_from_dict, problem_from_json
from routing.problem import Break, Location, Objective, Pinned, Problem, Rep, TimeWindow, Visit
from routing.solution import (
    REASONS,
    Reason,
    Route,
    RouteBreak,
    Solution,
    Stop,
    Summary,
    Unassigned,
    solution_to_dict,
    solution_to_json,
)
from routing.solve import solve

__all__ = [
    "REASONS",
    "Break",
    "Location",
    "Matrix",
    "Objective",
    "Pinned",
    "Problem",
    "ProblemError",
    "Reason",
    "Rep",
    "RequiredVisitError",
    "Route",
    "RouteBreak",
    "RoutingError",
    "Solution",
    "SolutionCheckError",
    "SolveParams",
    "Stop",
    "Summary",
    "TimeWindow",
    "Unassigned",
    "Visit",
    "check_solution",
    "location_points",
    "problem_from_dict",
    "problem_from_json",
    "solution_to_dict",
    "solution_to_json",
    "solve",
]
