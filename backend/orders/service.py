"""Orders taken in visits: offline first and idempotent, priced from the account's price lists on the
day the order was taken, moved through statuses by the office or an ERP, exported and announced by
a signed webhook.

Rules (the pure ones in `backend.orders.rules` and `backend.catalogue.rules`):

- Idempotent by the phone's order id, as visits: the same body again (``sent_at`` aside) replays
  the first answer; another body under the same id is 409; a refused request stores nothing, so the
  phone may correct it and resend under the same id.
- The order day is the local day of ``ordered_at`` in the rep's time zone: prices are those valid
  that day, whenever the order arrives (an order sent late keeps the prices of the day it was taken).
- Refused with 422 naming the field, nothing written: an unknown or inactive SKU
  (``lines[i].sku``), a SKU on no price list of the account valid that day (``lines[i].sku``), a
  quantity that is not > 0 or not whole for a bottle/can/piece/case/keg (``lines[i].quantity``), a
  discount beyond the limit (``lines[i].discount_pct``), a SKU twice, a delivery day before the order
  day, a visit that is not the rep's at that account (``visit_id``). An account outside the rep's
  territories is 404 (``account_id``).
- Every status change is kept with who and when; a submission enqueues the ERP webhook (when a URL
  is configured), delivered by the worker with retries. An account's first delivered order is told to
  ``backend.deals.service.order_delivered`` (hand-over rules may name its account manager).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.catalogue.rules import PriceListRef, applicable_price, quantity_problem
from backend.deals import service as deals
from backend.errors import Conflict, InvalidInput, NotFound
from backend.idempotency import service as idempotency
from backend.orders import repository
from backend.orders.repository import NewLine
from backend.orders.rules import Status, discount_problem, fact_statuses, line_amount, move_problem
from backend.orders.schemas import (
    AccountHistory,
    ExportDocument,
    Order,
    OrderList,
    OrderRequest,
    PriceCandidate,
    Replayed,
    StatusRequest,
    SuggestionList,
)
from backend.settings import Settings

CREATE = "order.create"
SUBMITTED_EVENT = "order.submitted"
MAX_FUTURE = dt.timedelta(days=1)


def _price_lists(candidates: list[PriceCandidate]) -> list[PriceListRef]:
    grouped: dict[int, PriceListRef] = {}
    for item in candidates:
        ref = grouped.get(item.price_list_id)
        if ref is None:
            ref = grouped[item.price_list_id] = PriceListRef(
                id=item.price_list_id,
                account_id=item.account_id,
                channel=item.channel,
                valid_from=item.valid_from,
                valid_to=item.valid_to,
                prices={},
            )
        ref.prices[item.product_id] = Decimal(str(item.price))
    return list(grouped.values())


async def create_order(
    conn: asyncpg.Connection,
    settings: Settings,
    principal: Principal,
    request: OrderRequest,
    now: dt.datetime,
    business_now: dt.datetime,
) -> Replayed:
    """Take an order. `ordered_at` is checked and the first status is kept against `business_now`
    (the injected clock, as for a check-in); a submission's webhook is scheduled on the wall clock
    `now`, which its delivery worker reads."""
    user_id = principal.user_id
    body = idempotency.fingerprint(msgspec.structs.replace(request, sent_at=None))
    stored = await idempotency.begin(conn, user_id, CREATE, str(request.id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, Order), stored.status_code, True)
    account = await repository.order_account(conn, principal.role.value, user_id, request.account_id)
    if account is None:
        raise NotFound(f"account {request.account_id} not found among the accounts you work", field="account_id")
    if request.ordered_at > business_now + MAX_FUTURE:
        raise InvalidInput("ordered_at is more than a day in the future", field="ordered_at")
    zone = zoneinfo.ZoneInfo(await repository.rep_time_zone(conn, user_id))
    order_day = request.ordered_at.astimezone(zone).date()
    if request.delivery_day is not None and request.delivery_day < order_day:
        raise InvalidInput("delivery_day must not be before the order day", field="delivery_day")
    if request.visit_id is not None and not await repository.visit_matches(
        conn, request.visit_id, user_id, request.account_id
    ):
        raise InvalidInput(f"visit {request.visit_id} is not yours at account {request.account_id}", field="visit_id")
    lines = await _priced_lines(conn, settings, request, account.channel, order_day)
    inserted = await repository.insert_order(
        conn,
        order_id=request.id,
        account_id=request.account_id,
        rep_id=user_id,
        visit_id=request.visit_id,
        territory_id=account.territory_id,
        status=request.status,
        ordered_at=request.ordered_at,
        order_day=order_day,
        delivery_day=request.delivery_day,
        comment=request.comment,
        lines=lines,
    )
    if not inserted:
        raise Conflict(f"order id {request.id} is already taken; generate a new UUID", field="id")
    await repository.insert_status_change(conn, request.id, None, request.status, user_id, business_now, None)
    order = await _order(conn, principal, request.id)
    if request.status == Status.SUBMITTED.value:
        await _announce(conn, settings, order, now)
    await idempotency.finish(conn, user_id, CREATE, str(request.id), 201, order)
    return Replayed(order, 201, False)


async def _priced_lines(
    conn: asyncpg.Connection, settings: Settings, request: OrderRequest, channel: str, day: dt.date
) -> list[NewLine]:
    products = await repository.products_by_sku(conn, sorted({line.sku for line in request.lines}))
    seen: set[str] = set()
    for index, line in enumerate(request.lines):
        product = products.get(line.sku)
        if product is None or not product.is_active:
            raise InvalidInput(f"unknown SKU {line.sku!r}", field=f"lines[{index}].sku")
        if line.sku in seen:
            raise InvalidInput(f"SKU {line.sku!r} is ordered on two lines; use one line", field=f"lines[{index}].sku")
        seen.add(line.sku)
        problem = quantity_problem(product.unit, line.quantity)
        if problem is not None:
            raise InvalidInput(problem, field=f"lines[{index}].quantity")
        problem = discount_problem(line.discount_pct, settings.order_max_discount_pct)
        if problem is not None:
            raise InvalidInput(problem, field=f"lines[{index}].discount_pct")
    lists = _price_lists(
        await repository.price_candidates(
            conn, request.account_id, channel, day, sorted({product.id for product in products.values()})
        )
    )
    priced: list[NewLine] = []
    for index, line in enumerate(request.lines):
        product = products[line.sku]
        applied = applicable_price(lists, product.id, request.account_id, channel, day)
        if applied is None:
            raise InvalidInput(
                f"SKU {line.sku!r} is not on the account's price list on {day.isoformat()}", field=f"lines[{index}].sku"
            )
        quantity = Decimal(str(line.quantity))
        discount = Decimal(str(line.discount_pct)).quantize(Decimal("0.01"))
        priced.append(
            NewLine(
                line_no=index,
                product_id=product.id,
                price_list_id=applied.price_list_id,
                quantity=quantity,
                list_price=applied.price,
                discount_pct=discount,
                amount=line_amount(quantity, applied.price, discount),
                category_id=product.category_id,
            )
        )
    return priced


async def _order(conn: asyncpg.Connection, principal: Principal, order_id: uuid.UUID) -> Order:
    order = await repository.order_in_scope(conn, principal.role.value, principal.user_id, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found", field="order_id")
    return order


async def _announce(conn: asyncpg.Connection, settings: Settings, order: Order, now: dt.datetime) -> None:
    if settings.order_webhook_url:
        payload = {"event": SUBMITTED_EVENT, "order": msgspec.to_builtins(order)}
        await repository.enqueue_webhook(conn, order.id, SUBMITTED_EVENT, payload, now)


async def get_order(conn: asyncpg.Connection, principal: Principal, order_id: uuid.UUID) -> Order:
    return await _order(conn, principal, order_id)


async def move(
    conn: asyncpg.Connection,
    settings: Settings,
    principal: Principal,
    order_id: uuid.UUID,
    request: StatusRequest,
    now: dt.datetime,
    business_now: dt.datetime,
) -> Order:
    """Move an order to another status (see the table in `backend.orders.rules`). The status change
    and a hand-over it causes happen at `business_now` (the injected clock, so a simulated office
    delivers on its simulated day); the webhook outbox is scheduled on the wall clock `now`, as its
    delivery worker reads it."""
    await _order(conn, principal, order_id)
    current_text, rep_id = await repository.lock_order(conn, order_id)
    current = Status(current_text)
    if principal.role.value == "rep" and rep_id != principal.user_id:
        raise NotFound(f"order {order_id} not found", field="order_id")
    problem = move_problem(current, request.status, principal.role.value)
    if problem is not None:
        raise Conflict(problem, field="status")
    if current == request.status:
        return await _order(conn, principal, order_id)
    await repository.set_status(conn, order_id, request.status.value)
    await repository.insert_status_change(
        conn, order_id, current.value, request.status.value, principal.user_id, business_now, request.note
    )
    order = await _order(conn, principal, order_id)
    if request.status == Status.SUBMITTED:
        await _announce(conn, settings, order, now)
    if request.status == Status.DELIVERED:
        # The account's first delivery may hand it to its farmer (the deals' hand-over rules).
        await deals.order_delivered(conn, order.account_id, principal.user_id, business_now)
    return order


async def list_orders(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    account_id: int | None,
    status: Status | None,
    first: dt.date | None,
    last: dt.date | None,
    limit: int,
) -> OrderList:
    if account_id is not None:
        await _visible_account(conn, principal, account_id)
    items = await repository.list_orders(
        conn,
        principal.role.value,
        principal.user_id,
        account_id=account_id,
        status=None if status is None else status.value,
        first=first,
        last=last,
        limit=limit,
    )
    return OrderList(items=items)


async def export(
    conn: asyncpg.Connection, principal: Principal, status: Status, since: dt.datetime, until: dt.datetime
) -> ExportDocument:
    if since >= until:
        raise InvalidInput("since must be before until", field="since")
    lines = await repository.export_lines(conn, principal.role.value, principal.user_id, status.value, since, until)
    return ExportDocument(lines=lines)


# --- per-account history and suggestions for the rep in the visit --------------------------------


async def _visible_account(conn: asyncpg.Connection, principal: Principal, account_id: int) -> None:
    if not await repository.account_visible(conn, principal.role.value, principal.user_id, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")


async def history(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, account_id: int, first: dt.date, last: dt.date
) -> AccountHistory:
    """Sales fact per month and root category over the months [first, last], and the orders."""
    await _visible_account(conn, principal, account_id)
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    statuses = fact_statuses(settings.sales_fact_from)
    totals = await repository.month_category_totals(conn, account_id, statuses, first, last)
    month_end = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1) - dt.timedelta(days=1)
    orders = await repository.list_orders(
        conn,
        principal.role.value,
        principal.user_id,
        account_id=account_id,
        status=None,
        first=first,
        last=month_end,
        limit=1000,
    )
    return AccountHistory(account_id=account_id, from_month=first, to_month=last, totals=totals, orders=orders)


async def not_bought(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, account_id: int, day: dt.date, days: int
) -> SuggestionList:
    """Products the account bought before but not in the `days` days up to `day`, latest first."""
    await _visible_account(conn, principal, account_id)
    statuses = fact_statuses(settings.sales_fact_from)
    items = await repository.not_bought_since(conn, account_id, statuses, days, day)
    return SuggestionList(account_id=account_id, day=day, items=items)


async def cross_sell(
    conn: asyncpg.Connection,
    settings: Settings,
    principal: Principal,
    account_id: int,
    day: dt.date,
    days: int,
    min_share_pct: float,
    limit: int,
) -> SuggestionList:
    """Products bought in the `days` days up to `day` by at least `min_share_pct` % of the active
    accounts of the same channel and class, never bought by this account, and on its price lists."""
    await _visible_account(conn, principal, account_id)
    statuses = fact_statuses(settings.sales_fact_from)
    items = await repository.cross_sell(conn, account_id, statuses, days, day, min_share_pct, limit)
    return SuggestionList(account_id=account_id, day=day, items=items)
