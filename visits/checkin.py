"""Check-in and check-out verification.

A visit is never refused for what the phone reports: every rule below only adds a flag, and the
backend stores flagged visits so a supervisor can judge them.

Rules (all thresholds in `CheckPolicy`, set from the service settings):

- ``out_of_range``: distance to the outlet > radius + accuracy allowance, where the allowance is the
  reported accuracy capped at ``max_accuracy_m`` (a phone claiming 5 km accuracy does not earn a
  5 km geofence).
- ``low_accuracy``: reported accuracy > ``max_accuracy_m``.
- ``mock_location``: the phone's own mock-location flag.
- ``impossible_speed``: straight-line speed from the rep's previous check-in (by device time) above
  ``max_speed_kmh``; two check-ins more than ``min_jump_m`` apart at the same second count too.
- ``clock_skew``: the device clock at sending differs from server time by more than
  ``max_clock_skew_s`` (when the phone sends its ``sent_at``; an offline action sent hours later is
  not skew, the clock at sending is what is compared). Without ``sent_at`` the action's own time is
  compared with the server's receive time: later than it by more than ``max_clock_skew_s`` (it cannot
  have happened after it arrived) or earlier by more than ``max_offline_s`` (longer than a phone stays
  offline) is flagged.
- ``not_on_route``: the rep has a planned route for the day and the account is not on it (unknown
  when no route is planned: no flag).
- ``too_short`` (check-out): device check-out time minus check-in time < ``min_visit_s``, including
  a check-out before the check-in.
- ``checkout_out_of_range``, ``checkout_low_accuracy``, ``checkout_mock_location``: the same rules
  applied to the check-out position.
- ``checklist_missing`` (check-out): a checklist assigned to the account with at least one required
  item has no answers for the visit when it is checked out. The check-out is accepted (an offline
  phone may send the checklist after the check-out; refusing would lose the real check-out time)
  and the flag is removed when the answers arrive. A deployment may refuse such check-outs instead
  (setting ``checkout_requires_checklist``): then `checklist_refused` decides.

One rule decides whether a check-in is a retry rather than a new visit:

- `retried_check_in`: the same rep at the same account with an open visit (not checked out) whose
  device check-in time is within ``retry_window_s`` of this one. The phone made a new id for a
  retry; the server answers with the first visit instead of storing a second one.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum

import msgspec

EARTH_RADIUS_M = 6_371_008.8


class Flag(StrEnum):
    OUT_OF_RANGE = "out_of_range"
    LOW_ACCURACY = "low_accuracy"
    MOCK_LOCATION = "mock_location"
    IMPOSSIBLE_SPEED = "impossible_speed"
    CLOCK_SKEW = "clock_skew"
    NOT_ON_ROUTE = "not_on_route"
    TOO_SHORT = "too_short"
    CHECKOUT_OUT_OF_RANGE = "checkout_out_of_range"
    CHECKOUT_LOW_ACCURACY = "checkout_low_accuracy"
    CHECKOUT_MOCK_LOCATION = "checkout_mock_location"
    CHECKLIST_MISSING = "checklist_missing"


class CheckPolicy(msgspec.Struct, frozen=True, kw_only=True):
    radius_m: float = 200.0
    max_accuracy_m: float = 100.0
    max_speed_kmh: float = 150.0
    min_jump_m: float = 1000.0
    max_clock_skew_s: float = 300.0
    max_offline_s: float = 14 * 24 * 3600.0
    min_visit_s: float = 120.0
    retry_window_s: float = 600.0


class Fix(msgspec.Struct, frozen=True, kw_only=True):
    """A position the phone reported: where, how sure, whether it says it is mocked."""

    lat: float
    lon: float
    accuracy_m: float
    mock_location: bool = False


class PreviousCheckIn(msgspec.Struct, frozen=True, kw_only=True):
    """The rep's check-in just before this one by device time, and the distance between the two."""

    at: datetime
    distance_m: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (the backend uses PostGIS geography; this is for pure callers)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def coordinates_problem(lat: float, lon: float) -> str | None:
    """Why a coordinate pair is not a position on Earth, or None when it is."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "latitude and longitude must be finite numbers"
    if not -90.0 <= lat <= 90.0:
        return "latitude must be within -90..90"
    if not -180.0 <= lon <= 180.0:
        return "longitude must be within -180..180"
    return None


def out_of_range(distance_m: float, accuracy_m: float, policy: CheckPolicy) -> bool:
    allowance = min(max(accuracy_m, 0.0), policy.max_accuracy_m)
    return distance_m > policy.radius_m + allowance


def speed_kmh(distance_m: float, seconds: float) -> float:
    if seconds <= 0:
        return math.inf if distance_m > 0 else 0.0
    return distance_m / seconds * 3.6


def impossible_speed(previous: PreviousCheckIn | None, at: datetime, policy: CheckPolicy) -> bool:
    if previous is None:
        return False
    seconds = abs((at - previous.at).total_seconds())
    if seconds == 0:
        return previous.distance_m > policy.min_jump_m
    return speed_kmh(previous.distance_m, seconds) > policy.max_speed_kmh


def clock_skewed(
    sent_at: datetime | None, server_now: datetime, policy: CheckPolicy, at: datetime | None = None
) -> bool:
    if sent_at is None:
        if at is None:
            return False
        ahead_s = (at - server_now).total_seconds()
        return ahead_s > policy.max_clock_skew_s or -ahead_s > policy.max_offline_s
    return abs((server_now - sent_at).total_seconds()) > policy.max_clock_skew_s


def verify_check_in(
    *,
    fix: Fix,
    distance_m: float,
    at: datetime,
    sent_at: datetime | None,
    server_now: datetime,
    previous: PreviousCheckIn | None,
    on_route: bool | None,
    policy: CheckPolicy,
) -> list[Flag]:
    """Every flag that applies to a check-in; `on_route` None means no route is planned (no flag)."""
    flags: list[Flag] = []
    if out_of_range(distance_m, fix.accuracy_m, policy):
        flags.append(Flag.OUT_OF_RANGE)
    if fix.accuracy_m > policy.max_accuracy_m:
        flags.append(Flag.LOW_ACCURACY)
    if fix.mock_location:
        flags.append(Flag.MOCK_LOCATION)
    if impossible_speed(previous, at, policy):
        flags.append(Flag.IMPOSSIBLE_SPEED)
    if clock_skewed(sent_at, server_now, policy, at):
        flags.append(Flag.CLOCK_SKEW)
    if on_route is False:
        flags.append(Flag.NOT_ON_ROUTE)
    return flags


def verify_check_out(
    *,
    fix: Fix,
    distance_m: float,
    checked_in_at: datetime,
    at: datetime,
    sent_at: datetime | None,
    server_now: datetime,
    policy: CheckPolicy,
) -> list[Flag]:
    """Flags a check-out adds to its visit."""
    flags: list[Flag] = []
    if out_of_range(distance_m, fix.accuracy_m, policy):
        flags.append(Flag.CHECKOUT_OUT_OF_RANGE)
    if fix.accuracy_m > policy.max_accuracy_m:
        flags.append(Flag.CHECKOUT_LOW_ACCURACY)
    if fix.mock_location:
        flags.append(Flag.CHECKOUT_MOCK_LOCATION)
    if (at - checked_in_at).total_seconds() < policy.min_visit_s:
        flags.append(Flag.TOO_SHORT)
    if clock_skewed(sent_at, server_now, policy, at):
        flags.append(Flag.CLOCK_SKEW)
    return flags


def checklist_flags(missing_required_templates: int) -> list[Flag]:
    """The check-out flag for required checklists left unanswered (see the module docstring)."""
    return [Flag.CHECKLIST_MISSING] if missing_required_templates > 0 else []


def checklist_refused(missing_required_templates: int, *, requires_checklist: bool) -> bool:
    """Whether a check-out is refused: only when the deployment requires checklists before leaving."""
    return requires_checklist and missing_required_templates > 0


def retried_check_in(open_visit_at: datetime | None, at: datetime, policy: CheckPolicy) -> bool:
    """True when the rep's open visit at the same account (device check-in time `open_visit_at`,
    None when there is none) is within ``retry_window_s`` of this check-in: a retry, not a visit."""
    if open_visit_at is None:
        return False
    return abs((at - open_visit_at).total_seconds()) <= policy.retry_window_s


def merge_flags(*groups: list[Flag] | list[str]) -> list[str]:
    """Union of flag lists in the order of `Flag` (stable output, no duplicates)."""
    present = {str(flag) for group in groups for flag in group}
    ordered = [flag.value for flag in Flag if flag.value in present]
    return ordered + sorted(present - set(ordered))
