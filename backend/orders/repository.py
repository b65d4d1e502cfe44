"""SQL of orders; every read takes the caller's scope (visible_rep_ids / visible_territory_ids)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.orders.schemas import (
    ExportLine,
    MonthCategoryTotal,
    Order,
    OrderAccount,
    OrderLine,
    OrderSummary,
    PriceCandidate,
    StatusChange,
    Suggestion,
    WebhookDue,
)

Q = load_queries("backend.orders")


class OrderProduct(msgspec.Struct, frozen=True):
    id: int
    unit: str
    is_active: bool
    category_id: int


class NewLine(msgspec.Struct, frozen=True):
    line_no: int
    product_id: int
    price_list_id: int
    quantity: Decimal
    list_price: Decimal
    discount_pct: Decimal
    amount: Decimal
    category_id: int


async def order_account(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> OrderAccount | None:
    row = await conn.fetchrow(Q["order_account"], role, user_id, account_id)
    return None if row is None else msgspec.convert(dict(row), OrderAccount)


async def rep_time_zone(conn: asyncpg.Connection, rep_id: int) -> str:
    return str(await conn.fetchval(Q["rep_time_zone"], rep_id))


async def visit_matches(conn: asyncpg.Connection, visit_id: uuid.UUID, rep_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["visit_of_rep_at_account"], visit_id, rep_id, account_id) is not None


async def products_by_sku(conn: asyncpg.Connection, skus: list[str]) -> dict[str, OrderProduct]:
    rows = await conn.fetch(Q["products_by_sku"], skus)
    return {row["sku"]: OrderProduct(row["id"], row["unit"], row["is_active"], row["category_id"]) for row in rows}


async def price_candidates(
    conn: asyncpg.Connection, account_id: int, channel: str, day: dt.date, product_ids: list[int]
) -> list[PriceCandidate]:
    rows = await conn.fetch(Q["price_candidates"], account_id, channel, day, product_ids)
    return [msgspec.convert(dict(row), PriceCandidate) for row in rows]


async def insert_order(
    conn: asyncpg.Connection,
    *,
    order_id: uuid.UUID,
    account_id: int,
    rep_id: int,
    visit_id: uuid.UUID | None,
    territory_id: int | None,
    status: str,
    ordered_at: dt.datetime,
    order_day: dt.date,
    delivery_day: dt.date | None,
    comment: str | None,
    lines: list[NewLine],
) -> bool:
    inserted = await conn.fetchval(
        Q["insert_order"],
        order_id,
        account_id,
        rep_id,
        visit_id,
        territory_id,
        status,
        ordered_at,
        order_day,
        delivery_day,
        comment,
        sum((line.amount for line in lines), Decimal(0)),
        sum((line.quantity for line in lines), Decimal(0)),
        len(lines),
    )
    if inserted is None:
        return False
    await conn.execute(
        Q["insert_lines"],
        order_id,
        [line.line_no for line in lines],
        [line.product_id for line in lines],
        [line.price_list_id for line in lines],
        [line.quantity for line in lines],
        [line.list_price for line in lines],
        [line.discount_pct for line in lines],
        [line.amount for line in lines],
        [line.category_id for line in lines],
    )
    return True


async def insert_status_change(
    conn: asyncpg.Connection,
    order_id: uuid.UUID,
    from_status: str | None,
    to_status: str,
    changed_by: int,
    changed_at: dt.datetime,
    note: str | None,
) -> None:
    await conn.execute(Q["insert_status_change"], order_id, from_status, to_status, changed_by, changed_at, note)


async def order_in_scope(conn: asyncpg.Connection, role: str, user_id: int, order_id: uuid.UUID) -> Order | None:
    row = await conn.fetchrow(Q["order_in_scope"], role, user_id, order_id)
    if row is None:
        return None
    lines = [msgspec.convert(dict(item), OrderLine) for item in await conn.fetch(Q["order_lines"], order_id)]
    history = [msgspec.convert(dict(item), StatusChange) for item in await conn.fetch(Q["order_history"], order_id)]
    return msgspec.convert({**dict(row), "lines": lines, "history": history}, Order)


async def lock_order(conn: asyncpg.Connection, order_id: uuid.UUID) -> tuple[str, int]:
    row = await conn.fetchrow(Q["lock_order"], order_id)
    assert row is not None  # the caller has just read the order
    return str(row["status"]), int(row["rep_id"])


async def set_status(conn: asyncpg.Connection, order_id: uuid.UUID, status: str) -> None:
    await conn.execute(Q["set_status"], order_id, status)


async def list_orders(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    *,
    account_id: int | None,
    status: str | None,
    first: dt.date | None,
    last: dt.date | None,
    limit: int,
) -> list[OrderSummary]:
    rows = await conn.fetch(Q["list_orders"], role, user_id, account_id, status, first, last, limit)
    return [msgspec.convert(dict(row), OrderSummary) for row in rows]


async def export_lines(
    conn: asyncpg.Connection, role: str, user_id: int, status: str, since: dt.datetime, until: dt.datetime
) -> list[ExportLine]:
    rows = await conn.fetch(Q["export_lines"], role, user_id, status, since, until)
    return [msgspec.convert(dict(row), ExportLine) for row in rows]


async def account_visible(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> bool:
    return await conn.fetchrow(Q["account_visible"], role, user_id, account_id) is not None


async def month_category_totals(
    conn: asyncpg.Connection, account_id: int, statuses: list[str], first: dt.date, last: dt.date
) -> list[MonthCategoryTotal]:
    rows = await conn.fetch(Q["account_month_category_totals"], account_id, statuses, first, last)
    return [msgspec.convert(dict(row), MonthCategoryTotal) for row in rows]


async def not_bought_since(
    conn: asyncpg.Connection, account_id: int, statuses: list[str], days: int, day: dt.date
) -> list[Suggestion]:
    rows = await conn.fetch(Q["not_bought_since"], account_id, statuses, days, day)
    return [msgspec.convert(dict(row), Suggestion) for row in rows]


async def cross_sell(
    conn: asyncpg.Connection,
    account_id: int,
    statuses: list[str],
    days: int,
    day: dt.date,
    min_share_pct: float,
    limit: int,
) -> list[Suggestion]:
    rows = await conn.fetch(Q["cross_sell"], account_id, statuses, days, day, min_share_pct, limit)
    return [msgspec.convert(dict(row), Suggestion) for row in rows]


async def enqueue_webhook(
    conn: asyncpg.Connection, order_id: uuid.UUID, event: str, payload: object, now: dt.datetime
) -> None:
    await conn.execute(Q["enqueue_webhook"], order_id, event, payload, now)


async def due_webhooks(conn: asyncpg.Connection, now: dt.datetime, limit: int) -> list[WebhookDue]:
    rows = await conn.fetch(Q["due_webhooks"], now, limit)
    return [msgspec.convert(dict(row), WebhookDue) for row in rows]


async def webhook_delivered(conn: asyncpg.Connection, webhook_id: int, now: dt.datetime) -> None:
    await conn.execute(Q["webhook_delivered"], webhook_id, now)


async def webhook_failed(
    conn: asyncpg.Connection, webhook_id: int, now: dt.datetime, next_at: dt.datetime | None, error: str
) -> None:
    await conn.execute(Q["webhook_failed"], webhook_id, now, next_at, error[:500])


async def purge_webhooks(conn: asyncpg.Connection, before: dt.datetime) -> int:
    return int((await conn.execute(Q["purge_delivered_webhooks"], before)).split()[-1])
