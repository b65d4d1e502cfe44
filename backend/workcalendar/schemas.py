"""The working calendar: public holidays and reps' absences."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.planning.schemas import DroppedVisit


class HolidayCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    day: dt.date
    name: str
    # Only the reps whose territory is in this region are off; none = everyone.
    region: str | None = None


class Holiday(msgspec.Struct, frozen=True):
    id: int
    day: dt.date
    region: str | None
    name: str


class HolidayAdded(msgspec.Struct, frozen=True):
    holiday: Holiday
    # Routes withdrawn because they fell on the new holiday.
    withdrawn_route_ids: list[int]


class AbsenceCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    first_day: dt.date
    last_day: dt.date
    reason: str


class Absence(msgspec.Struct, frozen=True):
    id: int
    rep_id: int
    first_day: dt.date
    last_day: dt.date
    reason: str


class HandedOverOut(msgspec.Struct, frozen=True):
    rep_id: int
    route_id: int
    account_ids: list[int]


class DayHandover(msgspec.Struct, frozen=True):
    day: dt.date
    withdrawn_route_id: int | None
    receivers: list[HandedOverOut]
    unplaced: list[DroppedVisit]


class AbsenceAdded(msgspec.Struct, frozen=True):
    absence: Absence
    # The days of the absence that already had a route: handed over and withdrawn now (later days
    # are handed over by their nightly run).
    handovers: list[DayHandover]
