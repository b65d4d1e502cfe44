"""Immutable solution data and its JSON form."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Reason = Literal["time_window", "shift", "skills", "capacity", "unreachable", "priority"]
REASONS: tuple[Reason, ...] = ("time_window", "shift", "skills", "capacity", "unreachable", "priority")


class Stop(msgspec.Struct, frozen=True):
    """One served visit: arrival at the place, start and end of service (seconds from midnight)."""

    visit: str
    arrival_s: int
    start_s: int
    end_s: int


class RouteBreak(msgspec.Struct, frozen=True):
    start_s: int
    end_s: int


class Route(msgspec.Struct, frozen=True):
    """One rep's route; travel and distance are summed from the travel matrix as supplied."""

    rep: str
    stops: tuple[Stop, ...]
    breaks: tuple[RouteBreak, ...]
    start_s: int
    end_s: int
    travel_s: float
    distance_m: float


class Unassigned(msgspec.Struct, frozen=True):
    visit: str
    reason: Reason


class Summary(msgspec.Struct, frozen=True):
    travel_s: float
    distance_m: float
    visits_assigned: int
    visits_unassigned: int
    priority_served: int
    solve_s: float


class Solution(msgspec.Struct, frozen=True):
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    summary: Summary


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(solution)
    return result


def solution_to_json(solution: Solution) -> bytes:
    return msgspec.json.encode(solution)
