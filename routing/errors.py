"""The errors the routing package raises on purpose."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error this package raises on purpose."""


class ProblemError(RoutingError, ValueError):
    """The problem data is invalid; `field` is a path such as ``visits[3].time_windows[0]``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RequiredVisitError(RoutingError):
    """A visit marked ``required`` cannot be served; `reason` is one of the unassigned reasons."""

    def __init__(self, visit_id: str, reason: str) -> None:
        super().__init__(f"required visit {visit_id!r} cannot be served: {reason}")
        self.visit_id = visit_id
        self.reason = reason


class SolutionCheckError(RoutingError):
    """The solver produced a plan that the independent checker refuses (a bug, never expected)."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("solution violates constraints: " + "; ".join(violations[:10]))
        self.violations = violations
