"""A small catalogue and price lists for the order tests, written through the catalogue service."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from backend.auth.principal import Principal, Role
from backend.catalogue import service as catalogue
from backend.catalogue.schemas import PriceItemRequest, PriceListRequest, ProductRequest

PRODUCTS = [
    ProductRequest(
        sku="W-RED",
        name="Castello Rosso 0.75",
        brand="Castello",
        category="Wine/Red",
        unit="bottle",
        volume_l=0.75,
        is_alcohol=True,
    ),
    ProductRequest(
        sku="W-WHITE",
        name="Castello Bianco 0.75",
        brand="Castello",
        category="Wine/White",
        unit="bottle",
        volume_l=0.75,
        is_alcohol=True,
    ),
    ProductRequest(
        sku="SP-BRUT",
        name="Brillante Brut 0.75",
        brand="Brillante",
        category="Sparkling",
        unit="bottle",
        volume_l=0.75,
        is_alcohol=True,
    ),
    ProductRequest(
        sku="B-LAGER",
        name="Nordic Lager 0.33 can",
        brand="Nordic",
        category="Beer",
        unit="can",
        volume_l=0.33,
        is_alcohol=True,
        pack_size=24,
    ),
    ProductRequest(
        sku="B-KEG", name="Nordic Lager draught", brand="Nordic", category="Beer/Draught", unit="litre", is_alcohol=True
    ),
    ProductRequest(
        sku="RIVAL-RED",
        name="Rival Red 0.75",
        brand="Rival",
        brand_is_own=False,
        category="Wine/Red",
        unit="bottle",
        is_alcohol=True,
    ),
]
# Channel prices in November (H-NOV) and from December (H-DEC); retail all year; one account's own list.
HORECA_NOV = {"W-RED": 10.0, "W-WHITE": 9.0, "SP-BRUT": 15.0, "B-LAGER": 1.5, "B-KEG": 4.0}
HORECA_DEC = {"W-RED": 11.0, "W-WHITE": 9.5, "SP-BRUT": 16.0, "B-LAGER": 1.6, "B-KEG": 4.2}
RETAIL = {"W-RED": 8.0, "W-WHITE": 7.0, "SP-BRUT": 12.0, "B-LAGER": 1.2}
OWN = {"W-RED": 9.0}
ADMIN = Principal(user_id=0, role=Role.ADMIN, email="admin@example.com")


async def admin(conn: asyncpg.Connection) -> Principal:
    user_id = int(await conn.fetchval("select id from users where email = 'admin@example.com'"))
    return Principal(user_id=user_id, role=Role.ADMIN, email="admin@example.com")


def _items(prices: dict[str, float]) -> list[PriceItemRequest]:
    return [PriceItemRequest(sku=sku, price=price) for sku, price in prices.items()]


async def small_catalogue(conn: asyncpg.Connection, own_list_account: int | None = None) -> None:
    caller = await admin(conn)
    for product in PRODUCTS:
        await catalogue.save_product(conn, product)
    lists = [
        PriceListRequest(
            code="H-NOV",
            name="HoReCa autumn",
            channel="horeca",
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2026, 11, 30),
            items=_items(HORECA_NOV),
        ),
        PriceListRequest(
            code="H-DEC",
            name="HoReCa winter",
            channel="horeca",
            valid_from=dt.date(2026, 12, 1),
            items=_items(HORECA_DEC),
        ),
        PriceListRequest(
            code="R-2026", name="Retail", channel="retail", valid_from=dt.date(2026, 1, 1), items=_items(RETAIL)
        ),
    ]
    if own_list_account is not None:
        lists.append(
            PriceListRequest(
                code="OWN",
                name="Agreed prices",
                account_id=own_list_account,
                valid_from=dt.date(2026, 1, 1),
                items=_items(OWN),
            )
        )
    for item in lists:
        await catalogue.create_price_list(conn, caller, item)


async def rep_account(conn: asyncpg.Connection, email: str, channel: str, offset: int = 0) -> asyncpg.Record:
    return await conn.fetchrow(
        "select a.id, a.channel, a.account_class, ST_Y(a.location) as lat, ST_X(a.location) as lon "
        "from accounts a join territories t on t.id = a.territory_id join users u on u.id = t.owner_rep_id "
        "where u.email = $1 and a.channel = $2 and a.location is not null order by a.id offset $3 limit 1",
        email,
        channel,
        offset,
    )


def order_body(account_id: int, at: dt.datetime, lines: list[tuple[str, float, float]], **extra: Any) -> dict[str, Any]:
    return {
        "id": str(extra.pop("order_id", None) or uuid.uuid4()),
        "account_id": account_id,
        "ordered_at": at.isoformat(),
        "lines": [{"sku": sku, "quantity": quantity, "discount_pct": discount} for sku, quantity, discount in lines],
        **extra,
    }
