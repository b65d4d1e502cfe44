"""OSM ``opening_hours`` strings -> structured weekly time windows.

The result is a tuple of :class:`WeeklyWindow` (weekday 0=Monday..6=Sunday, ``open_s`` and
``close_s`` in seconds from local midnight, ``0 <= open_s < close_s <= 86400``), sorted by
(weekday, open_s), non-overlapping, with touching windows of one day merged.

How it is evaluated
-------------------
The expression is parsed and evaluated by the ``opening-hours-py`` package (module
``opening_hours``, a binding of the Rust ``opening-hours`` crate), which implements the full OSM
specification. It has no "weekly schedule" accessor, so the expression is evaluated over one
*reference week* (by default Monday 2025-10-13 .. Sunday 2025-10-19, an ordinary week with no
Finnish public holiday and outside summer seasons) one day at a time, and the ``OPEN`` intervals
of each day become that weekday's windows. Consequences, all deliberate:

* A time span past midnight ("Mo-Su 10:00-02:00", "Fr 22:00-26:00") yields a window on its own day
  up to 24:00 and one on the following day from 00:00 (Sunday spills into Monday). As the OSM
  specification says, a later rule that names the next day replaces that whole day, spill-over
  included: in "Tu-Th 10:00-01:00; Fr 10:00-03:00" Friday has no 00:00-01:00 window.
* ``PH off`` / ``SH off`` and other holiday rules do not affect the week: no country is given, so
  no public holiday is known. Month, week-number and year selectors are evaluated for the
  reference week (``Jun-Aug Mo-Fr 10:00-18:00`` gives no window; pass ``reference_monday``).
* Only the ``open`` state counts. ``unknown`` (e.g. ``Sa unknown``, a comment-only rule such as
  ``"by appointment"``) is not a window. Fallback rules (``|| ...``) are dropped before parsing:
  they describe exceptions, not regular hours (and the library mis-iterates them over several days).
* Comments on open rules (``Mo-Fr 11:00-15:00 open "Lunch"``) are ignored.
* ``sunrise``/``sunset`` use the library's defaults without coordinates (07:00/19:00).
* Each day is evaluated separately because iterating the library's intervals across several days
  gave wrong results with fallback rules in opening-hours-py 2.1.

A valid expression that is never open in the week ("off", "closed", "Jun-Aug ...") returns an
empty tuple; the caller decides what that means. Anything unparseable raises
:class:`OpeningHoursError` with the reason.

Lenient input
-------------
If the library refuses the string as written, one normalised retry is made that repairs frequent
real-world slips (seen in the Helsinki extract): en/em dashes, spaces around ``-``, lower-case or
English three-letter day names (``Mon - Fri``, ``Mo-su``), a missing space after a day
(``Fr11:00``), a missing ``;`` between rules (``Mo-Fr 08:00-19:00 Sa 09:00-19:00``), bare hours
(``15-02``), ``am``/``pm`` times, and a trailing ``-`` meaning an open end (``16:00-``). If the
retry fails too, the error names the original parser message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import opening_hours as _oh

__all__ = [
    "DAY_S",
    "REFERENCE_MONDAY",
    "OpeningHoursError",
    "WeeklyWindow",
    "normalize_opening_hours",
    "parse_opening_hours",
    "split_window",
    "weekly_open_s",
    "windows_for_day",
    "windows_from_pairs",
]

DAY_S = 86_400
REFERENCE_MONDAY = dt.date(2025, 10, 13)


class OpeningHoursError(ValueError):
    """An opening-hours string that cannot be turned into weekly windows."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"cannot parse opening hours {raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


@dataclass(frozen=True, slots=True, order=True)
class WeeklyWindow:
    """One open interval on one weekday, in seconds from local midnight."""

    weekday: int  # 0 = Monday .. 6 = Sunday
    open_s: int
    close_s: int  # exclusive; 86400 means "until midnight"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if not 0 <= self.open_s < self.close_s <= DAY_S:
            raise ValueError(f"need 0 <= open_s < close_s <= {DAY_S}, got open_s={self.open_s} close_s={self.close_s}")


def split_window(weekday: int, open_s: int, close_s: int) -> list[WeeklyWindow]:
    """A window that may run past midnight (``close_s`` up to 2 days, or ``close_s <= open_s``
    meaning "closes the next day") split into same-day and next-day parts (Sunday -> Monday)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0..6, got {weekday}")
    if not 0 <= open_s < DAY_S:
        raise ValueError(f"open_s must be within the day, got {open_s}")
    if close_s <= open_s:
        close_s += DAY_S
    if close_s > 2 * DAY_S:
        raise ValueError(f"a window may not last more than a day past midnight: close_s={close_s}")
    parts = [WeeklyWindow(weekday, open_s, min(close_s, DAY_S))]
    if close_s > DAY_S:
        parts.append(WeeklyWindow((weekday + 1) % 7, 0, close_s - DAY_S))
    return parts


def windows_for_day(windows: Iterable[WeeklyWindow], weekday: int) -> list[tuple[int, int]]:
    """The ``(open_s, close_s)`` pairs of one weekday, sorted."""
    return sorted((w.open_s, w.close_s) for w in windows if w.weekday == weekday)


def weekly_open_s(windows: Iterable[WeeklyWindow]) -> int:
    """Total open seconds per week."""
    return sum(w.close_s - w.open_s for w in windows)


def _merge(windows: Iterable[WeeklyWindow]) -> tuple[WeeklyWindow, ...]:
    merged: list[WeeklyWindow] = []
    for w in sorted(windows):
        last = merged[-1] if merged else None
        if last is not None and last.weekday == w.weekday and w.open_s <= last.close_s:
            merged[-1] = WeeklyWindow(w.weekday, last.open_s, max(last.close_s, w.close_s))
        else:
            merged.append(w)
    return tuple(merged)


# --- lenient normalisation -------------------------------------------------------------------

_DAY_NAMES = {
    "monday": "Mo", "mon": "Mo", "mo": "Mo",
    "tuesday": "Tu", "tue": "Tu", "tues": "Tu", "tu": "Tu",
    "wednesday": "We", "wed": "We", "we": "We",
    "thursday": "Th", "thu": "Th", "thur": "Th", "thurs": "Th", "th": "Th",
    "friday": "Fr", "fri": "Fr", "fr": "Fr",
    "saturday": "Sa", "sat": "Sa", "sa": "Sa",
    "sunday": "Su", "sun": "Su", "su": "Su",
}  # fmt: skip
_DAY_RE = re.compile(r"\b(" + "|".join(sorted(_DAY_NAMES, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_AMPM_RE = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?\b", re.IGNORECASE)
_BARE_RANGE_RE = re.compile(r"(?<![\d:])(\d{1,2})-(\d{1,2})(?![\d:])")
_DAY_DIGIT_RE = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)(\d)")
_MISSING_SEP_RE = re.compile(r"(\d{2}:\d{2}\+?)\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b)")
_OPEN_END_RE = re.compile(r"(\d{2}:\d{2})-(?=\s*(?:[,;]|$))")


def _ampm(m: re.Match[str]) -> str:
    hour = int(m.group(1)) % 12
    if m.group(3).lower() == "p":
        hour += 12
    return f"{hour:02d}:{m.group(2) or '00'}"


def normalize_opening_hours(raw: str) -> str:
    """Repair frequent slips in hand-written opening hours (see the module docstring).

    Meant as a retry for strings the OSM parser refuses; it does not make arbitrary text valid.
    """
    s = raw.strip().replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    s = _AMPM_RE.sub(_ampm, s)
    s = _DAY_RE.sub(lambda m: _DAY_NAMES[m.group(1).lower()], s)
    s = re.sub(r"\s*-\s*", "-", s)
    s = _DAY_DIGIT_RE.sub(r"\1 \2", s)
    s = _BARE_RANGE_RE.sub(lambda m: f"{int(m.group(1)):02d}:00-{int(m.group(2)):02d}:00", s)
    s = re.sub(r"(?<![\d:])(\d):(\d{2})", r"0\1:\2", s)
    s = _OPEN_END_RE.sub(r"\1+", s)
    s = _MISSING_SEP_RE.sub(r"\1; ", s)
    return re.sub(r"\s+", " ", s)


# --- parsing ---------------------------------------------------------------------------------

# ParserError exists at run time but is missing from the package's type stub.
_PARSER_ERROR: type[Exception] = getattr(_oh, "ParserError", SyntaxError)
_LIB_ERRORS: tuple[type[BaseException], ...] = (_PARSER_ERROR, SyntaxError, ValueError)


def _compile(expr: str) -> _oh.OpeningHours:
    return _oh.OpeningHours(expr, auto_country=False, auto_timezone=False)


def _split_outside_quotes(expr: str, sep: str) -> list[str]:
    parts: list[str] = []
    in_quotes = False
    begin = i = 0
    while i < len(expr):
        if expr[i] == '"':
            in_quotes = not in_quotes
        elif not in_quotes and expr.startswith(sep, i):
            parts.append(expr[begin:i])
            begin = i + len(sep)
            i = begin
            continue
        i += 1
    parts.append(expr[begin:])
    return parts


def _regular_rules(expr: str) -> str | None:
    """The expression without fallback rules (``|| ...``) and without rules that are only a
    comment (``"by appointment"``: unknown state, which the library would read as 24/7 open).
    None when nothing regular is left."""
    head = _split_outside_quotes(expr, "||")[0]
    rules = [r.strip() for r in _split_outside_quotes(head, ";")]
    kept = [r for r in rules if re.sub(r'"[^"]*"', "", r).strip()]
    return "; ".join(kept) if kept else None


def parse_opening_hours(raw: str, *, reference_monday: dt.date = REFERENCE_MONDAY) -> tuple[WeeklyWindow, ...]:
    """Weekly open windows of an OSM ``opening_hours`` string (or a simple "09:00-18:00").

    Raises :class:`OpeningHoursError` when the string cannot be parsed even after normalisation.
    """
    if not isinstance(raw, str):
        raise OpeningHoursError(repr(raw), "not a string")
    expr = raw.strip()
    if not expr:
        raise OpeningHoursError(raw, "empty")
    if reference_monday.weekday() != 0:
        raise ValueError(f"reference_monday must be a Monday, got {reference_monday}")
    try:
        _compile(expr)
        regular = _regular_rules(expr)
    except _LIB_ERRORS as first:
        retry = normalize_opening_hours(expr)
        try:
            _compile(retry)
            regular = _regular_rules(retry)
        except _LIB_ERRORS:
            reason = " ".join(str(first).split())
            raise OpeningHoursError(raw, reason) from first
    if regular is None:
        return ()
    oh = _compile(regular)
    windows: list[WeeklyWindow] = []
    start = dt.datetime.combine(reference_monday, dt.time())
    for weekday in range(7):
        day_start = start + dt.timedelta(days=weekday)
        day_end = day_start + dt.timedelta(days=1)
        for begin, end, state, _comment in oh.intervals(day_start, day_end):
            if state != _oh.State.OPEN:
                continue
            lo = max(begin, day_start)
            hi = min(end, day_end)
            if hi <= lo:
                continue
            windows.append(
                WeeklyWindow(weekday, int((lo - day_start).total_seconds()), int((hi - day_start).total_seconds()))
            )
    return _merge(windows)


def windows_from_pairs(pairs: Sequence[tuple[int, int, int]]) -> tuple[WeeklyWindow, ...]:
    """Windows from ``(weekday, open_s, close_s)`` triples, splitting those past midnight."""
    out: list[WeeklyWindow] = []
    for weekday, open_s, close_s in pairs:
        out.extend(split_window(weekday, open_s, close_s))
    return _merge(out)
