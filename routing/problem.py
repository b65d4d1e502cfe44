"""Immutable problem data: reps, visits, an optional matrix, the objective.

Times are integer seconds from local midnight of the route's day, distances metres.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from routing.matrix_types import Matrix

Objective = Literal["duration", "distance"]


class Location(msgspec.Struct, frozen=True):
    lat: float
    lon: float


class TimeWindow(msgspec.Struct, frozen=True):
    """Inclusive bounds; for a visit they bound the start of service, for a break the whole break."""

    start_s: int
    end_s: int


class Break(msgspec.Struct, frozen=True):
    window: TimeWindow
    duration_s: int


class Pinned(msgspec.Struct, frozen=True):
    """A fixed appointment: served by `rep`, starting exactly at `start_s` when given."""

    rep: str
    start_s: int | None = None


class Rep(msgspec.Struct, frozen=True):
    """One rep's day. The route ends back at the start unless `end`/`end_index` is given or `open_end`."""

    id: str
    shift: TimeWindow
    start: Location | None = None
    start_index: int | None = None
    end: Location | None = None
    end_index: int | None = None
    open_end: bool = False
    max_work_s: int | None = None
    max_visits: int | None = None
    capacity: int | None = None
    skills: tuple[str, ...] = ()
    breaks: tuple[Break, ...] = ()

    @property
    def returns_to_start(self) -> bool:
        return not self.open_end and self.end is None and self.end_index is None


class Visit(msgspec.Struct, frozen=True):
    """A visit; no `time_windows` means any time within the shift."""

    id: str
    service_s: int
    location: Location | None = None
    location_index: int | None = None
    time_windows: tuple[TimeWindow, ...] = ()
    priority: int = 50
    required: bool = False
    demand: int = 0
    skills: tuple[str, ...] = ()
    reps: tuple[str, ...] | None = None
    pinned: Pinned | None = None


class Problem(msgspec.Struct, frozen=True):
    """`travel_mode` prices travel when the problem gives coordinates and no matrix (see
    `routing.matrix.haversine` for the speed and detour factor of each mode)."""

    reps: tuple[Rep, ...]
    visits: tuple[Visit, ...]
    matrix: Matrix | None = None
    objective: Objective = "duration"
    time_limit_s: float | None = None
    seed: int | None = None
    travel_mode: str = "car"
