"""The demo sells through a funnel: the deal history generated with the order history (backend/
simulation/pipeline_history.py) gives the funnel, cycle, source and role reports believable figures on
first start, and it keeps the product's rules (won deals from real first orders, hand-overs by rule)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx

from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue
from backend.demo.service import DEMO_SEGMENTS, DEMO_TELEMARKETER_NAME, create_demo_segments
from backend.settings import Settings
from backend.simulation.history import generate_history, history_first_day
from backend.simulation.runner import demo_catalogue_from, demo_simulated_from
from geo_data.demo_city import DemoCity
from tests.backend.conftest import auth_headers

TODAY = dt.date(2026, 12, 28)
SIMULATED_FROM = demo_simulated_from(TODAY)
FIRST = history_first_day(SIMULATED_FROM)
LAST = SIMULATED_FROM - dt.timedelta(days=1)
SIX_MONTHS = {"from": str(LAST - dt.timedelta(days=182)), "to": str(LAST)}


async def _history(conn: asyncpg.Connection, seed: int = 1) -> None:
    await load_demo_catalogue(conn, build_demo_catalogue(), demo_catalogue_from(TODAY))
    counts = await generate_history(conn, FIRST, LAST, seed=seed)
    assert counts is not None and counts.deals is not None
    assert counts.deals.won >= 15 and counts.deals.lost > counts.deals.won, counts.deals


async def test_the_funnel_sources_and_leaderboard_show_believable_figures_on_first_start(
    conn: asyncpg.Connection, client: httpx.AsyncClient, demo_city: DemoCity
) -> None:
    await _history(conn)
    office = await auth_headers(client, demo_city.supervisor.email)
    response = await client.get("/api/v1/reports/pipeline/funnel", params=SIX_MONTHS, headers=office)
    assert response.status_code == 200, response.text
    total = response.json()["total"]
    assert total["leads"] > 20, total
    assert 10 < total["cv1_pct"] < 90 and 10 < total["cv2_pct"] < 90, total
    assert total["won"] > 3 and total["cycle_median_days"] > 0, total
    stages = {row["stage_code"]: row for row in response.json()["rows"]}
    assert all(stages[code]["median_days"] > 0 for code in ("lead", "contacted", "qualified", "tasting", "offer"))

    response = await client.get("/api/v1/reports/pipeline/sources", params=SIX_MONTHS, headers=office)
    assert response.status_code == 200, response.text
    sources = {row["source"]: row for row in response.json()["rows"]}
    assert sources["field"]["leads"] > 10 and sources["field"]["cost_per_lead"] > 0, sources["field"]
    assert response.json()["total"]["cost_per_lead"] > 0

    response = await client.get("/api/v1/reports/pipeline/leaderboard", params=SIX_MONTHS, headers=office)
    assert response.status_code == 200, response.text
    main = {row["sales_role"]: row for row in response.json()["rows"]}
    assert {"hunter", "closer", "farmer"} <= set(main), main
    assert main["hunter"]["leads_created"] > 20 and main["hunter"]["main_value"] > 0, main["hunter"]
    assert main["closer"]["deals_won"] > 3 and main["closer"]["average_check"] > 0, main["closer"]
    assert main["farmer"]["accounts"] > 10 and main["farmer"]["main_value"] is not None, main["farmer"]
    assert main["telemarketer"]["leads_created"] > 5 and main["telemarketer"]["main_value"] > 0, main["telemarketer"]

    # The telemarketer (an office worker in the supervisor's team, no field profile): calls every
    # working day and brings in leads, which the sources report shows with their cost.
    response = await client.get("/api/v1/reports/pipeline/roles/telemarketer", params=SIX_MONTHS, headers=office)
    assert response.status_code == 200, response.text
    (tele,) = response.json()["rows"]
    assert tele["name"] == DEMO_TELEMARKETER_NAME
    assert 100 < tele["working_days"] < 135, tele
    assert 5 < tele["calls_per_working_day"] < 20, tele
    assert 0.3 < tele["leads_per_week"] < 5, tele
    assert sources["telemarketing"]["leads"] == tele["leads_created"], sources["telemarketing"]
    assert sources["telemarketing"]["cost_per_lead"] > 0, sources["telemarketing"]


async def test_the_deal_history_keeps_the_rules(conn: asyncpg.Connection) -> None:
    await _history(conn)
    # A won deal was won with the account's first order: taken after the deal was opened, before the
    # win, and the account ordered nothing earlier.
    wrong = await conn.fetch(
        """
        select d.id from deals d
        where d.status = 'won'
          and not exists (select 1 from orders o where o.account_id = d.account_id and o.status <> 'cancelled'
                          and o.ordered_at between d.created_at and d.closed_at)
           or d.status = 'won'
          and exists (select 1 from orders o where o.account_id = d.account_id and o.ordered_at < d.created_at)
        """
    )
    assert wrong == []
    # Stages in order, one step at a time (lost from any open stage), the tasting never skipped.
    skipped = await conn.fetchval(
        """
        select count(*) from deal_stage_changes c
        join pipeline_stages t on t.id = c.to_stage_id
        left join pipeline_stages f on f.id = c.from_stage_id
        where (f.id is null and t.position <> 0)
           or (f.id is not null and t.outcome <> 'lost' and t.position <> f.position + 1)
        """
    )
    assert skipped == 0
    # Reaching the tasting handed the deal from the hunter to the territory's closer, once; a deal
    # that never reached it was never handed over by that rule.
    tasting = await conn.fetch(
        """
        select d.id, d.owner_id, r.user_id as closer,
               (select count(*) from handovers h join handover_rules hr on hr.id = h.rule_id
                where h.deal_id = d.id and hr.trigger = 'stage_reached' and h.to_user_id = r.user_id) as handovers,
               exists (select 1 from deal_stage_changes c join pipeline_stages s on s.id = c.to_stage_id
                       where c.deal_id = d.id and s.code = 'tasting') as reached
        from deals d join accounts a on a.id = d.account_id
        join territory_sales_roles r on r.territory_id = a.territory_id and r.sales_role = 'closer'
        """
    )
    assert all(row["handovers"] == (1 if row["reached"] else 0) for row in tasting)
    assert all(row["owner_id"] == row["closer"] for row in tasting if row["reached"])
    assert sum(row["reached"] for row in tasting) > 20
    # The won account's first delivered order handed it to the farmer: its manager, a hand-over row at
    # the delivery.
    farmed = await conn.fetch(
        """
        select d.account_id, a.account_manager_id, r.user_id as farmer,
               (select min(c.changed_at) from order_status_changes c join orders o on o.id = c.order_id
                where o.account_id = d.account_id and c.to_status = 'delivered') as delivered_at,
               (select h.created_at from handovers h join handover_rules hr on hr.id = h.rule_id
                where h.deal_id = d.id and hr.trigger = 'first_delivered_order' and h.to_user_id = r.user_id)
                   as handed_at
        from deals d join accounts a on a.id = d.account_id
        join territory_sales_roles r on r.territory_id = a.territory_id and r.sales_role = 'farmer'
        where d.status = 'won'
        """
    )
    assert farmed and all(
        row["account_manager_id"] == row["farmer"] and row["handed_at"] == row["delivered_at"] for row in farmed
    )
    # Every move after the opening had a done task of its owner and a call just before it.
    unprepared = await conn.fetchval(
        """
        select count(*) from deal_stage_changes c
        where c.from_stage_id is not null
          and (not exists (select 1 from sales_tasks t where t.deal_id = c.deal_id and t.status = 'done'
                           and t.done_at between c.changed_at - interval '5 minutes' and c.changed_at)
               or not exists (select 1 from activities a where a.deal_id = c.deal_id and a.kind = 'call'
                              and a.occurred_at between c.changed_at - interval '1 hour' and c.changed_at))
        """
    )
    assert unprepared == 0
    assert await conn.fetchval("select count(*) from sales_tasks where status <> 'done'") == 0
    # Lost deals carry a reason; each source used has a cost for every month of the deal history.
    assert await conn.fetchval("select count(*) from deals where status = 'lost' and lost_reason is null") == 0
    months = await conn.fetch("select source, count(*) from lead_source_costs group by source")
    used = await conn.fetch("select distinct source from deals")
    assert {row["source"] for row in months} == {row["source"] for row in used}
    assert all(row["count"] >= 12 for row in months)


async def test_the_same_seed_writes_the_same_deals(conn: asyncpg.Connection) -> None:
    digests = []
    for _attempt in range(2):
        savepoint = conn.transaction()
        await savepoint.start()
        await _history(conn, seed=2)
        digests.append(
            await conn.fetchval(
                "select md5(string_agg(concat_ws(',', d.id, d.account_id, d.status, d.created_at, d.closed_at, "
                "d.owner_id, d.source, (select count(*) from deal_stage_changes c where c.deal_id = d.id)), ';' "
                "order by d.id)) from deals d"
            )
        )
        await savepoint.rollback()
    assert digests[0] is not None and digests[0] == digests[1]


async def test_the_demo_saves_the_supervisors_segments(
    conn: asyncpg.Connection, client: httpx.AsyncClient, demo_city: DemoCity, settings: Settings
) -> None:
    await _history(conn)
    now = dt.datetime.combine(SIMULATED_FROM, dt.time(7), dt.UTC)
    assert await create_demo_segments(conn, settings, demo_city.supervisor.email, now) == 3
    assert await create_demo_segments(conn, settings, demo_city.supervisor.email, now) == 0  # kept once
    rep = await auth_headers(client, demo_city.reps[0].email)  # the supervisor's team reads `team` segments
    response = await client.get("/api/v1/segments", headers=rep)
    assert response.status_code == 200, response.text
    names = {item["name"] for item in response.json()["items"]}
    assert {segment["name"] for segment in DEMO_SEGMENTS} <= names
    office = await auth_headers(client, demo_city.supervisor.email)
    counts = []
    for item in response.json()["items"]:
        one = await client.get(f"/api/v1/segments/{item['id']}", headers=office)
        assert one.status_code == 200 and one.json()["evaluated_at"] is not None, one.text
        counts.append(one.json()["member_count"])
    assert sum(counts) > 0, counts
