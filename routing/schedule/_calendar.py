"""The cycle's calendar and each account's candidate visit patterns.

A pattern is one way to meet an account's frequency: `v` visits at the nominal period ``P = 7 * weeks / v``
days from an anchor day (``anchor + round(k * P)``). With a period of whole weeks every nominal date falls
on the anchor's weekday (a stable weekday). A nominal date that is a day off, not a working weekday or a
day the outlet is closed *floats*: it may move to an available day within ``+- tolerance`` days that keeps
the spacing to its neighbours (for weekly accounts only inside the same cycle week), or stay unplanned.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from routing.schedule.types import ScheduleAccount, ScheduleRequest


@dataclass(frozen=True)
class Calendar:
    start: dt.date
    n_days: int
    weekdays: tuple[int, ...]  # ISO weekday of each day index
    off: tuple[bool, ...]  # a day off (holiday, absence)
    working: tuple[bool, ...]  # a working weekday and not a day off
    working_weekdays: frozenset[int]

    @classmethod
    def of(cls, request: ScheduleRequest) -> Calendar:
        n = 7 * request.weeks
        dates = [request.start + dt.timedelta(days=i) for i in range(n)]
        weekdays = tuple(d.isoweekday() for d in dates)
        off = tuple(d in request.days_off for d in dates)
        working = tuple(w in request.rep.working_weekdays and not o for w, o in zip(weekdays, off, strict=True))
        return cls(request.start, n, weekdays, off, working, request.rep.working_weekdays)

    def date(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=i)

    @property
    def working_days(self) -> list[int]:
        return [i for i in range(self.n_days) if self.working[i]]


@dataclass(frozen=True)
class Float:
    """A visit whose nominal day is unavailable: `alternatives` are the day indexes it may move to."""

    k: int
    nominal: int
    alternatives: tuple[int, ...]


@dataclass(frozen=True)
class Pattern:
    anchor: int
    fixed: tuple[int, ...]
    floats: tuple[Float, ...]
    # (float index i, alternative i, float index j, alternative j) that break the spacing together
    conflicts: tuple[tuple[int, int, int, int], ...]

    @property
    def placeable(self) -> int:
        return len(self.fixed) + sum(1 for f in self.floats if f.alternatives)


def period_days(weeks: int, visits: int) -> float:
    return 7 * weeks / visits


def spacing_slack(period: float, tolerance: int) -> float:
    """How far a gap between consecutive visits may differ from the period (gaps of a fractional period are
    whole days, so they may round either way)."""
    return tolerance if period == int(period) else tolerance + 1


def open_on(account: ScheduleAccount, weekday: int) -> bool:
    return account.open_weekdays is None or weekday in account.open_weekdays


def nominal_dates(anchor: int, visits: int, period: float) -> list[int]:
    return [anchor + math.floor(k * period + 0.5) for k in range(visits)]


def patterns_for(account: ScheduleAccount, cal: Calendar, weeks: int, tolerance: int) -> list[Pattern]:
    v = account.visits_per_cycle
    period = period_days(weeks, v)
    slack = spacing_slack(period, tolerance)
    whole_weeks = period % 7 == 0

    def available(i: int) -> bool:
        return 0 <= i < cal.n_days and cal.working[i] and open_on(account, cal.weekdays[i])

    out: list[Pattern] = []
    for anchor in range(min(math.ceil(period), cal.n_days)):
        weekday = cal.weekdays[anchor]
        if whole_weeks and (
            weekday not in cal.working_weekdays
            or not open_on(account, weekday)
            or (account.pinned_weekday is not None and weekday != account.pinned_weekday)
        ):
            continue
        nominal = nominal_dates(anchor, v, period)
        if nominal[-1] >= cal.n_days:
            continue
        fixed = tuple(i for i in nominal if available(i))
        floating_k = [k for k, i in enumerate(nominal) if not available(i)]
        floats: list[Float] = []
        for k in floating_k:
            n = nominal[k]
            alts = []
            for shift in sorted(range(-tolerance, tolerance + 1), key=lambda s: (abs(s), s)):
                i = n + shift
                if shift == 0 or not available(i) or (period == 7 and i // 7 != n // 7):
                    continue
                if not _spaced_to_fixed(i, k, nominal, floating_k, period, slack):
                    continue
                alts.append(i)
            floats.append(Float(k, n, tuple(alts)))
        conflicts = []
        for fi in range(len(floats) - 1):
            a, b = floats[fi], floats[fi + 1]
            if b.k != a.k + 1:
                continue
            for ai, x in enumerate(a.alternatives):
                for bi, y in enumerate(b.alternatives):
                    if y - x < 1 or abs((y - x) - period) > slack:
                        conflicts.append((fi, ai, fi + 1, bi))
        pattern = Pattern(anchor, fixed, tuple(floats), tuple(conflicts))
        if pattern.placeable:
            out.append(pattern)
    return out


def _spaced_to_fixed(i: int, k: int, nominal: list[int], floating_k: list[int], period: float, slack: float) -> bool:
    def bad(gap: int) -> bool:
        return gap < 1 or abs(gap - period) > slack

    if k > 0 and k - 1 not in floating_k and bad(i - nominal[k - 1]):
        return False
    return not (k + 1 < len(nominal) and k + 1 not in floating_k and bad(nominal[k + 1] - i))
