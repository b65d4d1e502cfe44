"""Structs of day planning: what goes into a rep's route problem and what comes out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

StopSource = Literal["schedule", "carried_over", "appointment", "task", "handover"]
RepRunStatus = Literal[
    "queued",
    "running",
    "planned",
    "unchanged",
    "churn_capped",
    "superseded",
    "failed",
    "day_off",
    "withdrawn",
    "no_territory",
]


class RepPlanningProfile(msgspec.Struct, frozen=True):
    rep_id: int
    email: str
    home_lat: float | None
    home_lon: float | None
    shift_start_s: int
    shift_end_s: int
    time_zone: str
    travel_mode: str
    working_days: list[int]


class Candidate(msgspec.Struct, frozen=True):
    """One visit that may go on the route: an account, why it is due, and when it may start."""

    account_id: int
    name: str
    lat: float | None
    lon: float | None
    service_s: int
    account_class: str
    source: StopSource
    priority: int
    due_day: dt.date
    pinned_start_s: int | None = None
    # Visits per 4 weeks: how soon after a visit the account is due again.
    frequency: int = 1
    # Opening hours of the route's weekday: [(open_s, close_s)], seconds from local midnight.
    opening: list[tuple[int, int]] = []


class PlannedStop(msgspec.Struct, frozen=True):
    account_id: int
    source: StopSource
    priority: int
    due_day: dt.date
    arrival_s: int
    start_s: int
    end_s: int
    service_s: int
    travel_from_previous_s: int
    window_start_s: int | None
    window_end_s: int | None
    pinned_start_s: int | None


class DroppedVisit(msgspec.Struct, frozen=True):
    account_id: int
    reason: str
    source: StopSource | None = None


class PlannedRoute(msgspec.Struct, frozen=True):
    stops: list[PlannedStop]
    breaks: list[tuple[int, int]]
    dropped: list[DroppedVisit]
    start_s: int
    end_s: int
    travel_s: int
    distance_m: float
    solve_s: float
    # The way along the roads ((lat, lon) vertices) when a road engine drew it (`road_path.py`).
    road_path: list[tuple[float, float]] | None = None


class StoredRouteHead(msgspec.Struct, frozen=True):
    id: int
    version: int
    inputs_hash: str
    run_id: int | None
    kind: str
    published_at: dt.datetime


class RepDayCalendar(msgspec.Struct, frozen=True):
    holiday: bool
    absent: bool
    territories: int


class LastCheckIn(msgspec.Struct, frozen=True):
    lat: float
    lon: float
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None


class RepRunReport(msgspec.Struct, frozen=True):
    rep_id: int
    email: str
    status: RepRunStatus
    attempts: int
    visits_planned: int | None
    visits_dropped: int | None
    dropped: list[DroppedVisit]
    solve_s: float | None
    route_id: int | None
    error: str | None


class PlanningRun(msgspec.Struct, frozen=True):
    id: int
    day: dt.date
    trigger: str
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    reps_total: int
    reps_finished: int
    reps_failed: int
    reps: list[RepRunReport]
