"""The demo sells: the order history generated before the simulated weeks (backend/simulation/
history.py) comes from visits and shows, through the commercial reports, a December peak and summer
terraces; the same seed writes the same rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg
import httpx

from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue
from backend.simulation.history import generate_history, history_first_day
from backend.simulation.runner import demo_catalogue_from, demo_simulated_from
from geo_data.demo_city import DemoCity
from tests.backend.conftest import auth_headers

# The demo loaded on Monday 2026-12-28: simulated from 2026-11-30 (4 weeks), history before it.
TODAY = dt.date(2026, 12, 28)
SIMULATED_FROM = demo_simulated_from(TODAY)
FIRST = history_first_day(SIMULATED_FROM)
LAST = SIMULATED_FROM - dt.timedelta(days=1)


async def _history(conn: asyncpg.Connection) -> None:
    await load_demo_catalogue(conn, build_demo_catalogue(), demo_catalogue_from(TODAY))
    counts = await generate_history(conn, FIRST, LAST, seed=1)
    assert counts is not None
    assert counts.orders > 5000 and counts.visits > counts.orders and counts.lines > 3 * counts.orders


async def test_the_dates_of_the_demo_history() -> None:
    assert dt.date(2026, 11, 30) == SIMULATED_FROM
    assert (dt.date(2024, 11, 1), dt.date(2026, 11, 29)) == (FIRST, LAST)
    assert history_first_day(dt.date(2026, 1, 5), months=24) == dt.date(2024, 1, 1)


async def test_every_historical_order_comes_from_a_visit_of_its_account_and_rep_that_day(
    conn: asyncpg.Connection,
) -> None:
    await _history(conn)
    orphans = await conn.fetchval(
        """
        select count(*) from orders o
        join reps r on r.user_id = o.rep_id
        left join visits v on v.id = o.visit_id
        where o.order_day between $1 and $2
          and (v.id is null or v.account_id <> o.account_id or v.rep_id <> o.rep_id
               or (v.checked_in_at at time zone r.time_zone)::date <> o.order_day
               or o.ordered_at not between v.checked_in_at and v.checked_out_at)
        """,
        FIRST,
        LAST,
    )
    assert orphans == 0
    # Priced like any order: every line is quantity x the channel list's price, the totals are the lines'.
    wrong = await conn.fetchval(
        """
        select count(*) from orders o
        join accounts a on a.id = o.account_id
        join order_lines l on l.order_id = o.id
        join price_lists p on p.id = l.price_list_id
        join price_list_items i on i.price_list_id = p.id and i.product_id = l.product_id
        where o.order_day between $1 and $2
          and (p.channel <> a.channel or l.list_price <> i.price or l.amount <> round(l.quantity * i.price, 2)
               or l.status <> o.status or l.order_day <> o.order_day)
        """,
        FIRST,
        LAST,
    )
    assert wrong == 0
    totals = await conn.fetchval(
        """
        select count(*) from orders o,
             lateral (select sum(amount) as amount, sum(quantity) as units, count(*) as lines
                      from order_lines l where l.order_id = o.id) l
        where o.order_day between $1 and $2
          and (o.total_amount, o.total_units, o.line_count) is distinct from (l.amount, l.units, l.lines)
        """,
        FIRST,
        LAST,
    )
    assert totals == 0
    # Status moves: submitted by the rep, then confirmed and delivered (or cancelled) by the supervisor.
    statuses = dict(await conn.fetch("select status, count(*) from orders group by status"))
    assert set(statuses) == {"delivered", "cancelled"} and statuses["cancelled"] < 0.05 * statuses["delivered"]
    moves = await conn.fetchval(
        "select count(*) from orders o where (select array_agg(to_status order by changed_at) from "
        "order_status_changes c where c.order_id = o.id) not in ('{submitted,confirmed,delivered}', "
        "'{submitted,cancelled}')"
    )
    assert moves == 0
    # No visit on a weekend or on Christmas Day; prospects (never bought) place no order.
    assert (
        await conn.fetchval(
            "select count(*) from visits v join reps r on r.user_id = v.rep_id where extract(isodow from "
            "(v.checked_in_at at time zone r.time_zone)) > 5 or to_char(v.checked_in_at at time zone r.time_zone, "
            "'MM-DD') = '12-25'"
        )
        == 0
    )
    assert (
        await conn.fetchval(
            "select count(*) from orders o join accounts a on a.id = o.account_id where a.status <> 'active'"
        )
        == 0
    )


async def test_the_reports_show_a_december_peak_and_summer_terraces(
    conn: asyncpg.Connection, client: httpx.AsyncClient, demo_city: DemoCity
) -> None:
    await _history(conn)
    office = await auth_headers(client, demo_city.supervisor.email)
    # Turnover per month over the last 12 whole months of the history (2025-11 .. 2026-10).
    response = await client.get(
        "/api/v1/sales/kpis", params={"from": "2025-11-01", "to": "2026-10-31", "group_by": "month"}, headers=office
    )
    assert response.status_code == 200, response.text
    amount = {row["key"]: Decimal(str(row["amount"])) for row in response.json()["rows"]}
    assert len(amount) == 12
    mean = sum(amount.values()) / 12
    # December: at least 1.5 x the monthly mean, the busiest month; January and February the quietest.
    assert amount["2025-12"] > Decimal("1.5") * mean, (amount["2025-12"], mean)
    assert max(amount, key=lambda month: amount[month]) == "2025-12"
    assert sorted(amount, key=lambda month: amount[month])[:2] == ["2026-01", "2026-02"] or sorted(
        amount, key=lambda month: amount[month]
    )[:2] == ["2026-02", "2026-01"]
    # Summer terraces: beer sells more in July than in April (HoReCa x 1.7 in June-August).
    beer: dict[str, Decimal] = {}
    for month in ("2026-04", "2026-07"):
        response = await client.get(
            "/api/v1/sales/plan-vs-fact", params={"from": month, "to": month, "group_by": "category"}, headers=office
        )
        assert response.status_code == 200, response.text
        rows = {row["key"]: row for row in response.json()["rows"]}
        beer[month] = Decimal(str(rows["beer"]["fact_amount"]))
    assert beer["2026-07"] > Decimal("1.3") * beer["2026-04"], beer
    # Plans are last year's month + 5 %: October 2026's fact lands near its plan for every rep.
    response = await client.get(
        "/api/v1/sales/plan-vs-fact", params={"from": "2026-10", "to": "2026-10", "group_by": "rep"}, headers=office
    )
    assert response.status_code == 200, response.text
    completion = [row["completion_pct"] for row in response.json()["rows"]]
    assert len(completion) == 3 and all(70 < pct < 140 for pct in completion), completion
    plans = await conn.fetchval(
        "select count(distinct month) from sales_monthly where source_file = 'demo-history' and plan_amount > 0"
    )
    assert plans == 15  # 2025-11 .. 2027-01: the second year of history, the simulated weeks, this month, next
    # The seasonality coefficient of December 2026 (mean of Decembers 2024 and 2025 over the mean of
    # September to November 2026) says the same for sparkling wine, the Christmas product.
    response = await client.get(
        "/api/v1/sales/seasonality", params={"from": "2026-12", "to": "2026-12"}, headers=office
    )
    assert response.status_code == 200, response.text
    coefficients = {row["category"]: row["coefficient"] for row in response.json()["rows"]}
    assert coefficients["sparkling"] is not None and coefficients["sparkling"] > 2, coefficients


async def test_an_accounts_sales_history_shows_its_orders_per_month(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await _history(conn)
    account_id, rep_email, orders = await conn.fetchrow(
        "select o.account_id, u.email, count(*) from orders o join users u on u.id = o.rep_id "
        "where o.order_day between '2025-12-01' and '2026-11-30' and o.status = 'delivered' "
        "group by 1, 2 order by count(*) desc, 1 limit 1"
    )
    rep = await auth_headers(client, rep_email)
    response = await client.get(
        f"/api/v1/accounts/{account_id}/sales/history", params={"from": "2025-12", "to": "2026-11"}, headers=rep
    )
    assert response.status_code == 200, response.text
    body = response.json()
    by_month: dict[str, float] = {}
    for total in body["totals"]:
        by_month[total["month"][:7]] = by_month.get(total["month"][:7], 0.0) + total["amount"]
    expected = {
        row["month"]: float(row["amount"])
        for row in await conn.fetch(
            "select to_char(order_day, 'YYYY-MM') as month, sum(total_amount) as amount from orders "
            "where account_id = $1 and order_day between '2025-12-01' and '2026-11-30' and status = 'delivered' "
            "group by 1",
            account_id,
        )
    }
    assert by_month.keys() == expected.keys()
    assert all(abs(by_month[month] - expected[month]) < 0.01 for month in expected)
    assert orders >= 20 and len(expected) >= 10  # a class A customer orders every month


async def test_the_same_seed_writes_the_same_history(conn: asyncpg.Connection) -> None:
    await load_demo_catalogue(conn, build_demo_catalogue(), FIRST)
    first, last = dt.date(2025, 11, 1), dt.date(2025, 12, 31)
    digests = []
    for _attempt in range(2):
        savepoint = conn.transaction()
        await savepoint.start()
        counts = await generate_history(conn, first, last, seed=3)
        assert counts is not None and counts.orders > 0
        assert await generate_history(conn, first, last, seed=3) is None  # once per period
        digests.append(
            await conn.fetchval(
                "select md5(string_agg(concat_ws(',', o.id, o.visit_id, o.status, o.ordered_at, o.total_amount), ';'"
                " order by o.id)) from orders o"
            )
        )
        await savepoint.rollback()
    assert digests[0] == digests[1]
