"""Visit requests and responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.coordinates import Latitude, Longitude

AccuracyM = Annotated[float, msgspec.Meta(ge=0, le=1_000_000, description="GPS accuracy radius, metres")]
Reason = Annotated[str, msgspec.Meta(max_length=1000)]
AwareTime = Annotated[datetime, msgspec.Meta(tz=True, description="device clock, ISO 8601 with UTC offset")]


class CheckInRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID  # client-generated: the idempotency key
    account_id: Annotated[int, msgspec.Meta(ge=1)]
    checked_in_at: AwareTime  # device clock, with its UTC offset
    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyM
    mock_location: bool = False
    # Device clock when the request was sent (for the clock-skew check); not part of the
    # idempotency fingerprint, since a retry is sent later.
    sent_at: AwareTime | None = None
    reason: Reason | None = None


class CheckOutRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    checked_out_at: AwareTime
    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyM
    mock_location: bool = False
    sent_at: AwareTime | None = None
    reason: Reason | None = None


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    rep_id: int
    account_id: int
    route_id: int | None  # the rep's published route that day, when the account is a stop on it
    route_stop_seq: int | None
    checked_in_at: datetime
    lat: float
    lon: float
    accuracy_m: float
    mock_location: bool
    distance_m: float
    reason: str | None
    checked_out_at: datetime | None
    check_out_lat: float | None
    check_out_lon: float | None
    check_out_accuracy_m: float | None
    check_out_mock: bool | None
    check_out_distance_m: float | None
    check_out_reason: str | None
    flags: list[str]
    received_at: datetime


class VisitList(msgspec.Struct, frozen=True):
    items: list[Visit]
    # Set when more visits match than one answer holds: pass it as `cursor` for the next ones.
    next_cursor: str | None = None


class OwnVisit(msgspec.Struct, frozen=True):
    """A visit as its rep's writes see it (checkout, checklist, photos)."""

    id: uuid.UUID
    rep_id: int
    account_id: int
    checked_in_at: datetime
    checked_out_at: datetime | None
    flags: list[str]
    account_lat: float | None
    account_lon: float | None


class OpenVisit(msgspec.Struct, frozen=True):
    """A visit of the rep not checked out yet (the retry rule's candidate)."""

    id: uuid.UUID
    checked_in_at: datetime


class CheckInContext(msgspec.Struct, frozen=True):
    account_id: int
    distance_m: float | None  # None: the account has no location yet
    route_id: int | None  # the rep's published route that day; None: no route planned
    route_stop_seq: int | None  # this account's stop on it; None: not on the route
    previous_at: datetime | None  # the rep's previous check-in by device time
    previous_distance_m: float | None


class Neighbour(msgspec.Struct, frozen=True):
    id: uuid.UUID
    checked_in_at: datetime
    distance_m: float
    flags: list[str] = []


class Replayed(msgspec.Struct, frozen=True):
    """A service result: the visit and its status (201 first time; a replay keeps the original)."""

    visit: Visit
    status_code: int
    replayed: bool
