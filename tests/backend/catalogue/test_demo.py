"""The demo catalogue loads, and the demand model's orders go through the order API as they are."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue, order_for_visit
from tests.backend.conftest import auth_headers


def test_the_demo_catalogue_is_a_wine_and_spirits_distributors() -> None:
    catalogue = build_demo_catalogue(7)
    own = [item for item in catalogue.products if item.product.brand_is_own]
    assert len(own) == 200
    assert {item.product.category.split("/")[0] for item in own} == {
        "Wine",
        "Sparkling",
        "Spirits",
        "Beer",
        "Soft drinks",
    }
    assert len(catalogue.products) - len(own) == 30
    assert build_demo_catalogue(7) == catalogue  # seeded
    assert not any(item.product.unit == "litre" for item in catalogue.priced("retail"))  # no kegs in shops


def test_demand_peaks_in_december_and_summer_terraces_lift_horeca() -> None:
    catalogue = build_demo_catalogue(7)
    prices = {item.product.sku: item.base_price for item in catalogue.products}

    def month_amount(channel: str, month: int) -> float:
        return sum(
            line.quantity * prices[line.sku]
            for account in range(1, 301)
            for day in (5, 19)
            for line in order_for_visit(catalogue, account, channel, "ABC"[account % 3], dt.date(2026, month, day))
        )

    horeca = {month: month_amount("horeca", month) for month in (2, 4, 7, 12)}
    assert horeca[12] > 1.5 * horeca[4]
    assert horeca[7] > 1.15 * horeca[4] > horeca[2]
    assert order_for_visit(catalogue, 11, "horeca", "A", dt.date(2026, 12, 3)) == order_for_visit(
        catalogue, 11, "horeca", "A", dt.date(2026, 12, 3)
    )


async def test_the_demo_catalogue_loads_once_and_its_orders_are_accepted(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    catalogue = build_demo_catalogue(7)
    loaded = await load_demo_catalogue(conn, catalogue, dt.date(2024, 1, 1))
    assert loaded == {"own_products": 200, "competitor_products": 30, "price_lists": 2}
    assert await load_demo_catalogue(conn, catalogue, dt.date(2024, 1, 1)) is None
    accounts = await conn.fetch(
        "select a.id, a.channel, a.account_class from accounts a join territories t on t.id = a.territory_id "
        "join users u on u.id = t.owner_rep_id where u.email = 'rep1@example.com' and a.channel <> 'other' "
        "order by a.id limit 12"
    )
    headers = await auth_headers(client, "rep1@example.com")
    taken = 0
    for account in accounts:
        day = dt.date(2026, 12, 2)
        lines = order_for_visit(catalogue, account["id"], account["channel"], account["account_class"], day)
        if not lines:
            continue
        body = {
            "id": str(uuid.uuid4()),
            "account_id": account["id"],
            "ordered_at": dt.datetime(2026, 12, 2, 11, tzinfo=ZoneInfo("Europe/Helsinki")).isoformat(),
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines],
        }
        response = await client.post("/api/v1/orders", json=body, headers=headers)
        assert response.status_code == 201, response.text
        taken += 1
    assert taken >= 6
