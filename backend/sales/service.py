"""Sales plans and actuals: the file import and the plan-vs-fact and seasonality figures.

File format (CSV or XLSX; the header row is found as for account files, header names are
case-insensitive): ``rep`` (the rep's login email; also ``rep_email``/``email``), ``category``
(product category; also ``product_category``), ``region``, ``month`` (``YYYY-MM``, or any date in
the month: ``YYYY-MM-DD``, ``MM/YYYY``), ``plan`` and ``actual`` (amounts >= 0, ``1 234,50`` and
``1234.50`` both read; either may be empty, but not both), optionally ``plan_units`` and
``actual_units`` (quantities; a row may carry units only). A row's key is rep x category x region x
month: importing a later file replaces the stored plan/actual of the same key, an empty cell keeps
it. Rows that cannot be used are rejected with their row number and field; the others are stored.

Completion % = actual / plan x 100 (None where the plan is 0 or missing). A rep is below plan when
their completion over the period is under ``sales_below_plan_pct`` (setting, default 90).

Seasonality coefficient of a category for a period of months P (the issue's formula):

    k = mean over the previous years y (up to 3, at least 2) of mean_{m in P} actual(m - y years)
        / mean of the actuals of the 3 months before P

i.e. the typical level of the same months in earlier years relative to the current run rate. It is
reported only when every month of P has actuals in at least 2 of the previous 3 years and the 3
months before P all have actuals; otherwise the coefficient is None with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePath

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.errors import InvalidInput, NotFound
from backend.orders.rules import fact_statuses
from backend.sales import repository
from backend.sales import rules as figures
from backend.sales.schemas import (
    BaseReport,
    BaseRow,
    ChurnCounts,
    ChurnReport,
    ChurnRow,
    KpiCounts,
    KpiReport,
    KpiRow,
    PlanFactGroup,
    PlanFactReport,
    PlanFactRow,
    PlansRequest,
    PlansStored,
    RejectedRow,
    SalesFact,
    SalesImportReport,
    SalesRow,
    SeasonReport,
    SeasonRow,
    ShelfCounts,
    ShelfReport,
    ShelfRow,
)
from backend.scope import service as scope
from backend.segments.service import require_readable
from geo_data.spreadsheets import SpreadsheetError, read_spreadsheet

GROUPS = ("rep", "category", "region", "month")
_HEADERS: dict[str, tuple[str, ...]] = {
    "rep": ("rep", "rep_email", "email", "rep email"),
    "category": ("category", "product_category", "product category"),
    "region": ("region",),
    "month": ("month", "period"),
    "plan": ("plan", "plan_amount", "plan amount"),
    "actual": ("actual", "actual_amount", "actual amount", "fact"),
    "plan_units": ("plan_units", "plan units", "plan qty"),
    "actual_units": ("actual_units", "actual units", "fact units", "actual qty"),
}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?(?:[T ].*)?$")
_MONTH_SLASH = re.compile(r"^(\d{1,2})[/.](\d{4})$")
MAX_AMOUNT = 1e13


def first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """`YYYY-MM`, a date in the month, or `MM/YYYY`; ValueError otherwise."""
    text = text.strip()
    found = _MONTH.match(text)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
    else:
        slash = _MONTH_SLASH.match(text)
        if not slash:
            raise ValueError(text)
        month, year = int(slash.group(1)), int(slash.group(2))
    return dt.date(year, month, 1)


def parse_amount(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    cleaned = cleaned.replace(",", ".") if "," in cleaned and "." not in cleaned else cleaned.replace(",", "")
    value = float(cleaned)
    if value != value or value < 0 or value > MAX_AMOUNT:
        raise ValueError(text)
    return round(value, 2)


def read_sales_file(data: bytes, file_name: str, max_bytes: int) -> tuple[list[SalesRow], list[RejectedRow]]:
    """Rows that can be used and those that cannot; a file that cannot be read is InvalidInput."""
    try:
        sheet = read_spreadsheet(data, file_name, max_bytes=max_bytes)
    except SpreadsheetError as exc:
        raise InvalidInput(str(exc), field="file") from exc
    lowered = [header.strip().lower() if header else "" for header in sheet.headers]
    columns: dict[str, int] = {}
    for name, aliases in _HEADERS.items():
        for index, header in enumerate(lowered):
            if header in aliases:
                columns[name] = index
                break
    missing = [name for name in ("rep", "category", "region", "month") if name not in columns]
    if missing or not {"plan", "actual", "plan_units", "actual_units"} & set(columns):
        needed = missing or ["plan or actual"]
        raise InvalidInput(
            f"{file_name}: missing column(s) {', '.join(needed)}; expected rep, category, region, month, plan, actual",
            field="file",
        )
    rows: list[SalesRow] = []
    rejected: list[RejectedRow] = []

    def cell(values: list[str | None], name: str) -> str | None:
        index = columns.get(name)
        if index is None or index >= len(values):
            return None
        value = values[index]
        return value.strip() if value and value.strip() else None

    for row_number, values in sheet.rows:
        rep = cell(values, "rep")
        category = cell(values, "category")
        region = cell(values, "region")
        month_text = cell(values, "month")
        problem: tuple[str, str] | None = None
        for name, value in (("rep", rep), ("category", category), ("region", region), ("month", month_text)):
            if value is None:
                problem = (name, f"{name} is empty")
                break
        month: dt.date | None = None
        plan: float | None = None
        actual: float | None = None
        units: dict[str, float | None] = {}
        if problem is None:
            try:
                month = parse_month(month_text or "")
            except ValueError:
                problem = ("month", f"month {month_text!r} is not YYYY-MM")
        if problem is None:
            for name in ("plan", "actual"):
                try:
                    amount = parse_amount(cell(values, name))
                except ValueError:
                    problem = (name, f"{name} {cell(values, name)!r} is not an amount >= 0")
                    break
                if name == "plan":
                    plan = amount
                else:
                    actual = amount
        if problem is None:
            for name in ("plan_units", "actual_units"):
                try:
                    units[name] = parse_amount(cell(values, name))
                except ValueError:
                    problem = (name, f"{name} {cell(values, name)!r} is not a number >= 0")
                    break
        if problem is None and plan is None and actual is None and not any(units.values()):
            problem = ("plan", "plan and actual are both empty")
        if problem is not None or month is None:
            field, reason = problem or ("month", "no month")
            rejected.append(RejectedRow(row_number, field, reason))
            continue
        rows.append(
            SalesRow(
                row_number=row_number,
                rep_email=(rep or "").lower(),
                category=category or "",
                region=region or "",
                month=month,
                plan_amount=plan,
                actual_amount=actual,
                plan_units=units.get("plan_units"),
                actual_units=units.get("actual_units"),
            )
        )
    return rows, rejected


async def import_sales(
    conn: asyncpg.Connection, data: bytes, file_name: str, *, max_bytes: int, dry_run: bool = False
) -> SalesImportReport:
    """Read, check and store (upsert) one file's rows; unknown reps are rejected by row."""
    name = PurePath(file_name).name
    rows, rejected = read_sales_file(data, name, max_bytes)
    rows_read = len(rows) + len(rejected)
    reps = await repository.rep_ids_by_email(conn, sorted({row.rep_email for row in rows}))
    stored: list[tuple[int, str, str, dt.date, float | None, float | None, str, float | None, float | None]] = []
    for row in rows:
        rep_id = reps.get(row.rep_email)
        if rep_id is None:
            rejected.append(RejectedRow(row.row_number, "rep", f"no rep with the email {row.rep_email!r}"))
            continue
        stored.append(
            (
                rep_id,
                row.category,
                row.region,
                row.month,
                row.plan_amount,
                row.actual_amount,
                name,
                row.plan_units,
                row.actual_units,
            )
        )
    if not dry_run:
        await repository.upsert_months(conn, stored)
    rejected.sort(key=lambda item: item.row_number)
    return SalesImportReport(
        file_name=name, rows_read=rows_read, rows_stored=len(stored), rejected=rejected, dry_run=dry_run
    )


def completion_pct(plan: float, actual: float) -> float | None:
    return None if plan <= 0 else round(actual / plan * 100, 1)


async def facts(conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date) -> list[SalesFact]:
    return await repository.facts_in_scope(conn, principal.role.value, principal.user_id, first, last)


def monthly_actuals_by_category(items: Iterable[SalesFact]) -> dict[str, dict[dt.date, float]]:
    totals: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for item in items:
        if item.actual_amount is not None:
            totals[item.category][item.month] += item.actual_amount
    return totals


def seasonality_coefficient(
    actuals: dict[dt.date, float], first: dt.date, last: dt.date
) -> tuple[float | None, int, str | None]:
    """(k, years used, reason when None) for the months [first, last] (see the module docstring)."""
    months: list[dt.date] = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    recent = [add_months(first, -offset) for offset in (1, 2, 3)]
    if any(item not in actuals for item in recent):
        return None, 0, "the 3 months before the period lack actuals"
    years: list[float] = []
    for back in (1, 2, 3):
        shifted = [add_months(item, -12 * back) for item in months]
        if all(item in actuals for item in shifted):
            years.append(sum(actuals[item] for item in shifted) / len(shifted))
    if len(years) < 2:
        return None, len(years), "fewer than 2 previous years have actuals for these months"
    base = sum(actuals[item] for item in recent) / 3
    if base <= 0:
        return None, len(years), "the 3 months before the period sum to 0"
    return round(sum(years) / len(years) / base, 3), len(years), None


# --- commercial figures: definitions in backend.sales.rules ----------------------------------------

PLAN_GROUPS = ("rep", "category", "region", "month", "quarter")
KPI_GROUPS = ("rep", "territory", "region", "channel", "month")
MAX_MONTHS = 24


def _check_months(first: dt.date, last: dt.date, limit: int = MAX_MONTHS) -> None:
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    if (last.year - first.year) * 12 + last.month - first.month >= limit:
        raise InvalidInput(f"a report covers at most {limit} months", field="to")


async def _check_territory(conn: asyncpg.Connection, principal: Principal, territory_id: int | None) -> None:
    """A territory outside the caller's scope is 404, never an empty report."""
    if territory_id is not None and territory_id not in await scope.visible_territory_ids(conn, principal):
        raise NotFound(f"territory {territory_id} not found", field="territory_id")


def _check_days(first: dt.date, last: dt.date, max_days: int = 731) -> None:
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    if (last - first).days + 1 > max_days:
        raise InvalidInput(f"a report covers at most {max_days} days", field="to")


async def save_plans(conn: asyncpg.Connection, principal: Principal, request: PlansRequest) -> PlansStored:
    """Store monthly plans (whole request or nothing); a rep outside the caller's scope is 404."""
    rep_ids = sorted({item.rep_id for item in request.items})
    visible = await repository.reps_in_scope(conn, principal.role.value, principal.user_id, rep_ids)
    parsed: list[tuple[int, str, str, dt.date, float | None, float | None]] = []
    for index, item in enumerate(request.items):
        if item.rep_id not in visible:
            raise NotFound(f"rep {item.rep_id} not found", field=f"items[{index}].rep_id")
        try:
            month = parse_month(item.month)
        except ValueError as exc:
            raise InvalidInput("month must be YYYY-MM", field=f"items[{index}].month") from exc
        for name, value in (("plan_amount", item.plan_amount), ("plan_units", item.plan_units)):
            if value is not None and not 0 <= value <= MAX_AMOUNT:
                raise InvalidInput(f"{name} must be >= 0", field=f"items[{index}].{name}")
        if not item.category.strip() or not item.region.strip():
            raise InvalidInput("category and region must not be empty", field=f"items[{index}].category")
        parsed.append(
            (item.rep_id, item.category.strip(), item.region.strip(), month, item.plan_amount, item.plan_units)
        )
    for row in parsed:
        await repository.upsert_plan(conn, *row)
    return PlansStored(stored=len(parsed))


def _plan_row(key: str, label: str, items: list[PlanFactGroup]) -> PlanFactRow:
    plan_amount = sum(item.plan_amount for item in items)
    plan_units = sum(item.plan_units for item in items)
    imported = sum(item.actual_amount for item in items)
    orders = sum(item.order_amount for item in items)
    fact_units = sum(item.actual_units + item.order_units for item in items)
    return PlanFactRow(
        key=key,
        label=label,
        plan_amount=round(plan_amount, 2),
        fact_amount=round(orders + imported, 2),
        completion_pct=figures.completion_pct(orders + imported, plan_amount),
        plan_units=round(plan_units, 3),
        fact_units=round(fact_units, 3),
        units_completion_pct=figures.completion_pct(fact_units, plan_units),
        order_amount=round(orders, 2),
        imported_amount=round(imported, 2),
    )


async def plan_vs_fact(
    conn: asyncpg.Connection,
    principal: Principal,
    first: dt.date,
    last: dt.date,
    group: str,
    *,
    fact_from: str,
    territory_id: int | None = None,
) -> PlanFactReport:
    """Plan and fact (orders in the fact statuses + imported actuals) in money and units per group.

    With `territory_id`, only that territory's orders count and plans and imported figures are left
    out (they carry a region, not a territory)."""
    if group not in PLAN_GROUPS:
        raise InvalidInput(f"group_by must be one of {', '.join(PLAN_GROUPS)}", field="group_by")
    _check_months(first, last)
    await repository.report_settings(conn)
    await _check_territory(conn, principal, territory_id)
    role, user_id = principal.role.value, principal.user_id
    items = await repository.order_fact_grouped(
        conn, role, user_id, first, last, fact_statuses(fact_from), territory_id, group
    )
    if territory_id is None:
        items += await repository.plans_grouped(conn, role, user_id, first, last, group)
    grouped: dict[str, list[PlanFactGroup]] = defaultdict(list)
    labels: dict[str, str] = {}
    for item in items:
        grouped[item.key].append(item)
        labels[item.key] = item.rep_name or labels.get(item.key) or item.key
    rows = [_plan_row(key, labels[key], grouped[key]) for key in sorted(grouped)]
    return PlanFactReport(
        from_month=first.strftime("%Y-%m"),
        to_month=last.strftime("%Y-%m"),
        group_by=group,
        fact_from=fact_from,
        rows=rows,
        total=_plan_row("total", "total", items),
    )


def _kpi_row(counts: KpiCounts, label: str) -> KpiRow:
    return KpiRow(
        key=counts.key or "",
        label=label,
        orders=counts.orders,
        lines=counts.lines,
        amount=round(counts.amount, 2),
        units=round(counts.units, 3),
        akb=counts.akb,
        average_check=figures.average_check(counts.amount, counts.orders),
        order_frequency=figures.order_frequency(counts.orders, counts.akb),
        lines_per_order=figures.lines_per_order(counts.lines, counts.orders),
        breadth=figures.breadth(counts.category_pairs, counts.akb),
    )


_EMPTY = KpiCounts(key="total", orders=0, lines=0, amount=0.0, units=0.0, akb=0, category_pairs=0)


async def kpis(
    conn: asyncpg.Connection,
    principal: Principal,
    first: dt.date,
    last: dt.date,
    group: str,
    *,
    fact_from: str,
    territory_id: int | None = None,
    segment_id: int | None = None,
) -> KpiReport:
    """Orders, amount, AKB, average check, order frequency, lines per order and breadth per group
    (for `month`: each calendar month of the period, each with its own AKB); with `segment_id`, over
    the orders of that segment's members only (404 when the caller may not read the segment)."""
    if group not in KPI_GROUPS:
        raise InvalidInput(f"group_by must be one of {', '.join(KPI_GROUPS)}", field="group_by")
    _check_days(first, last)
    await repository.report_settings(conn)
    await _check_territory(conn, principal, territory_id)
    await require_readable(conn, principal, segment_id)
    role, user_id, statuses = principal.role.value, principal.user_id, fact_statuses(fact_from)
    found = await repository.order_kpis(conn, role, user_id, first, last, statuses, group, territory_id, segment_id)
    groups = [item for item in found if item.key is not None]
    labels: dict[int, str] = {}
    if group in {"rep", "territory"}:
        labels = await repository.names(conn, group, [int(item.key) for item in groups if item.key])
    rows: list[KpiRow] = []
    for counts in groups:
        key = counts.key or ""
        rows.append(_kpi_row(counts, labels.get(int(key), key) if key.isdigit() else key or "(none)"))
    total = next((item for item in found if item.key is None), _EMPTY)
    total_counts = msgspec.structs.replace(total, key="total")
    return KpiReport(
        from_day=first,
        to_day=last,
        group_by=group,
        fact_from=fact_from,
        rows=rows,
        total=_kpi_row(total_counts, "total"),
    )


async def active_base(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date, territory_id: int | None = None
) -> BaseReport:
    """AKB, OKB and AKB/OKB per territory in scope."""
    _check_days(first, last)
    await repository.report_settings(conn)
    await _check_territory(conn, principal, territory_id)
    found = await repository.active_base(conn, principal.role.value, principal.user_id, first, last, territory_id)
    rows = [msgspec.structs.replace(row, akb_okb_ratio=figures.base_ratio(row.akb, row.okb)) for row in found]
    akb, okb = sum(row.akb for row in rows), sum(row.okb for row in rows)
    total = BaseRow(None, "total", "", okb, akb, figures.base_ratio(akb, okb))
    return BaseReport(from_day=first, to_day=last, rows=rows, total=total)


def _churn_row(counts: ChurnCounts) -> ChurnRow:
    return ChurnRow(
        **msgspec.structs.asdict(counts), churn_pct=figures.churn_pct(counts.churned, counts.active_previous)
    )


async def churn(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date, territory_id: int | None = None
) -> ChurnReport:
    """Churned, returned and new accounts per territory against the previous period of equal length."""
    _check_days(first, last)
    await repository.report_settings(conn)
    await _check_territory(conn, principal, territory_id)
    previous = figures.previous_period(first, last)
    role, user_id = principal.role.value, principal.user_id
    found = await repository.churn(conn, role, user_id, (first, last), previous, territory_id)
    totals = ChurnCounts(
        None,
        "total",
        "",
        *(
            sum(getattr(row, name) for row in found)
            for name in ("active_previous", "active_now", "churned", "returned", "new")
        ),
    )
    churned = await repository.churned_accounts(conn, role, user_id, (first, last), previous)
    if territory_id is not None:
        churned = [item for item in churned if item.territory_id == territory_id]
    return ChurnReport(
        from_day=first,
        to_day=last,
        previous_from=previous[0],
        previous_to=previous[1],
        rows=[_churn_row(row) for row in found],
        total=_churn_row(totals),
        churned_accounts=churned,
    )


async def seasonality(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date, *, fact_from: str
) -> SeasonReport:
    """`seasonality_coefficient` per root category over monthly fact = orders + imported actuals."""
    _check_months(first, last, 12)
    await repository.report_settings(conn)
    role, user_id = principal.role.value, principal.user_id
    start = add_months(first, -36)
    actuals: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for item in await repository.monthly_fact_by_category(
        conn, role, user_id, start, figures.month_end(last), fact_statuses(fact_from)
    ):
        actuals[item.category][item.month] += item.amount
    for plan in await repository.plans_in_scope(conn, role, user_id, start, last):
        if plan.actual_amount is not None:
            actuals[plan.category][plan.month] += plan.actual_amount
    rows = []
    for category in sorted(actuals):
        coefficient, years, reason = seasonality_coefficient(actuals[category], first, last)
        rows.append(SeasonRow(category=category, coefficient=coefficient, years_used=years, reason=reason))
    return SeasonReport(from_month=first.strftime("%Y-%m"), to_month=last.strftime("%Y-%m"), rows=rows)


SHELF_GROUPS = ("territory", "channel", "rep", "brand")


def _shelf_row(counts: ShelfCounts, label: str) -> ShelfRow:
    return ShelfRow(
        key=counts.key,
        label=label,
        visits=counts.visits,
        presence_checks=counts.presence_checks,
        out_of_stock=counts.out_of_stock,
        out_of_stock_pct=figures.share(counts.out_of_stock, counts.presence_checks, scale=100, digits=1),
        must_stock_checks=counts.must_stock_checks,
        must_stock_present=counts.must_stock_present,
        must_stock_compliance_pct=figures.share(
            counts.must_stock_present, counts.must_stock_checks, scale=100, digits=1
        ),
        competitor_checks=counts.competitor_checks,
        competitor_present=counts.competitor_present,
        competitor_presence_pct=figures.share(counts.competitor_present, counts.competitor_checks, scale=100, digits=1),
        listing_checks=counts.listing_checks,
        listed=counts.listed,
        listed_pct=figures.share(counts.listed, counts.listing_checks, scale=100, digits=1),
        own_facings=counts.own_facings,
        own_share_pct=None if counts.own_share_pct is None else round(counts.own_share_pct, 1),
        competitor_share_pct=None if counts.competitor_share_pct is None else round(counts.competitor_share_pct, 1),
    )


async def shelf(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date, group: str, *, time_zone: str
) -> ShelfReport:
    """Must-stock compliance, out-of-stock, competitor presence, listings, facings and share of shelf
    from checklist items bound to the catalogue, per territory, channel, rep or brand."""
    if group not in SHELF_GROUPS:
        raise InvalidInput(f"group_by must be one of {', '.join(SHELF_GROUPS)}", field="group_by")
    _check_days(first, last)
    found = await repository.shelf_counts(conn, principal.role.value, principal.user_id, first, last, time_zone, group)
    labels: dict[int, str] = {}
    if group in {"rep", "territory"}:
        labels = await repository.names(conn, group, [int(item.key) for item in found if item.key.isdigit()])
    rows = [
        _shelf_row(counts, labels.get(int(counts.key), counts.key) if counts.key.isdigit() else counts.key)
        for counts in found
    ]
    return ShelfReport(from_day=first, to_day=last, group_by=group, rows=rows)
