"""Account structs returned by the repository and the API."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Channel(StrEnum):
    HORECA = "horeca"
    RETAIL = "retail"
    OTHER = "other"


class AccountClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class AccountStatus(StrEnum):
    POTENTIAL = "potential"
    ACTIVE = "active"
    CLOSED = "closed"


# [iso_weekday, open_s, close_s]: 1 = Monday; seconds from local midnight. A tuple rather than an
# array_like Struct: Litestar documents an array_like Struct as an object, which the API never sends.
OpeningWindow = tuple[int, int, int]


class Account(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None
    phones: list[str]
    channel: Channel
    category: str | None
    account_class: AccountClass
    status: AccountStatus
    lat: float | None
    lon: float | None
    territory_id: int | None
    opening_hours: list[OpeningWindow]
    opening_hours_raw: str | None
    service_s: int
    visit_frequency_per_4_weeks: int
    distance_m: float | None = None


class AccountFilter(msgspec.Struct, frozen=True):
    channel: Channel | None = None
    account_class: AccountClass | None = None
    status: AccountStatus | None = None
    search: str | None = None
    near_lat: float | None = None
    near_lon: float | None = None
    # Only the members of this segment (as of its last evaluation).
    segment_id: int | None = None


class AccountPage(msgspec.Struct, frozen=True):
    items: list[Account]
    next_cursor: str | None
