"""HTTP: orders (taken by reps, moved by the office or an ERP), the ERP export, per-account history
and the rep's suggestions in the visit."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.clock import Clock, local_today
from backend.errors import InvalidInput
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.orders import service
from backend.orders.rules import Status
from backend.orders.schemas import (
    AccountHistory,
    ExportDocument,
    Order,
    OrderList,
    OrderRequest,
    Replayed,
    StatusRequest,
    SuggestionList,
)
from backend.sales.export import to_csv, to_xlsx
from backend.sales.schemas import FileFormat
from backend.settings import Settings

REPLAYED_HEADER = "Idempotent-Replayed"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _respond(result: Replayed) -> Response[Order]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.order, status_code=result.status_code, headers=headers)


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a day as YYYY-MM-DD", field=name) from exc


def _month(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        year, month = value.strip()[:7].split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a month as YYYY-MM", field=name) from exc


def _today(clock: Clock, settings: Settings) -> dt.date:
    """ "Today" for the account's lists is business time (the injected clock), in the planning time zone."""
    return local_today(clock, settings.planning_time_zone)


class OrdersController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]

    @post("", status_code=201, guards=[requires_role(Role.REP)], summary="Take an order (offline first)")
    async def create_order(
        self, data: JSONBody[OrderRequest], conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock
    ) -> Response[Order]:
        """Idempotent by the phone's order `id`: the same body again replays the 201 (with
        `Idempotent-Replayed: true`); another body under the same id is 409. Lines are priced from the
        account's own price list, else its channel's, valid on the local day of `ordered_at`. Bad input
        is 422 naming the line (`lines[2].discount_pct`); an account the caller does not work (their
        territories, the accounts they manage, the accounts of their deals) is 404."""
        return _respond(await service.create_order(conn, settings, principal, data, datetime.now(UTC), clock.now()))

    @get("", summary="Orders in the caller's scope, newest first")
    async def list_orders(
        self,
        conn: Conn,
        principal: Caller,
        account_id: Annotated[int | None, QueryParameter(ge=1)] = None,
        status: Annotated[Status | None, QueryParameter()] = None,
        from_day: Annotated[str | None, QueryParameter(name="from", description="first order day")] = None,
        to_day: Annotated[str | None, QueryParameter(name="to", description="last order day")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> OrderList:
        return await service.list_orders(
            conn,
            principal,
            account_id=account_id,
            status=status,
            first=_day(from_day, "from"),
            last=_day(to_day, "to"),
            limit=limit,
        )

    @get(
        "/export",
        guards=[requires_role(Role.SUPERVISOR, Role.ADMIN)],
        summary="Orders of a status for the ERP (JSON, CSV or XLSX)",
        responses={
            200: ResponseSpec(data_container=ExportDocument, description="The orders (JSON; CSV or XLSX with `format`)")
        },
    )
    async def export_orders(
        self,
        conn: Conn,
        principal: Caller,
        status: Annotated[Status, QueryParameter(description="default submitted")] = Status.SUBMITTED,
        since: Annotated[datetime | None, QueryParameter(description="received from (default: 7 days ago)")] = None,
        until: Annotated[datetime | None, QueryParameter(description="received before (default: now)")] = None,
        format: Annotated[FileFormat, QueryParameter(description="json (default), csv or xlsx")] = FileFormat.JSON,
    ) -> Response[Any]:
        """One row per order line with its order's fields. Text that a spreadsheet would read as a
        formula (a leading = + - @) is quoted in CSV and written as a text cell in XLSX."""
        end = until or datetime.now(UTC)
        start = since or end - dt.timedelta(days=7)
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput("since and until need a time zone offset", field="since")
        document = await service.export(conn, principal, status, start, end)
        name = f"orders-{status.value}-{start.date()}-{end.date()}"
        if format is FileFormat.JSON:
            return Response(content=document)
        if format is FileFormat.CSV:
            content, media_type, ext = to_csv(document.lines), "text/csv; charset=utf-8", "csv"
        else:
            content, media_type, ext = to_xlsx(document.lines, "orders"), XLSX, "xlsx"
        return Response(
            content=content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'},
        )

    @get("/{order_id:uuid}", summary="One order with its lines and status history")
    async def get_order(self, conn: Conn, principal: Caller, order_id: FromPath[uuid.UUID]) -> Order:
        return await service.get_order(conn, principal, order_id)

    @post("/{order_id:uuid}/status", status_code=200, summary="Move an order to another status")
    async def move_order(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StatusRequest],
    ) -> Order:
        """draft -> submitted | cancelled (the rep or the office); submitted -> confirmed | cancelled and
        confirmed -> delivered | cancelled (the office: a supervisor or an admin; an ERP uses an admin
        account). Another move is 409 naming `status`; a move to the current status changes nothing."""
        return await service.move(conn, settings, principal, order_id, data, datetime.now(UTC), clock.now())


class AccountSalesController(Controller):
    path = "/api/v1/accounts/{account_id:int}/sales"
    tags = ["orders"]

    @get("/history", summary="The account's orders and its sales per month and category")
    async def get_account_sales_history(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        from_month: Annotated[str | None, QueryParameter(name="from", description="first month YYYY-MM")] = None,
        to_month: Annotated[str | None, QueryParameter(name="to", description="last month YYYY-MM")] = None,
    ) -> AccountHistory:
        """Default: the 12 months up to this one."""
        today = _today(clock, settings)
        last = _month(to_month, "to") or today.replace(day=1)
        first = _month(from_month, "from") or dt.date(last.year - 1, last.month, 1)
        return await service.history(conn, settings, principal, account_id, first, last)

    @get("/not-bought", summary="Products the account bought before but not in the last N days")
    async def list_not_bought(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        days: Annotated[int, QueryParameter(ge=1, le=730)] = 90,
        day: Annotated[str | None, QueryParameter(description="the day to count back from (default today)")] = None,
    ) -> SuggestionList:
        return await service.not_bought(
            conn, settings, principal, account_id, _day(day, "day") or _today(clock, settings), days
        )

    @get("/cross-sell", summary="Bought by similar accounts (same channel and class) but not by this one")
    async def list_cross_sell(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        days: Annotated[int, QueryParameter(ge=1, le=730)] = 90,
        min_share_pct: Annotated[float, QueryParameter(ge=0, le=100)] = 20.0,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 20,
        day: Annotated[str | None, QueryParameter(description="the day to count back from (default today)")] = None,
    ) -> SuggestionList:
        return await service.cross_sell(
            conn,
            settings,
            principal,
            account_id,
            _day(day, "day") or _today(clock, settings),
            days,
            min_share_pct,
            limit,
        )
