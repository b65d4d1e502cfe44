"""The pipeline figures' rows and reports (flat rows, so each exports as one CSV / XLSX table)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec


class Breakdown(StrEnum):
    """`period`: one row per person over the whole period; `week`: one per person and week (Monday to
    Sunday, clipped to the period)."""

    PERIOD = "period"
    WEEK = "week"


# --- what the repository reads ----------------------------------------------------------------------


class PipelineRef(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str


class StageCounts(msgspec.Struct, frozen=True):
    stage_id: int
    position: int
    code: str
    name: str
    outcome: str
    is_key: bool
    is_qualified: bool
    entered: int
    moved_on: int
    median_days: float | None
    p80_days: float | None


class CohortCounts(msgspec.Struct, frozen=True):
    source: str | None
    leads: int
    qualified: int
    reached_key: int
    won: int
    won_qualified: int
    cycle_median_days: float | None
    cycle_p80_days: float | None


class Person(msgspec.Struct, frozen=True):
    user_id: int
    name: str
    sales_role: str | None


class PersonDeals(msgspec.Struct, frozen=True):
    user_id: int
    leads_created: int
    leads_qualified: int
    deals_owned: int
    deals_qualified: int
    deals_won: int
    won_qualified: int
    cycle_median_days: float | None
    cycle_p80_days: float | None


class WonAccountOrders(msgspec.Struct, frozen=True):
    user_id: int
    orders: int
    amount: float


class PersonCalls(msgspec.Struct, frozen=True):
    user_id: int
    calls: int
    working_days: int


class ManagerCounts(msgspec.Struct, frozen=True):
    user_id: int
    accounts: int
    active_previous: int
    active_now: int
    retained: int
    churned: int
    customers: int
    ltv_total: float
    retained_now_amount: float
    retained_previous_amount: float
    new_categories: int


# --- reports ----------------------------------------------------------------------------------------


class FunnelRow(msgspec.Struct, frozen=True):
    """One stage of the funnel (`row` = "stage"), or the whole pipeline (`row` = "pipeline", the last
    row: the stage columns are empty, the pipeline columns filled).

    Stage: `entered` = cohort deals that entered the stage; `moved_on` = of those, deals that reached
    a later stage that is not a lost stage; `conversion_pct` = moved_on / entered x 100 (none for won
    and lost stages); `median_days` / `p80_days` = median and 80th percentile of the completed stays
    in the stage (entered -> the deal's next change), in days.
    Pipeline: `leads` = cohort deals; `qualified` / `reached_key` = those that reached the qualified /
    key stage (entered it or a later stage that is not lost); `won`; `cv1_pct` = qualified / leads x
    100; `cv2_pct` = won of the qualified / qualified x 100; `key_reached_pct` = reached_key / leads x
    100; `key_conversion_pct` = the key stage's stage conversion; `cycle_median_days` /
    `cycle_p80_days` = created -> first won, over the won deals."""

    row: str
    position: int | None = None
    stage_code: str | None = None
    stage_name: str | None = None
    outcome: str | None = None
    is_key: bool | None = None
    is_qualified: bool | None = None
    entered: int | None = None
    moved_on: int | None = None
    conversion_pct: float | None = None
    median_days: float | None = None
    p80_days: float | None = None
    leads: int | None = None
    qualified: int | None = None
    reached_key: int | None = None
    won: int | None = None
    cv1_pct: float | None = None
    cv2_pct: float | None = None
    key_reached_pct: float | None = None
    key_conversion_pct: float | None = None
    cycle_median_days: float | None = None
    cycle_p80_days: float | None = None


class FunnelReport(msgspec.Struct, frozen=True):
    """The funnel of one pipeline over the cohort of deals created on a local day in [from_day,
    to_day] on accounts the caller sees; `rows` are the stages in order, `total` the pipeline."""

    pipeline_id: int
    pipeline_code: str
    pipeline_name: str
    from_day: dt.date
    to_day: dt.date
    rows: list[FunnelRow]
    total: FunnelRow


class SourceRow(msgspec.Struct, frozen=True):
    """One lead source (the last row, source "total": all of them) over the cohort.

    `leads`, `reached_key` (reached the key stage), `won`; `cost` = the source's cost of the period
    shared out over all its leads of the period (company-wide), times the leads counted here;
    `cost_per_lead` = cost / leads; `cost_per_won_deal` = cost / won; `quality_pct` = reached_key /
    leads x 100."""

    source: str
    leads: int
    reached_key: int
    won: int
    cost: float
    cost_per_lead: float | None
    cost_per_won_deal: float | None
    quality_pct: float | None


class SourcesReport(msgspec.Struct, frozen=True):
    pipeline_id: int | None
    from_day: dt.date
    to_day: dt.date
    rows: list[SourceRow]
    total: SourceRow


class PersonFigures(msgspec.Struct, frozen=True):
    """One person's figures for their sales role (the other roles' columns stay empty); the
    definitions are in docs/architecture.md ("Pipeline figures"). `week_start` is set in a weekly breakdown; `rank`,
    `main_figure` and `main_value` in the leaderboard."""

    user_id: int
    name: str
    sales_role: str | None
    from_day: dt.date
    to_day: dt.date
    week_start: dt.date | None = None
    rank: int | None = None
    main_figure: str | None = None
    main_value: float | None = None
    # hunter, telemarketer
    leads_created: int | None = None
    leads_qualified: int | None = None
    cv1_pct: float | None = None
    leads_per_week: float | None = None
    # telemarketer
    calls: int | None = None
    working_days: int | None = None
    calls_per_working_day: float | None = None
    # closer
    deals_owned: int | None = None
    deals_qualified: int | None = None
    deals_won: int | None = None
    cv2_pct: float | None = None
    won_account_orders: int | None = None
    average_check: float | None = None
    cycle_median_days: float | None = None
    cycle_p80_days: float | None = None
    # farmer, key account manager
    accounts: int | None = None
    active_previous: int | None = None
    active_now: int | None = None
    retained: int | None = None
    churned: int | None = None
    retention_pct: float | None = None
    churn_pct: float | None = None
    ltv_to_date: float | None = None
    upsell_per_account: float | None = None
    upsell_pct: float | None = None
    new_categories_per_account: float | None = None


class RoleReport(msgspec.Struct, frozen=True):
    sales_role: str
    from_day: dt.date
    to_day: dt.date
    by: str
    columns: list[str]
    rows: list[PersonFigures]


class PersonReport(msgspec.Struct, frozen=True):
    user_id: int
    from_day: dt.date
    to_day: dt.date
    by: str
    rows: list[PersonFigures]


class LeaderboardReport(msgspec.Struct, frozen=True):
    """Per sales role, the people of the caller's scope ranked by the role's main figure (highest
    first; none last; equal values share a rank)."""

    from_day: dt.date
    to_day: dt.date
    main_figures: dict[str, str]
    rows: list[PersonFigures]


class TerritoryRatioRow(msgspec.Struct, frozen=True):
    """Coverage's one definition (migration 0009): potential base, active base of it, potential /
    active (the last row, code "total": every territory listed)."""

    territory_id: int | None
    code: str
    name: str
    potential: int
    active: int
    potential_per_active: float | None


class TerritoryRatioReport(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    rows: list[TerritoryRatioRow]
    total: TerritoryRatioRow


# --- source costs (entered by admins) ---------------------------------------------------------------


class SourceCostItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a lead source cost in a month: `source` one of field, web_form, telemarketing, import,
    licence_register; `month` YYYY-MM; `amount` >= 0 (money)."""

    source: str
    month: str
    amount: float


class SourceCostsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: list[SourceCostItem]


class SourceCostsStored(msgspec.Struct, frozen=True):
    stored: int


class SourceCost(msgspec.Struct, frozen=True):
    source: str
    month: dt.date
    amount: float


class SourceCostsReport(msgspec.Struct, frozen=True):
    from_month: dt.date
    to_month: dt.date
    rows: list[SourceCost]
