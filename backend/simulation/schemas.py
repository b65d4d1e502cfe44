"""What the simulator reads from the raw tables."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import msgspec


class SimRep(msgspec.Struct, frozen=True):
    id: int
    email: str
    time_zone: str
    shift_start_s: int
    shift_end_s: int
    working_days: list[int]
    home_lat: float
    home_lon: float
    travel_mode: str
    territory_id: int | None


class SimAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    lat: float
    lon: float
    account_class: str
    channel: str
    status: str
    service_s: int
    visit_frequency_per_4_weeks: int
    hours: list[list[int]]  # [[iso_weekday, open_s, close_s], ...]

    def open_at(self, day: dt.date, start_s: int, end_s: int) -> bool:
        weekday = day.isoweekday()
        return any(w == weekday and o <= start_s and end_s <= c for w, o, c in self.hours)


class RouteVersion(msgspec.Struct, frozen=True):
    id: int
    rep_id: int
    version: int
    kind: str
    run_id: int | None
    published_at: dt.datetime
    travel_s: int
    distance_m: float
    unassigned: list[dict[str, Any]]
    account_ids: list[int]
    sources: list[str]
    due_days: list[dt.date]


class RawVisit(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rep_id: int
    account_id: int
    checked_in_at: dt.datetime
    route_id: int | None
    route_stop_seq: int | None


class ScheduledVisit(msgspec.Struct, frozen=True):
    rep_id: int
    account_id: int
    account_class: str
    visit_frequency_per_4_weeks: int


class DayTask(msgspec.Struct, frozen=True):
    id: int
    rep_id: int
    account_id: int
    kind: str
    start_s: int | None


class CoverageCount(msgspec.Struct, frozen=True):
    territory_id: int
    code: str
    outlets: int
    potential: int
    active: int
    visited: int


class Removal(msgspec.Struct, frozen=True):
    rep_id: int
    account_id: int
    reason: str


class HistoryPriceItem(msgspec.Struct, frozen=True):
    id: int
    account_id: int | None
    channel: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    product_id: int
    price: Decimal


class HistoryProduct(msgspec.Struct, frozen=True):
    sku: str
    id: int
    root_id: int
    bit_index: int  # -1: the root has no bit


class HistoryMonth(msgspec.Struct, frozen=True):
    month: dt.date
    orders: int
    amount: float


class PipelineStageRow(msgspec.Struct, frozen=True):
    id: int
    pipeline_id: int
    code: str
    outcome: str
    is_key: bool
    is_qualified: bool
    norm_days: int


class PipelineRuleRow(msgspec.Struct, frozen=True):
    id: int
    trigger: str
    stage_id: int | None
    to_role: str


class FunnelAccount(msgspec.Struct, frozen=True):
    id: int
    channel: str
    account_class: str
    territory_id: int | None
    owner_rep_id: int | None


class OpenDeal(msgspec.Struct, frozen=True):
    id: uuid.UUID
    account_id: int
    owner_id: int
    hunter_id: int
    stage: str


class StoredHandover(msgspec.Struct, frozen=True):
    deal_id: uuid.UUID
    account_id: int
    to_user_id: int
    trigger: str | None
    notified: bool


class StoredTask(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    due_at: dt.datetime
    remind_at: dt.datetime | None
    reminded_at: dt.datetime | None
