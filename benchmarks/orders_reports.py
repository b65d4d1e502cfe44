"""Commercial reports over a synthetic year: 1,000 reps, 1,000 territories, 1,000,000 order lines.

Builds a scratch database (migrated, demo catalogue loaded) and generates the year in SQL
(generate_series, no Python loop): one territory per rep (a small square), 50 accounts each, about
200,000 orders of 5 lines over 2025, plans per rep x category x month. Then it times every report of
`backend.sales.service` as the service runs it (SQL + Python), for the whole company (an admin) and
for one territory and one month, and checks the query plans of the order-line queries with EXPLAIN:
for one territory and one month no sequential scan of `order_lines`, `orders` or the monthly roll-up
`order_month_facts` (index scans required).

    .venv/bin/python -m benchmarks.orders_reports               # generate (about a minute) and measure
    .venv/bin/python -m benchmarks.orders_reports --reuse       # measure an already generated database
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPS = 1000
ACCOUNTS_PER_REP = 50
ORDERS = 200_000
LINES_PER_ORDER = 5

ACCOUNTS = f"""
insert into users (email, name, role, password_hash, supervisor_id)
select 'bench-sup' || s || '@example.com', 'Supervisor ' || s, 'supervisor', 'x', null
from generate_series(1, 10) s;
insert into users (email, name, role, password_hash, supervisor_id)
select 'bench-rep' || r || '@example.com', 'Rep ' || r, 'rep', 'x',
       (select id from users where email = 'bench-sup' || (1 + r % 10) || '@example.com')
from generate_series(1, {REPS}) r;
insert into territories (code, name, region, geom, owner_rep_id)
select 'T' || r, 'Territory ' || r, 'Region ' || (1 + r % 12),
       ST_Multi(ST_MakeEnvelope(20 + (r % 40) * 0.01, 60 + (r / 40) * 0.01,
                                20 + (r % 40) * 0.01 + 0.009, 60 + (r / 40) * 0.01 + 0.009, 4326)),
       (select id from users where email = 'bench-rep' || r || '@example.com')
from generate_series(1, {REPS}) r;
insert into accounts (name, channel, account_class, status, location)
select 'Outlet ' || r || '-' || k, case when k % 3 = 0 then 'retail' else 'horeca' end,
       (array['A', 'B', 'C'])[1 + k % 3], case when k % 10 = 9 then 'potential' else 'active' end,
       ST_SetSRID(ST_MakePoint(20 + (r % 40) * 0.01 + 0.0001 * (k + 1), 60 + (r / 40) * 0.01 + 0.004), 4326)
from generate_series(1, {REPS}) r, generate_series(0, {ACCOUNTS_PER_REP - 1}) k;
"""

GENERATE = f"""
create temporary table bench_accounts as
select a.id, a.territory_id, t.owner_rep_id as rep_id,
       row_number() over (order by a.id) - 1 as n
from accounts a join territories t on t.id = a.territory_id where t.code like 'T%';
create temporary table bench_products as
select id, category_id, row_number() over (order by id) - 1 as n from products where sku not like 'C-%';
insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, total_amount,
                    total_units, line_count)
select md5('order' || g)::uuid, a.id, a.rep_id, a.territory_id,
       case when g % 20 = 0 then 'cancelled' when g % 7 = 0 then 'submitted' else 'delivered' end,
       (date '2025-01-01' + (g % 365)) + time '10:00', date '2025-01-01' + (g % 365), 0, 0, {LINES_PER_ORDER}
from generate_series(0, {ORDERS - 1}) g
join bench_accounts a on a.n = (g * 7919) % ({REPS * ACCOUNTS_PER_REP});
insert into order_lines (order_id, line_no, product_id, price_list_id, quantity, list_price, discount_pct, amount,
                         order_day, status, account_id, rep_id, territory_id, category_id)
select o.id, l, p.id, (select id from price_lists where code = 'DEMO-HORECA'), 1 + (l * 3 + ascii(o.id::text)) % 12,
       10, 0, 10 * (1 + (l * 3 + ascii(o.id::text)) % 12), o.order_day, o.status, o.account_id, o.rep_id,
       o.territory_id, c.root_id
from orders o cross join generate_series(0, {LINES_PER_ORDER - 1}) l
join bench_products p on p.n = (abs(hashtext(o.id::text)) + l * 37) % 200
join product_categories c on c.id = p.category_id;
update orders o set total_amount = s.amount, total_units = s.units, category_mask = s.mask
from (select l.order_id, sum(l.amount) as amount, sum(l.quantity) as units,
             bit_or(1::bigint << c.bit_index) as mask
      from order_lines l join product_categories c on c.id = l.category_id group by l.order_id) s
where s.order_id = o.id;
-- Triggers were off for the bulk load (session_replication_role = replica): the roll-up in one pass.
insert into order_month_facts (month, rep_id, territory_id, category_id, status, lines, amount, units)
select date_trunc('month', order_day)::date, rep_id, coalesce(territory_id, 0), category_id, status, count(*),
       sum(amount), sum(quantity)
from order_lines group by 1, 2, 3, 4, 5;
insert into sales_monthly (rep_id, category, region, month, plan_amount, plan_units)
select u.id, c.code, 'Region ' || (1 + u.id % 12), date '2025-01-01' + make_interval(months => m), 5000, 400
from users u, generate_series(0, 11) m, (select code from product_categories where parent_id is null) c
where u.email like 'bench-rep%';
"""


def ensure_database(name: str) -> str:
    script = ROOT / "scripts" / "ensure_db.sh"
    return subprocess.run([str(script), name], check=True, capture_output=True, text=True).stdout.strip()


async def generate(url: str) -> dict[str, float]:
    from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue
    from backend.db.migrate import migrate
    from backend.db.pool import connect
    from backend.settings import load_settings

    conn = await connect(load_settings({}, environment="test", database_url=url, statement_timeout_ms=0))
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        await conn.execute("drop schema if exists public cascade; create schema public;")
        await migrate(conn)
        async with conn.transaction():
            await load_demo_catalogue(conn, build_demo_catalogue(7), dt.date(2024, 1, 1))
        await conn.execute(
            "insert into users (email, name, role, password_hash) values "
            "('bench-admin@example.com', 'Admin', 'admin', 'x')"
        )
        timings["schema_s"] = time.perf_counter() - start
        start = time.perf_counter()
        async with conn.transaction():
            # Row triggers (territory derivation excepted: accounts are inserted before) and FK checks
            # off for the bulk rows; the roll-up and the masks are computed in one pass at the end.
            await conn.execute(ACCOUNTS)
            await conn.execute("set local session_replication_role = replica")
            await conn.execute(GENERATE)
        timings["generate_s"] = time.perf_counter() - start
        start = time.perf_counter()
        await conn.execute("vacuum analyze")
        timings["vacuum_analyze_s"] = time.perf_counter() - start
    finally:
        await conn.close()
    return timings


FACT_TABLES = ("order_lines", "orders", "order_month_facts")


def _seq_scans(plan: Any) -> list[str]:
    found: list[str] = []
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in FACT_TABLES:
            found.append(f"Seq Scan on {plan['Relation Name']}")
        for value in plan.values():
            found += _seq_scans(value)
    elif isinstance(plan, list):
        for value in plan:
            found += _seq_scans(value)
    return found


def _index_names(plan: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(plan, dict):
        if str(plan.get("Index Name", "")).startswith(tuple(f"{table}_" for table in FACT_TABLES)):
            names.add(plan["Index Name"])
        for value in plan.values():
            names |= _index_names(value)
    elif isinstance(plan, list):
        for value in plan:
            names |= _index_names(value)
    return names


async def measure(url: str, repeats: int) -> dict[str, Any]:
    from backend.auth.principal import Principal, Role
    from backend.db.pool import connect
    from backend.db.queries import load_queries
    from backend.sales import service
    from backend.settings import load_settings

    conn = await connect(load_settings({}, environment="test", database_url=url, statement_timeout_ms=0))
    try:
        admin = Principal(
            user_id=int(await conn.fetchval("select id from users where email = 'bench-admin@example.com'")),
            role=Role.ADMIN,
            email="bench-admin@example.com",
        )
        supervisor_id = int(await conn.fetchval("select id from users where email = 'bench-sup1@example.com'"))
        supervisor = Principal(user_id=supervisor_id, role=Role.SUPERVISOR, email="bench-sup1@example.com")
        territory = int(
            await conn.fetchval(
                "select t.id from territories t join users u on u.id = t.owner_rep_id "
                "where u.supervisor_id = $1 order by t.id limit 1",
                supervisor_id,
            )
        )
        lines = int(await conn.fetchval("select count(*) from order_lines"))
        year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        june = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
        month = dt.date(2025, 6, 1)
        fact = "submitted"
        cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            (
                "plan vs fact, year, by rep (admin)",
                lambda: service.plan_vs_fact(conn, admin, year[0], dt.date(2025, 12, 1), "rep", fact_from=fact),
            ),
            (
                "plan vs fact, year, by quarter (admin)",
                lambda: service.plan_vs_fact(conn, admin, year[0], dt.date(2025, 12, 1), "quarter", fact_from=fact),
            ),
            (
                "plan vs fact, one territory, one month",
                lambda: service.plan_vs_fact(
                    conn, supervisor, month, month, "category", fact_from=fact, territory_id=territory
                ),
            ),
            ("KPIs, year, by territory (admin)", lambda: service.kpis(conn, admin, *year, "territory", fact_from=fact)),
            ("KPIs, year, by month (admin)", lambda: service.kpis(conn, admin, *year, "month", fact_from=fact)),
            (
                "KPIs, one territory, one month",
                lambda: service.kpis(conn, supervisor, *june, "rep", fact_from=fact, territory_id=territory),
            ),
            ("AKB/OKB, year, per territory (admin)", lambda: service.active_base(conn, admin, *year)),
            ("AKB/OKB, one territory, one month", lambda: service.active_base(conn, supervisor, *june, territory)),
            ("churn, a month vs the previous (admin)", lambda: service.churn(conn, admin, *june)),
            ("churn, one territory, one month", lambda: service.churn(conn, supervisor, *june, territory)),
            (
                "seasonality, December (admin)",
                lambda: service.seasonality(conn, admin, dt.date(2025, 12, 1), dt.date(2025, 12, 1), fact_from=fact),
            ),
        ]
        results: list[dict[str, Any]] = []
        for name, run in cases:
            async with conn.transaction():  # as the API runs a report: in a transaction
                await run()  # warm: pages in memory
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                async with conn.transaction():
                    await run()
                times.append(time.perf_counter() - start)
            results.append({"report": name, "best_s": round(min(times), 3), "worst_s": round(max(times), 3)})
        queries = {
            **load_queries("backend.sales"),
            **{f"orders.{k}": v for k, v in load_queries("backend.orders").items()},
        }
        statuses = ["submitted", "confirmed", "delivered"]
        role, user_id = "supervisor", supervisor_id
        account = int(
            await conn.fetchval("select account_id from order_lines where territory_id = $1 limit 1", territory)
        )
        explained = {
            "order_fact_grouped": (
                queries["order_fact_grouped"],
                [role, user_id, month, month, statuses, territory, "category"],
            ),
            "order_kpis": (queries["order_kpis"], [role, user_id, *june, statuses, "rep", territory]),
            "monthly_fact_by_category": (queries["monthly_fact_by_category"], [role, user_id, *june, statuses]),
            "active_base": (queries["active_base"], [role, user_id, *june, territory]),
            "churn": (queries["churn"], [role, user_id, *june, dt.date(2025, 5, 1), dt.date(2025, 5, 31), territory]),
            "orders.account_month_category_totals": (
                queries["orders.account_month_category_totals"],
                [account, statuses, month, month],
            ),
            "orders.not_bought_since": (queries["orders.not_bought_since"], [account, statuses, 90, june[1]]),
        }
        plans: list[dict[str, Any]] = []
        for name, (sql, args) in explained.items():
            plan = json.loads(await conn.fetchval(f"explain (format json) {sql}", *args))
            plans.append(
                {
                    "query": name,
                    "seq_scans_of_fact_tables": _seq_scans(plan),
                    "fact_table_indexes": sorted(_index_names(plan)),
                }
            )
        return {"order_lines": lines, "reports": results, "plans": plans}
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true", help="measure an existing generated database")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    url = args.database_url or ensure_database("fieldsales_bench_orders")
    output: dict[str, Any] = {}
    if not args.reuse:
        output["generation"] = asyncio.run(generate(url))
    output.update(asyncio.run(measure(url, args.repeats)))
    print(json.dumps(output, indent=2))
    slow = [item["report"] for item in output["reports"] if item["worst_s"] >= 2.0]
    scans = [item["query"] for item in output["plans"] if item["seq_scans_of_fact_tables"]]
    if slow or scans:
        print(f"NOT MET: over 2 s: {slow}; sequential scans of order tables: {scans}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
