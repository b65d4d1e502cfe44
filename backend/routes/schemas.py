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
    # Seconds from local midnight; defaults to now in the rep's time zone.
    time_s: int | None = None
    day: dt.date | None = None


class StartRunRequest(msgspec.Struct, forbid_unknown_fields=True):
    day: dt.date
