"""HTTP: the pipeline figures (funnel, sources, per role, per person, leaderboard, territories), as
JSON, CSV or XLSX. Every caller may ask; the rows are their scope (a rep themselves, a supervisor their
team, an admin everyone). Definitions: docs/architecture.md ("Pipeline figures")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.clock import local_today
from backend.deals.schemas import SalesRole
from backend.errors import InvalidInput
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.pipeline_reports import service
from backend.pipeline_reports.schemas import (
    Breakdown,
    FunnelReport,
    LeaderboardReport,
    PersonReport,
    RoleReport,
    SourceCostsReport,
    SourceCostsRequest,
    SourceCostsStored,
    SourcesReport,
    TerritoryRatioReport,
)
from backend.sales.export import to_csv, to_xlsx
from backend.sales.schemas import FileFormat

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_DAYS = 28
From = Annotated[str | None, QueryParameter(name="from", description="first local day YYYY-MM-DD")]
To = Annotated[str | None, QueryParameter(name="to", description="last local day YYYY-MM-DD (inclusive)")]
Format = Annotated[FileFormat, QueryParameter(description="json (default), csv or xlsx")]
PipelineId = Annotated[
    int | None, QueryParameter(ge=1, description="the pipeline (default: the first active pipeline)")
]
By = Annotated[Breakdown, QueryParameter(description="period (one row per person, default) or week")]
# The columns every person row starts with in an export; the role's figures follow.
PERSON_COLUMNS = ["user_id", "name", "sales_role", "from_day", "to_day", "week_start"]


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a day as YYYY-MM-DD", field=name) from exc


def _period(from_text: str | None, to_text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """Default: the 28 days to today (or from `from`)."""
    first, last = _day(from_text, "from"), _day(to_text, "to")
    last = last or (first + dt.timedelta(days=DEFAULT_DAYS - 1) if first else today)
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    return first, last


def _typed(report: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    """The report's JSON type in the OpenAPI document (CSV and XLSX are added from `format`)."""
    return {200: ResponseSpec(data_container=report, description="The figures (JSON; CSV or XLSX with `format`)")}


def _respond(
    report: msgspec.Struct,
    rows: Sequence[msgspec.Struct],
    fmt: FileFormat,
    name: str,
    columns: list[str] | None = None,
) -> Response[Any]:
    if fmt is FileFormat.JSON:
        return Response(content=report)
    if fmt is FileFormat.CSV:
        content, media_type, ext = to_csv(rows, columns), "text/csv; charset=utf-8", "csv"
    else:
        content, media_type, ext = to_xlsx(rows, name.split("-")[0], columns), XLSX, "xlsx"
    return Response(
        content=content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'}
    )


class PipelineReportsController(Controller):
    path = "/api/v1/reports/pipeline"
    tags = ["pipeline reports"]

    @get(
        "/funnel",
        summary="Funnel of a pipeline: stage conversion, cv1, cv2, cycle time",
        responses=_typed(FunnelReport),
    )
    async def get_pipeline_funnel(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        pipeline_id: PipelineId = None,
        from_day: From = None,
        to_day: To = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """Over the cohort of deals created on a local day of the period (on the accounts the caller
        sees), followed to today: per stage, deals that entered it, that moved on to a later stage that
        is not lost, stage conversion = moved on / entered x 100, and the median and 80th percentile of
        the days spent in it; for the pipeline (the last row): leads, cv1 = reached the qualified stage /
        leads x 100, cv2 = won / reached qualified x 100, the key stage's conversion and the share of
        leads reaching it, and the cycle created -> won. Default period: the 28 days to today.
        Errors: `to` before `from` (422, field `to`); unknown pipeline (404, field `pipeline_id`)."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        report = await service.funnel(
            conn,
            principal,
            pipeline_id,
            first,
            last,
            time_zone=settings.planning_time_zone,
            max_days=settings.report_max_days,
        )
        name = f"funnel-{report.pipeline_code}-{first}-{last}"
        return _respond(report, [*report.rows, report.total], format, name)

    @get(
        "/sources",
        summary="Leads, cost, cost per lead and per won deal, quality per lead source",
        responses=_typed(SourcesReport),
    )
    async def get_pipeline_sources(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        pipeline_id: Annotated[int | None, QueryParameter(ge=1, description="only this pipeline")] = None,
        from_day: From = None,
        to_day: To = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """Per source over the same cohort as the funnel: leads, those reaching the key stage, won;
        cost = the source's cost of the period (monthly costs, pro rata of the days) shared out over
        all its leads of the period, times the leads counted here; cost per lead, cost per won deal;
        quality = reached the key stage / leads x 100. The last row is the total."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        report = await service.sources(
            conn,
            principal,
            pipeline_id,
            first,
            last,
            time_zone=settings.planning_time_zone,
            max_days=settings.report_max_days,
        )
        return _respond(report, [*report.rows, report.total], format, f"sources-{first}-{last}")

    @get("/roles/{role:str}", summary="Figures of every person with a sales role", responses=_typed(RoleReport))
    async def get_pipeline_role_figures(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        role: FromPath[SalesRole],
        from_day: From = None,
        to_day: To = None,
        by: By = Breakdown.PERIOD,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """The people of the caller's scope with this sales role and the figures of the role
        (`columns`): hunter: leads created, qualified, cv1, leads per week; telemarketer: calls, working
        days, calls per working day, leads created, leads per week; closer: deals owned, qualified, won,
        cv2, average check of the accounts won, cycle median / p80; farmer and key account manager:
        retention, churn, LTV to date, upsell, new categories per account. `by=week`: one row per person
        and week. Errors: an unknown role (422, field `role`), `to` before `from` (422, field `to`)."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        report = await service.role_report(
            conn,
            principal,
            role,
            first,
            last,
            by,
            time_zone=settings.planning_time_zone,
            fact_from=settings.sales_fact_from,
            max_days=settings.report_max_days,
        )
        columns = PERSON_COLUMNS + report.columns
        return _respond(report, report.rows, format, f"{role.value}-{by.value}-{first}-{last}", columns)

    @get("/people/{user_id:int}", summary="One person's figures for their sales role", responses=_typed(PersonReport))
    async def get_pipeline_person_figures(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        user_id: FromPath[int],
        from_day: From = None,
        to_day: To = None,
        by: By = Breakdown.PERIOD,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """A person the caller sees (themselves, a supervisor's team member; else 404): the figures of
        their sales role, as in `/roles/{role}` (none for a person without a sales role)."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        report = await service.person_report(
            conn,
            principal,
            user_id,
            first,
            last,
            by,
            time_zone=settings.planning_time_zone,
            fact_from=settings.sales_fact_from,
            max_days=settings.report_max_days,
        )
        return _respond(report, report.rows, format, f"person_{user_id}-{by.value}-{first}-{last}")

    @get("/leaderboard", summary="Leaderboard per sales role of the caller's team", responses=_typed(LeaderboardReport))
    async def get_pipeline_leaderboard(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        from_day: From = None,
        to_day: To = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """Every person of the caller's scope with a sales role, with the figures of their role, ranked
        within the role by its main figure (`main_figures`; highest first, equal values share a rank,
        none last): hunter leads qualified, telemarketer leads created, closer deals won, farmer and key
        account manager retention %."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        report = await service.leaderboard(
            conn,
            principal,
            first,
            last,
            time_zone=settings.planning_time_zone,
            fact_from=settings.sales_fact_from,
            max_days=settings.report_max_days,
        )
        return _respond(report, report.rows, format, f"leaderboard-{first}-{last}")

    @get(
        "/territories",
        summary="Potential base / active base per territory",
        responses=_typed(TerritoryRatioReport),
    )
    async def get_pipeline_territory_ratio(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        territory_id: Annotated[int | None, QueryParameter(ge=1, description="only this territory")] = None,
        from_day: From = None,
        to_day: To = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """Per territory in the caller's scope (one: 404 when not in scope): the potential base, the
        active base of it in the period and potential / active, by coverage's one definition
        (migration 0009). The last row is the total."""
        first, last = _period(from_day, to_day, local_today(clock, settings.planning_time_zone))
        service.check_period(first, last, settings.report_max_days)
        report = await service.territory_ratio(conn, principal, territory_id, first, last)
        return _respond(report, [*report.rows, report.total], format, f"territories-{first}-{last}")

    @get(
        "/source-costs",
        guards=[requires_role(Role.SUPERVISOR, Role.ADMIN)],
        summary="What each lead source cost per month",
        responses=_typed(SourceCostsReport),
    )
    async def get_pipeline_source_costs(
        self,
        conn: Conn,
        from_month: Annotated[str, QueryParameter(name="from", description="first month YYYY-MM (required)")],
        to_month: Annotated[str | None, QueryParameter(name="to", description="last month YYYY-MM")] = None,
        format: Format = FileFormat.JSON,
    ) -> Response[Any]:
        """The company's monthly costs per lead source (entered by admins), as the sources report
        shares them out. Errors: a month that is not YYYY-MM, `to` before `from` (422 naming it)."""
        report = await service.source_costs(conn, from_month, to_month)
        return _respond(report, report.rows, format, f"source_costs-{report.from_month}-{report.to_month}")

    @put("/source-costs", guards=[requires_role(Role.ADMIN)], summary="Enter what lead sources cost per month")
    async def set_pipeline_source_costs(
        self, data: JSONBody[SourceCostsRequest], conn: Conn, principal: Caller
    ) -> SourceCostsStored:
        """Admins only. Each item sets one source's cost of one month (a later entry replaces it); the
        whole request is stored or nothing: an unknown source, a month that is not YYYY-MM or an amount
        below 0 is 422 naming the item's field."""
        return await service.save_source_costs(conn, principal, data)
