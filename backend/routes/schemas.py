"""A rep's published route for one day, as the phone and the supervisor read it."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.coordinates import Latitude, Longitude


class RouteAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None
    phones: list[str]
    channel: str
    account_class: str
    lat: float | None
    lon: float | None


class RouteStop(msgspec.Struct, frozen=True):
    seq: int
    account: RouteAccount
    source: str
    priority: int
    due_day: dt.date
    eta_s: int
    start_s: int
    end_s: int
    service_s: int
    travel_from_previous_s: int
    window: list[int] | None
    pinned_start_s: int | None


class RouteBreakOut(msgspec.Struct, frozen=True):
    start_s: int
    end_s: int


class DayRoute(msgspec.Struct, frozen=True):
    id: int
    # The version's entity tag (as in the ETag header): a phone holding it has this version.
    etag: str
    rep_id: int
    day: dt.date
    version: int
    kind: str
    published_at: dt.datetime
    start_s: int
    end_s: int
    travel_s: int
    distance_m: float
    stops: list[RouteStop]
    breaks: list[RouteBreakOut]
    unassigned: list[dict[str, object]]


class ReplanRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    lat: Latitude
    lon: Longitude
    # Seconds from local midnight; defaults to now (the clock) in the rep's time zone.
    time_s: int | None = None
    # Only today (the rep's local day) may be re-planned; given, it must be today.
    day: dt.date | None = None


class StopRemoval(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A supervisor takes an account off a rep's day, with a reason (plan vs fact subtracts it)."""

    day: dt.date
    account_id: int
    reason: str


class RepDayFrame(msgspec.Struct, frozen=True):
    shift_start_s: int
    shift_end_s: int
    time_zone: str
    home_lat: float | None
    home_lon: float | None


class StartRunRequest(msgspec.Struct, forbid_unknown_fields=True):
    day: dt.date
