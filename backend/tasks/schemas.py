"""Fixed appointments and supervisor tasks that the day planner must include."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

from backend.text_limits import Note


class TaskCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    account_id: int
    day: dt.date
    kind: Literal["appointment", "task"]
    # Appointments only: the visit starts exactly then (seconds from local midnight).
    start_s: int | None = None
    priority: int = 70
    note: Note | None = None


class PlannedTask(msgspec.Struct, frozen=True):
    id: int
    rep_id: int
    account_id: int
    account_name: str
    day: dt.date
    kind: str
    start_s: int | None
    priority: int
    note: str | None
    created_by: int | None
    # The day's published route: whether the task is on it, else the planner's reason (None: no
    # route for the day yet, or not planned since the task was added).
    route_id: int | None = None
    placed: bool | None = None
    reason: str | None = None


class AppointmentFrame(msgspec.Struct, frozen=True):
    service_s: int
    opening: list[tuple[int, int]]
    has_hours: bool
    shift_start_s: int
    shift_end_s: int
