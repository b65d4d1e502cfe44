"""SQL of the catalogue; reads of account price lists take the caller's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg
import msgspec

from backend.catalogue.rules import Validity
from backend.catalogue.schemas import (
    Brand,
    BundlePrice,
    Category,
    MustStockEntry,
    PriceItem,
    PriceList,
    PriceListSummary,
    Product,
)
from backend.db.queries import load_queries

Q = load_queries("backend.catalogue")


class ProductUnit(msgspec.Struct, frozen=True):
    id: int
    unit: str


async def upsert_brand(conn: asyncpg.Connection, name: str, is_own: bool) -> int:
    return int(await conn.fetchval(Q["upsert_brand"], name, is_own))


async def upsert_category_path(conn: asyncpg.Connection, levels: list[tuple[str, str]]) -> int:
    """Each level of the path (created when new); returns the id of the last."""
    parent: int | None = None
    root: int | None = None
    for path, name in levels:
        code = path.rsplit("/", 1)[-1]
        category_id = int(await conn.fetchval(Q["upsert_category"], code, name, parent, path, root))
        if root is None:
            await conn.execute(Q["set_category_root"], category_id)
            root = category_id
        parent = category_id
    assert parent is not None
    return parent


async def upsert_product(
    conn: asyncpg.Connection,
    *,
    sku: str,
    name: str,
    brand_id: int,
    category_id: int,
    unit: str,
    pack_size: int,
    ean: str | None,
    volume_l: float | None,
    is_alcohol: bool,
    is_active: bool,
) -> int:
    return int(
        await conn.fetchval(
            Q["upsert_product"], sku, name, brand_id, category_id, unit, pack_size, ean, volume_l, is_alcohol, is_active
        )
    )


async def products(conn: asyncpg.Connection, *, active_only: bool, skus: list[str] | None = None) -> list[Product]:
    rows = await conn.fetch(Q["products"], active_only, skus)
    return [msgspec.convert(dict(row), Product) for row in rows]


async def brands(conn: asyncpg.Connection) -> list[Brand]:
    return [msgspec.convert(dict(row), Brand) for row in await conn.fetch(Q["brands"])]


async def categories(conn: asyncpg.Connection) -> list[Category]:
    return [msgspec.convert(dict(row), Category) for row in await conn.fetch(Q["categories"])]


async def products_by_sku(conn: asyncpg.Connection, skus: list[str]) -> dict[str, ProductUnit]:
    rows = await conn.fetch(Q["product_ids_by_sku"], skus)
    return {row["sku"]: ProductUnit(row["id"], row["unit"]) for row in rows}


async def account_in_scope(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> bool:
    return await conn.fetchrow(Q["account_in_scope"], role, user_id, account_id) is not None


async def lists_of_target(conn: asyncpg.Connection, channel: str | None, account_id: int | None) -> list[Validity]:
    rows = await conn.fetch(Q["lists_of_target"], channel, account_id)
    return [Validity(row["code"], row["valid_from"], row["valid_to"]) for row in rows]


async def insert_price_list(
    conn: asyncpg.Connection,
    *,
    code: str,
    name: str,
    channel: str | None,
    account_id: int | None,
    valid_from: dt.date,
    valid_to: dt.date | None,
    currency: str,
    items: list[tuple[int, Decimal]],
) -> int:
    list_id = int(
        await conn.fetchval(Q["insert_price_list"], code, name, channel, account_id, valid_from, valid_to, currency)
    )
    await conn.execute(Q["insert_price_items"], list_id, [item[0] for item in items], [item[1] for item in items])
    return list_id


async def upsert_price_item(conn: asyncpg.Connection, list_id: int, product_id: int, price: Decimal) -> None:
    await conn.execute(Q["upsert_price_item"], list_id, product_id, price)


async def price_list_by_code(conn: asyncpg.Connection, code: str) -> PriceList | None:
    row = await conn.fetchrow(Q["price_list_by_code"], code)
    return None if row is None else msgspec.convert(dict(row), PriceList)


async def price_list_visible(conn: asyncpg.Connection, role: str, user_id: int, list_id: int) -> PriceList | None:
    row = await conn.fetchrow(Q["price_list_visible"], role, user_id, list_id)
    if row is None:
        return None
    items = [msgspec.convert(dict(item), PriceItem) for item in await conn.fetch(Q["price_list_items"], list_id)]
    return msgspec.convert({**dict(row), "items": items}, PriceList)


async def price_lists_in_scope(conn: asyncpg.Connection, role: str, user_id: int) -> list[PriceListSummary]:
    rows = await conn.fetch(Q["price_lists_in_scope"], role, user_id)
    return [msgspec.convert(dict(row), PriceListSummary) for row in rows]


async def replace_must_stock(
    conn: asyncpg.Connection, channel: str, account_class: str, product_ids: list[int]
) -> None:
    await conn.execute(Q["replace_must_stock"], channel, account_class, product_ids)


async def add_must_stock(conn: asyncpg.Connection, channel: str, account_class: str, product_id: int) -> None:
    await conn.execute(Q["add_must_stock"], channel, account_class, product_id)


async def must_stock(conn: asyncpg.Connection, channel: str | None) -> list[MustStockEntry]:
    return [msgspec.convert(dict(row), MustStockEntry) for row in await conn.fetch(Q["must_stock"], channel)]


async def bundle_price_lists(conn: asyncpg.Connection, role: str, user_id: int, day: dt.date) -> list[PriceListSummary]:
    rows = await conn.fetch(Q["bundle_price_lists"], role, user_id, day)
    return [msgspec.convert(dict(row), PriceListSummary) for row in rows]


async def bundle_prices(conn: asyncpg.Connection, list_ids: list[int]) -> list[BundlePrice]:
    return [msgspec.convert(dict(row), BundlePrice) for row in await conn.fetch(Q["bundle_prices"], list_ids)]
