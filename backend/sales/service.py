"""Sales plans and actuals: the file import and the plan-vs-fact and seasonality figures.

File format (CSV or XLSX; the header row is found as for account files, header names are
case-insensitive): ``rep`` (the rep's login email; also ``rep_email``/``email``), ``category``
(product category; also ``product_category``), ``region``, ``month`` (``YYYY-MM``, or any date in
the month: ``YYYY-MM-DD``, ``MM/YYYY``), ``plan`` and ``actual`` (amounts >= 0, ``1 234,50`` and
``1234.50`` both read; either may be empty, but not both). A row's key is rep x category x region x
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

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.sales import repository
from backend.sales.schemas import RejectedRow, SalesFact, SalesImportReport, SalesRow
from geo_data.spreadsheets import SpreadsheetError, read_spreadsheet

GROUPS = ("rep", "category", "region", "month")
_HEADERS: dict[str, tuple[str, ...]] = {
    "rep": ("rep", "rep_email", "email", "rep email"),
    "category": ("category", "product_category", "product category"),
    "region": ("region",),
    "month": ("month", "period"),
    "plan": ("plan", "plan_amount", "plan amount"),
    "actual": ("actual", "actual_amount", "actual amount", "fact"),
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
    if missing or ("plan" not in columns and "actual" not in columns):
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
        if problem is None and plan is None and actual is None:
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
    stored: list[tuple[int, str, str, dt.date, float | None, float | None, str]] = []
    for row in rows:
        rep_id = reps.get(row.rep_email)
        if rep_id is None:
            rejected.append(RejectedRow(row.row_number, "rep", f"no rep with the email {row.rep_email!r}"))
            continue
        stored.append((rep_id, row.category, row.region, row.month, row.plan_amount, row.actual_amount, name))
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
