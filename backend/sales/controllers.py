"""HTTP: the commercial figures (JSON, CSV or XLSX), monthly plans through the API and file import.

Every report is scoped: figures over order lines take the reps in the caller's scope, figures over
the customer base (AKB, OKB, churn) the territories in the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.clock import Clock, local_today
from backend.errors import InvalidInput
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.sales import service
from backend.sales.export import to_csv, to_xlsx
from backend.sales.schemas import (
    BaseReport,
    ChurnReport,
    FileFormat,
    KpiReport,
    PlanFactReport,
    PlansRequest,
    PlansStored,
    SalesImportReport,
    SeasonReport,
    ShelfReport,
)
from backend.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Annotated[FileFormat, QueryParameter(description="json (default), csv or xlsx")]
Territory = Annotated[int | None, QueryParameter(ge=1, description="only this territory")]
FromText = Annotated[str | None, QueryParameter(name="from", description="first day YYYY-MM-DD or month YYYY-MM")]
ToText = Annotated[str | None, QueryParameter(name="to", description="last day YYYY-MM-DD or month YYYY-MM")]
Group = Annotated[str, QueryParameter(description="how rows are grouped")]
OFFICE = [requires_role(Role.SUPERVISOR, Role.ADMIN)]


def _today(clock: Clock, settings: Settings) -> dt.date:
    """Reports' "today" is business time (the injected clock), in the planning time zone."""
    return local_today(clock, settings.planning_time_zone)


def _month(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return service.parse_month(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a month as YYYY-MM", field=name) from exc


def _day(value: str | None, name: str, *, end: bool) -> dt.date | None:
    """A day; a month (YYYY-MM) means its first day for `from` and its last for `to`."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) == 7:
        month = _month(text, name)
        assert month is not None
        return service.add_months(month, 1) - dt.timedelta(days=1) if end else month
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a day YYYY-MM-DD or a month YYYY-MM", field=name) from exc


def _days(from_text: str | None, to_text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """Default: the month to date."""
    first = _day(from_text, "from", end=False) or today.replace(day=1)
    last = _day(to_text, "to", end=True) or (today if first <= today else first)
    return first, last


def _months(from_text: str | None, to_text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """Default: the year to date."""
    first = _month(from_text, "from") or today.replace(month=1, day=1)
    last = _month(to_text, "to") or max(first, today.replace(day=1))
    return first, last


def typed(report: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    """The figure's JSON type in the OpenAPI document (CSV and XLSX are added from `format`)."""
    return {200: ResponseSpec(data_container=report, description="The figures (JSON; CSV or XLSX with `format`)")}


def respond(report: msgspec.Struct, rows: Sequence[msgspec.Struct], fmt: FileFormat, name: str) -> Response[Any]:
    if fmt is FileFormat.JSON:
        return Response(content=report)
    if fmt is FileFormat.CSV:
        content, media_type, ext = to_csv(rows), "text/csv; charset=utf-8", "csv"
    else:
        content, media_type, ext = to_xlsx(rows, name.split("-")[0]), XLSX, "xlsx"
    return Response(
        content=content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'}
    )


class SalesController(Controller):
    path = "/api/v1/sales"
    tags = ["sales"]

    @get("/plan-vs-fact", summary="Plan vs fact in money and units", responses=typed(PlanFactReport))
    async def get_sales_plan_vs_fact(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_month: Annotated[str | None, QueryParameter(name="from", description="first month YYYY-MM")] = None,
        to_month: Annotated[str | None, QueryParameter(name="to", description="last month YYYY-MM")] = None,
        group_by: Group = "rep",
        territory_id: Territory = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """group_by: rep, category, region, month or quarter. Fact = orders in the fact statuses
        (FIELDSALES_SALES_FACT_FROM) + imported actuals. Default: the year to date."""
        first, last = _months(from_month, to_month, _today(clock, settings))
        report = await service.plan_vs_fact(
            conn, principal, first, last, group_by, fact_from=settings.sales_fact_from, territory_id=territory_id
        )
        name = f"plan_vs_fact-{group_by}-{report.from_month}-{report.to_month}"
        return respond(report, [*report.rows, report.total], format, name)

    @get(
        "/kpis",
        summary="Average check, order frequency, lines per order, cross-sell breadth, AKB",
        responses=typed(KpiReport),
    )
    async def get_sales_kpis(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_text: FromText = None,
        to_text: ToText = None,
        group_by: Group = "territory",
        territory_id: Territory = None,
        segment_id: Annotated[int | None, QueryParameter(ge=1, description="only this segment's accounts")] = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """group_by: rep, territory, region, channel or month. Default: the month to date. `segment_id`:
        only the orders of that segment's members (as of its last evaluation); 404 when the caller may
        not read the segment."""
        first, last = _days(from_text, to_text, _today(clock, settings))
        report = await service.kpis(
            conn,
            principal,
            first,
            last,
            group_by,
            fact_from=settings.sales_fact_from,
            territory_id=territory_id,
            segment_id=segment_id,
        )
        return respond(report, [*report.rows, report.total], format, f"kpis-{group_by}-{first}-{last}")

    @get(
        "/active-base",
        summary="Active base (AKB), potential base (OKB) and their ratio per territory",
        responses=typed(BaseReport),
    )
    async def get_sales_active_base(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_text: FromText = None,
        to_text: ToText = None,
        territory_id: Territory = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        first, last = _days(from_text, to_text, _today(clock, settings))
        report = await service.active_base(conn, principal, first, last, territory_id)
        return respond(report, [*report.rows, report.total], format, f"active_base-{first}-{last}")

    @get(
        "/churn", summary="Churned, returned and new accounts against the previous period", responses=typed(ChurnReport)
    )
    async def get_sales_churn(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_text: FromText = None,
        to_text: ToText = None,
        territory_id: Territory = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        first, last = _days(from_text, to_text, _today(clock, settings))
        report = await service.churn(conn, principal, first, last, territory_id)
        return respond(report, [*report.rows, report.total], format, f"churn-{first}-{last}")

    @get(
        "/seasonality",
        summary="Seasonality coefficient per root category (orders + imported actuals)",
        responses=typed(SeasonReport),
    )
    async def get_sales_seasonality(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_month: Annotated[str | None, QueryParameter(name="from", description="first month YYYY-MM")] = None,
        to_month: Annotated[str | None, QueryParameter(name="to", description="last month YYYY-MM")] = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        first, last = _months(from_month, to_month, _today(clock, settings))
        if to_month is None:
            last = first
        report = await service.seasonality(conn, principal, first, last, fact_from=settings.sales_fact_from)
        return respond(report, report.rows, format, f"seasonality-{report.from_month}-{report.to_month}")

    @get(
        "/shelf",
        summary="Must-stock compliance, out-of-stock and competitor presence from checklists",
        responses=typed(ShelfReport),
    )
    async def get_shelf_report(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_text: FromText = None,
        to_text: ToText = None,
        group_by: Group = "territory",
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """group_by: territory, channel, rep or brand. From checklist items bound to a SKU or a brand."""
        first, last = _days(from_text, to_text, _today(clock, settings))
        report = await service.shelf(conn, principal, first, last, group_by, time_zone=settings.planning_time_zone)
        return respond(report, report.rows, format, f"shelf-{group_by}-{first}-{last}")

    @put("/plans", guards=OFFICE, summary="Set monthly plans (money and units) per rep, category, region")
    async def set_sales_plans(self, data: JSONBody[PlansRequest], conn: Conn, principal: Caller) -> PlansStored:
        return await service.save_plans(conn, principal, data)

    @post("/imports", status_code=200, guards=[requires_role(Role.ADMIN)], summary="Import plans and actuals")
    async def import_sales_file(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        settings: AppSettings,
        file_name: Annotated[str, QueryParameter(description="the file's name (.csv or .xlsx)")] = "sales.csv",
        dry_run: Annotated[bool, QueryParameter(description="check, write nothing")] = False,
    ) -> SalesImportReport:
        """The file is the request body (columns as for `fieldsales import sales`); a row-level report."""
        data = await request.body()
        if not data:
            raise InvalidInput("the request body must be the file", field="file")
        return await service.import_sales(
            conn, data, file_name, max_bytes=settings.max_import_file_bytes, dry_run=dry_run
        )
