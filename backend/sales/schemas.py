"""Sales rows as read from files and stored; the import report."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec


class FileFormat(StrEnum):
    """How a figure or an export is answered: JSON (the default), or the same rows as CSV or XLSX."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class SalesRow(msgspec.Struct, frozen=True):
    """One file row, normalised: the rep by email, the month as its first day."""

    row_number: int
    rep_email: str
    category: str
    region: str
    month: dt.date
    plan_amount: float | None
    actual_amount: float | None
    plan_units: float | None = None
    actual_units: float | None = None


class RejectedRow(msgspec.Struct, frozen=True):
    row_number: int
    field: str
    reason: str


class SalesImportReport(msgspec.Struct, frozen=True):
    file_name: str
    rows_read: int
    rows_stored: int
    rejected: list[RejectedRow]
    dry_run: bool = False


class SalesFact(msgspec.Struct, frozen=True):
    """A stored monthly figure, with the rep's name (reports group these)."""

    rep_id: int
    rep_name: str
    category: str
    region: str
    month: dt.date
    plan_amount: float | None
    actual_amount: float | None


# --- commercial figures (reports: flat rows, so each exports as one table) -------------------------


class PlanItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A monthly plan of one rep for one root category (wine, sparkling, ...) and region."""

    rep_id: int
    category: str
    region: str
    month: str  # YYYY-MM
    plan_amount: float | None = None
    plan_units: float | None = None


class PlansRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: list[PlanItem]


class PlansStored(msgspec.Struct, frozen=True):
    stored: int


class PlanFact(msgspec.Struct, frozen=True):
    """A stored plan/imported actual, or an order fact aggregate, per rep x category x region x month."""

    rep_id: int
    rep_name: str
    category: str
    region: str
    month: dt.date
    plan_amount: float | None = None
    plan_units: float | None = None
    actual_amount: float | None = None
    actual_units: float | None = None
    order_amount: float = 0.0
    order_units: float = 0.0


class PlanFactGroup(msgspec.Struct, frozen=True):
    """Sums of one group (a rep, category, region, month or quarter) from plans or from orders."""

    key: str
    rep_name: str | None = None
    plan_amount: float = 0.0
    plan_units: float = 0.0
    actual_amount: float = 0.0
    actual_units: float = 0.0
    order_amount: float = 0.0
    order_units: float = 0.0


class PlanFactRow(msgspec.Struct, frozen=True):
    key: str
    label: str
    plan_amount: float
    fact_amount: float
    completion_pct: float | None
    plan_units: float
    fact_units: float
    units_completion_pct: float | None
    order_amount: float
    imported_amount: float


class PlanFactReport(msgspec.Struct, frozen=True):
    from_month: str
    to_month: str
    group_by: str
    fact_from: str
    rows: list[PlanFactRow]
    total: PlanFactRow


class KpiCounts(msgspec.Struct, frozen=True):
    key: str | None  # None: the total
    orders: int
    lines: int
    amount: float
    units: float
    akb: int
    category_pairs: int


class KpiRow(msgspec.Struct, frozen=True):
    key: str
    label: str
    orders: int
    lines: int
    amount: float
    units: float
    akb: int
    average_check: float | None
    order_frequency: float | None
    lines_per_order: float | None
    breadth: float | None


class KpiReport(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    group_by: str
    fact_from: str
    rows: list[KpiRow]
    total: KpiRow


class BaseRow(msgspec.Struct, frozen=True):
    territory_id: int | None
    territory: str
    region: str
    okb: int
    akb: int
    akb_okb_ratio: float | None


class BaseReport(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    rows: list[BaseRow]
    total: BaseRow


class ChurnCounts(msgspec.Struct, frozen=True):
    territory_id: int | None
    territory: str
    region: str
    active_previous: int
    active_now: int
    churned: int
    returned: int
    new: int


class ChurnRow(msgspec.Struct, frozen=True):
    territory_id: int | None
    territory: str
    region: str
    active_previous: int
    active_now: int
    churned: int
    returned: int
    new: int
    churn_pct: float | None


class ChurnedAccount(msgspec.Struct, frozen=True):
    account_id: int
    account_name: str
    territory_id: int | None


class ChurnReport(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    previous_from: dt.date
    previous_to: dt.date
    rows: list[ChurnRow]
    total: ChurnRow
    churned_accounts: list[ChurnedAccount]


class MonthAmount(msgspec.Struct, frozen=True):
    category: str
    month: dt.date
    amount: float


class SeasonRow(msgspec.Struct, frozen=True):
    category: str
    coefficient: float | None
    years_used: int
    reason: str | None


class SeasonReport(msgspec.Struct, frozen=True):
    from_month: str
    to_month: str
    rows: list[SeasonRow]


class ShelfCounts(msgspec.Struct, frozen=True):
    key: str
    visits: int
    presence_checks: int
    out_of_stock: int
    must_stock_checks: int
    must_stock_present: int
    competitor_checks: int
    competitor_present: int
    listing_checks: int
    listed: int
    own_facings: float
    own_share_pct: float | None
    competitor_share_pct: float | None


class ShelfRow(msgspec.Struct, frozen=True):
    key: str
    label: str
    visits: int
    presence_checks: int
    out_of_stock: int
    out_of_stock_pct: float | None
    must_stock_checks: int
    must_stock_present: int
    must_stock_compliance_pct: float | None
    competitor_checks: int
    competitor_present: int
    competitor_presence_pct: float | None
    listing_checks: int
    listed: int
    listed_pct: float | None
    own_facings: float
    own_share_pct: float | None
    competitor_share_pct: float | None


class ShelfReport(msgspec.Struct, frozen=True):
    from_day: dt.date
    to_day: dt.date
    group_by: str
    rows: list[ShelfRow]
