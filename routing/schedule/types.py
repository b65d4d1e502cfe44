"""Immutable data of the visit schedule: the request in, the feasibility report and the schedule out.

Weekdays are ISO (1 = Monday .. 7 = Sunday), as in the database. Times are integer seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import msgspec

from routing.matrix.haversine import CAR

AccountClass = Literal["A", "B", "C"]
CLASSES: tuple[AccountClass, ...] = ("A", "B", "C")
WORKWEEK: frozenset[int] = frozenset({1, 2, 3, 4, 5})


class ScheduleAccount(msgspec.Struct, frozen=True, kw_only=True):
    """An outlet to visit `visits_per_cycle` times in the cycle (with a 4-week cycle: 4 weekly, 2 fortnightly,
    1 four-weekly; any count from 1 to the cycle's days works, spaced ``7 x weeks / visits_per_cycle`` days).
    `open_weekdays` None means open every day. `pinned_weekday` fixes the weekday of its visits when their
    period is a whole number of weeks (a visit falling on a day off may still move within the tolerance);
    it is ignored for other periods."""

    id: str
    lat: float
    lon: float
    account_class: AccountClass
    visits_per_cycle: int
    service_s: int
    open_weekdays: frozenset[int] | None = None
    pinned_weekday: int | None = None


class ScheduleRep(msgspec.Struct, frozen=True, kw_only=True):
    """The rep whose journey plan is built: home point, working weekdays, the length of a working day
    (`shift_s`, which bounds service plus estimated travel), an optional visit cap per day, and the speed
    and circuity (street detour over the great circle) used for travel estimates: the callers pass
    the rep's travel-mode profile of `routing.matrix.haversine` (the default circuity is the car's)."""

    id: str
    home_lat: float
    home_lon: float
    shift_s: int
    speed_m_per_s: float
    working_weekdays: frozenset[int] = WORKWEEK
    max_visits_per_day: int | None = None
    circuity: float = CAR.circuity


class ScheduleRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One rep, their accounts, a cycle of `weeks` weeks from `start`, and the days without visits."""

    rep: ScheduleRep
    accounts: Sequence[ScheduleAccount]
    start: dt.date
    weeks: int = 4
    days_off: frozenset[dt.date] = frozenset()
    force_class_a: bool = False
    spacing_tolerance_days: int = 2


class ClassShortfall(msgspec.Struct, frozen=True):
    """Visits of one class: required by the frequencies, planned, and missing (required - planned)."""

    account_class: AccountClass
    required_visits: int
    planned_visits: int
    missing_visits: int


class DroppedAccount(msgspec.Struct, frozen=True):
    """An account left out of the schedule altogether, with why."""

    id: str
    account_class: AccountClass
    reason: str


class MissingVisit(msgspec.Struct, frozen=True):
    """One visit of a scheduled account that could not be placed; `day` is its nominal date when known."""

    id: str
    account_class: AccountClass
    day: dt.date | None
    reason: str


class FeasibilityReport(msgspec.Struct, frozen=True):
    """Required visits against capacity, before planning.

    `day_capacity` is min(max_visits_per_day, the visits that fit in the shift at the mean service time
    plus the estimated travel per visit); `capacity_visits` is that times the working days of the cycle.
    `classes` lists every class present; `shortfall` only those missing visits. `dropped` are the accounts
    the schedule leaves out (lowest class first; A only with ``force_class_a``) and accounts that cannot be
    visited at all (closed on every working day, pinned to a day off, ...).
    """

    feasible: bool
    required_visits: int
    capacity_visits: int
    day_capacity: int
    working_days: list[dt.date]
    classes: list[ClassShortfall]
    shortfall: list[ClassShortfall]
    dropped: list[DroppedAccount]


class ScheduleDay(msgspec.Struct, frozen=True):
    """One working day: the accounts in estimated visiting order (a tour from home and back), and its
    workload = service + estimated travel."""

    day: dt.date
    account_ids: list[str]
    service_s: int
    travel_estimate_s: int
    workload_s: int


class Schedule(msgspec.Struct, frozen=True):
    """The journey plan. `days` lists every working day of the cycle that is not a day off (possibly empty);
    `visits` maps each scheduled account to its sorted visit dates. `feasible` means every required visit of
    every account is planned (no `dropped`, no `missing`, empty `shortfall`)."""

    days: list[ScheduleDay]
    feasible: bool
    shortfall: list[ClassShortfall]
    dropped: list[DroppedAccount]
    visits: dict[str, list[dt.date]]
    missing: list[MissingVisit] = []
    check: FeasibilityReport | None = None
