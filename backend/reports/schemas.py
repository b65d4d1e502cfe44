"""Report rows (flat, so every report exports as one table) and the facts they are built from."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import msgspec


class VisitGroup(StrEnum):
    REP = "rep"
    TERRITORY = "territory"
    REGION = "region"
    CHANNEL = "channel"
    DAY = "day"


class SalesGroup(StrEnum):
    REP = "rep"
    CATEGORY = "category"
    REGION = "region"
    MONTH = "month"


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


# --- facts read by the repository -------------------------------------------------------------


class PublishedRoute(msgspec.Struct, frozen=True):
    route_id: int
    rep_id: int
    rep_name: str
    day: dt.date
    travel_s: int
    distance_m: float


class PlannedStopFact(msgspec.Struct, frozen=True):
    route_id: int
    rep_id: int
    rep_name: str
    day: dt.date
    seq: int
    account_id: int
    account_status: str
    channel: str
    territory_id: int | None
    territory_code: str | None
    territory_name: str | None
    region: str | None
    start_s: int
    window_start_s: int | None
    window_end_s: int | None
    # On the plan at the start of the day (else added during the day), and why it was taken off.
    in_plan: bool = True
    removed_reason: str | None = None


class DroppedFact(msgspec.Struct, frozen=True):
    route_id: int
    rep_id: int
    rep_name: str
    day: dt.date
    account_id: int
    reason: str
    channel: str
    territory_id: int | None
    territory_code: str | None
    territory_name: str | None
    region: str | None


class VisitFact(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rep_id: int
    rep_name: str
    account_id: int
    channel: str
    territory_id: int | None
    territory_code: str | None
    territory_name: str | None
    region: str | None
    day: dt.date
    local_start_s: int
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    flags: list[str]
    lat: float
    lon: float
    score_sum: float
    score_count: int


class CoverageFact(msgspec.Struct, frozen=True):
    territory_id: int
    code: str
    name: str
    region: str | None
    outlets: int
    potential: int
    active: int
    visited: int


# --- reports ----------------------------------------------------------------------------------


class VisitReportRow(msgspec.Struct, frozen=True, kw_only=True):
    """planned = done_on_plan + missed; done = done_on_plan + done_added + done_off_plan (each visit
    once); missed = missed_not_visited + missed_closed."""

    key: str
    label: str
    planned: int
    done: int
    done_on_plan: int
    missed: int
    missed_not_visited: int
    missed_closed: int
    added: int
    done_added: int
    removed: int
    dropped_by_planner: int
    done_off_plan: int
    visits: int
    on_time_share: float | None
    geofence_compliance: float | None
    avg_visit_s: float | None
    travel_planned_s: int | None
    travel_planned_m: float | None
    travel_actual_m: float | None
    avg_checklist_score: float | None


class VisitsReport(msgspec.Struct, frozen=True, kw_only=True):
    from_day: dt.date
    to_day: dt.date
    group_by: VisitGroup
    rows: list[VisitReportRow]
    total: VisitReportRow


class CoverageRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    region: str | None
    outlets: int
    potential: int
    active: int
    visited: int
    visited_share_of_active: float | None
    active_per_potential: float | None


class CoverageReport(msgspec.Struct, frozen=True, kw_only=True):
    from_day: dt.date
    to_day: dt.date
    rows: list[CoverageRow]
    total: CoverageRow


class SalesReportRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    plan: float
    actual: float
    completion_pct: float | None
    below_plan: bool | None  # rep rows: completion under the threshold; other groupings: None


class SalesReport(msgspec.Struct, frozen=True, kw_only=True):
    from_month: str
    to_month: str
    group_by: SalesGroup
    below_plan_pct: float
    rows: list[SalesReportRow]
    total: SalesReportRow
    reps_below_plan: list[SalesReportRow]


class SeasonalityRow(msgspec.Struct, frozen=True, kw_only=True):
    category: str
    coefficient: float | None
    years_used: int
    reason: str | None


class SeasonalityReport(msgspec.Struct, frozen=True, kw_only=True):
    from_month: str
    to_month: str
    rows: list[SeasonalityRow]
