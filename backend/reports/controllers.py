"""HTTP: plan vs fact, coverage, sales and seasonality reports, as JSON, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from backend.auth.principal import Role
from backend.clock import local_today
from backend.errors import InvalidInput
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.reports import service
from backend.reports.export import to_csv, to_xlsx
from backend.reports.schemas import (
    CoverageReport,
    ReportFormat,
    SalesGroup,
    SalesReport,
    SeasonalityReport,
    VisitGroup,
    VisitsReport,
)

# Taken as text and parsed here, so an error names the query parameter (`from`, `to`), not the Python name.
From = Annotated[str | None, QueryParameter(name="from", description="first local day YYYY-MM-DD")]
To = Annotated[str | None, QueryParameter(name="to", description="last local day YYYY-MM-DD (inclusive)")]
FromMonth = Annotated[str, QueryParameter(name="from", description="first month YYYY-MM (required)")]
ToMonth = Annotated[str | None, QueryParameter(name="to", description="last month YYYY-MM (default: from)")]
Format = Annotated[ReportFormat, QueryParameter(description="json (default), csv or xlsx")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a day as YYYY-MM-DD", field=name) from exc


def _days(from_day: str | None, to_day: str | None, default_span: int, today: dt.date) -> tuple[dt.date, dt.date]:
    first, last = _day(from_day, "from"), _day(to_day, "to")
    last = last or (first + dt.timedelta(days=default_span - 1) if first else today)
    first = first or last - dt.timedelta(days=default_span - 1)
    return first, last


def _typed(report: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    """The report's JSON type in the OpenAPI document (CSV and XLSX are added from `format`)."""
    return {200: ResponseSpec(data_container=report, description="The report (JSON; CSV or XLSX with `format`)")}


def _respond(report: msgspec.Struct, rows: Sequence[msgspec.Struct], fmt: ReportFormat, name: str) -> Response[Any]:
    if fmt is ReportFormat.JSON:
        return Response(content=report)
    if fmt is ReportFormat.CSV:
        content, media_type, ext = to_csv(rows), "text/csv; charset=utf-8", "csv"
    else:
        content, media_type, ext = to_xlsx(rows, name.split("-")[0]), XLSX, "xlsx"
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'},
    )


class ReportsController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("/visits", summary="Plan vs fact of visits, grouped", responses=_typed(VisitsReport))
    async def visits(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_day: From = None,
        to_day: To = None,
        group_by: Annotated[VisitGroup, QueryParameter(description="rep, territory, region, channel or day")] = (
            VisitGroup.REP
        ),
        format: Format = ReportFormat.JSON,
    ) -> Response[Any]:
        """Planned stops, done, missed by cause, done off-plan, on-time share, geofence compliance,
        average visit time, travel planned vs actual and average checklist score, over the caller's
        team (a supervisor) or everyone (an admin). Default period: the last 7 days to today."""
        first, last = _days(from_day, to_day, 7, local_today(clock, settings.planning_time_zone))
        report = await service.visits_report(
            conn,
            principal,
            first,
            last,
            group_by,
            tolerance_s=settings.on_time_tolerance_s,
            max_days=settings.report_max_days,
        )
        return _respond(report, [*report.rows, report.total], format, f"visits-{group_by.value}-{first}-{last}")

    @get("/coverage", summary="Territory coverage funnel", responses=_typed(CoverageReport))
    async def coverage(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_day: From = None,
        to_day: To = None,
        format: Format = ReportFormat.JSON,
    ) -> Response[Any]:
        """Per territory: all outlets -> potential (not closed) -> active -> active visited in the period
        (default: the 4-week cycle ending today)."""
        first, last = _days(from_day, to_day, 28, local_today(clock, settings.planning_time_zone))
        report = await service.coverage_report(conn, principal, first, last, max_days=settings.report_max_days)
        return _respond(report, [*report.rows, report.total], format, f"coverage-{first}-{last}")

    @get("/sales", summary="Sales plan vs fact and completion %", responses=_typed(SalesReport))
    async def sales(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        from_month: FromMonth,
        to_month: ToMonth = None,
        group_by: Annotated[SalesGroup, QueryParameter(description="rep, category, region or month")] = (
            SalesGroup.REP
        ),
        format: Format = ReportFormat.JSON,
    ) -> Response[Any]:
        """Imported monthly plans and actuals; reps whose completion is under the threshold
        (FIELDSALES_SALES_BELOW_PLAN_PCT) are flagged `below_plan` and listed."""
        first = service.parse_month_param(from_month, "from")
        last = first if to_month is None else service.parse_month_param(to_month, "to")
        report = await service.sales_report(
            conn, principal, first, last, group_by, threshold_pct=settings.sales_below_plan_pct
        )
        name = f"sales-{group_by.value}-{report.from_month}-{report.to_month}"
        return _respond(report, [*report.rows, report.total], format, name)

    @get("/seasonality", summary="Seasonality coefficient per product category", responses=_typed(SeasonalityReport))
    async def seasonality(
        self,
        conn: Conn,
        principal: Caller,
        from_month: FromMonth,
        to_month: ToMonth = None,
        format: Format = ReportFormat.JSON,
    ) -> Response[Any]:
        """k = mean over the previous 2-3 years of the same months' actuals / mean of the 3 months
        before the period; None (with the reason) when that history is missing."""
        first = service.parse_month_param(from_month, "from")
        last = first if to_month is None else service.parse_month_param(to_month, "to")
        report = await service.seasonality_report(conn, principal, first, last)
        return _respond(report, report.rows, format, f"seasonality-{report.from_month}-{report.to_month}")
