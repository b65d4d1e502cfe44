"""Visit schedule (journey plan) requests and what was stored."""

from __future__ import annotations

import datetime as dt

import msgspec


class ScheduleCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    rep_id: int
    start: dt.date
    weeks: int = 4
    # Holidays and the rep's absences: days without visits.
    days_off: list[dt.date] = []
    force_class_a: bool = False


class ScheduleAccountRow(msgspec.Struct, frozen=True):
    id: int
    lat: float
    lon: float
    account_class: str
    visit_frequency_per_4_weeks: int
    service_s: int
    open_weekdays: list[int]


class ScheduleRepRow(msgspec.Struct, frozen=True):
    rep_id: int
    home_lat: float | None
    home_lon: float | None
    shift_start_s: int
    shift_end_s: int
    travel_mode: str
    working_days: list[int]
    max_visits_per_day: int | None


class ScheduleDayOut(msgspec.Struct, frozen=True):
    day: dt.date
    account_ids: list[int]
    workload_s: int
    travel_estimate_s: int


class StoredSchedule(msgspec.Struct, frozen=True):
    id: int
    rep_id: int
    start_day: dt.date
    weeks: int
    feasible: bool
    visits_planned: int
    report: dict[str, object]
    days: list[ScheduleDayOut]
