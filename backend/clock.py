"""Business time, injected: the server reads "now" from a Clock, so a simulation (or a test) can set it.

Only business time goes through the clock (a visit's receive time for the clock-skew flag, a re-plan's
"now", reports' "today", the nightly timer). Tokens and login throttling keep wall time: a simulated
week must not expire or un-expire anyone's credentials.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """Wall time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """A clock that stands still until it is set or advanced (never goes backwards)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = _aware(start)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, instant: dt.datetime) -> None:
        instant = _aware(instant)
        if instant < self._now:
            raise ValueError(f"a simulated clock does not go back ({instant} < {self._now})")
        self._now = instant

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self._now + delta)


def local_now(clock: Clock, time_zone: str) -> dt.datetime:
    return clock.now().astimezone(zoneinfo.ZoneInfo(time_zone))


def local_today(clock: Clock, time_zone: str) -> dt.date:
    return local_now(clock, time_zone).date()


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock holds aware datetimes only")
    return instant.astimezone(dt.UTC)
