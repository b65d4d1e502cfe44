"""The end-to-end tests' shared server: its own committed database (the test database's name + `_web`:
migrated, the demo city, the known day of tests/backend/supervision/known_day.py, a checklist with
questions answered on one visit), served by `fieldsales serve` on a free port of 127.0.0.1 for the whole
session (the browser test and the generated-client test use the same server)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from backend.db.migrate import migrate
from backend.db.pool import connect, create_pool
from backend.demo.service import DEMO_PASSWORD, load_demo_city
from backend.planning.solver_pool import SolverPool
from backend.sales.service import import_sales
from backend.settings import Settings, load_settings
from benchmarks.live_server import recreate_database, serve
from geo_data.demo_city import load_demo_city as read_demo_city
from tests.backend.conftest import _test_database_url
from tests.backend.supervision.known_day import (
    DAY,
    KnownDay,
    add_visits,
    plan_routes,
    prepare_team,
    schedule_reps,
)

__all__ = ["DEMO_PASSWORD"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STATIC = ROOT / "backend" / "web" / "static" / "index.html"
CHROMIUM = "/usr/bin/chromium"
# Short-lived access tokens, so the console's refresh is exercised (tests/e2e/test_supervisor_map.py).
ACCESS_TOKEN_TTL_S = 60
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SALES = """rep,category,region,month,plan,actual
rep1@example.com,beer,Helsinki,2026-12,1000,700
rep2@example.com,beer,Helsinki,2026-12,1000,1050
rep2@example.com,cider,Helsinki,2026-12,300,310
"""


def require(condition: bool, reason: str) -> None:
    """Missing tools fail in CI (make test installs them) and skip on a developer's machine."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def web_settings() -> Settings:
    """A database of its own beside the test database (its name + `_web`), with committed data."""
    server, name = _test_database_url().rsplit("/", 1)
    return load_settings({}, environment="test", database_url=f"{server}/{name}_web")


async def _build_database(settings: Settings) -> KnownDay:
    await recreate_database(settings.database_url, migrated=False)
    conn = await connect(settings)
    pool = await create_pool(settings)
    solver = SolverPool(processes=1)
    try:
        await migrate(conn)
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city(), DEMO_PASSWORD)
            supervisor, other, reps = await prepare_team(conn)
            closed = await schedule_reps(conn, reps)
        routes = await plan_routes(pool, solver, reps)
        known = KnownDay(supervisor, other, reps, routes, closed_account=closed)
        async with conn.transaction():
            await add_visits(conn, known)
            await import_sales(conn, SALES.encode(), "sales.csv", max_bytes=1 << 20)
            await add_store_check(conn, known)
            await add_small_funnel(conn, known)
        return known
    finally:
        solver.close()
        await pool.close()
        await conn.close()


STORE_CHECK_ITEMS = [
    {"key": "brand_a_listed", "label": "Brand A on the shelf", "type": "yes_no", "required": True},
    {"key": "facings", "label": "Facings of brand A", "type": "count", "min": 0, "max": 50},
    {"key": "share", "label": "Share of shelf", "type": "share_of_shelf"},
    {"key": "price_a", "label": "Price of brand A", "type": "price"},
]
STORE_CHECK_ANSWERS = [
    {"item": "brand_a_listed", "value": True},
    {"item": "facings", "value": 6},
    {"item": "share", "value": 35},
    {"item": "price_a", "value": 2.49},
]


async def add_store_check(conn: asyncpg.Connection, known: KnownDay) -> None:
    """A template with questions (assigned to one account only), answered on rep1's first visit."""
    visit_id = known.visits["rep1"][0]
    account_id = await conn.fetchval("select account_id from visits where id = $1", visit_id)
    template_id = await conn.fetchval(
        "insert into checklist_templates (code, version, name, items, account_ids) "
        "values ('store-check', 1, 'Store check', $1::jsonb, $2::bigint[]) returning id",
        STORE_CHECK_ITEMS,
        [account_id],
    )
    await conn.execute(
        "insert into visit_checklists (visit_id, template_id, answers, score_pct, score_parts) "
        "values ($1, $2, $3::jsonb, 75, '[]'::jsonb)",
        visit_id,
        template_id,
        STORE_CHECK_ANSWERS,
    )


async def add_small_funnel(conn: asyncpg.Connection, known: KnownDay) -> None:
    """Issue 17's console charts: rep1 (a closer) and rep2 (a hunter); a pipeline new -> offer (the key
    and qualified stage) -> won; two deals created on the known day on rep1's accounts, both reached
    the offer, one was won (funnel: new 2 -> 2, offer 2 -> 1 = 50 %, won 1)."""
    rep1, rep2 = known.reps["rep1"], known.reps["rep2"]
    # The demo's own pipeline and sales roles step aside: the console shows this small funnel alone.
    await conn.execute("update pipelines set is_active = false")
    await conn.execute("delete from territory_sales_roles")
    await conn.execute("update users set sales_role = null")
    await conn.execute("update users set sales_role = 'closer' where id = $1", rep1)
    await conn.execute("update users set sales_role = 'hunter' where id = $1", rep2)
    pipeline = await conn.fetchval(
        "insert into pipelines (code, name, goal) values ('e2e', 'New outlets', 'new_customer') returning id"
    )
    stages = [
        await conn.fetchval(
            "insert into pipeline_stages (pipeline_id, position, code, name, outcome, is_key, is_qualified) "
            "values ($1, $2, $3, $4, $5, $6, $6) returning id",
            pipeline,
            position,
            code,
            name,
            outcome,
            code == "offer",
        )
        for position, (code, name, outcome) in enumerate([("new", "New", "open"), ("offer", "Offer", "open"),
                                                          ("won", "Won", "won")])
    ]  # fmt: skip
    accounts = await conn.fetch(
        "select a.id from accounts a join territories t on t.id = a.territory_id where t.owner_rep_id = $1 "
        "order by a.id limit 2",
        rep1,
    )
    start = dt.datetime.combine(DAY, dt.time(8), tzinfo=dt.UTC)
    for account, path in zip([r["id"] for r in accounts], [stages, stages[:2]], strict=True):
        deal = uuid.uuid4()
        won = len(path) == 3
        when = [start + dt.timedelta(hours=hours) for hours in range(len(path))]
        await conn.execute(
            "insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, created_by, "
            "created_at, stage_entered_at, closed_at) values ($1, $2, $3, $4, $5, $6, 'field', $6, $7, $8, $9)",
            deal,
            pipeline,
            account,
            path[-1],
            "won" if won else "open",
            rep1,
            when[0],
            when[-1],
            when[-1] if won else None,
        )
        previous = None
        for stage, changed_at in zip(path, when, strict=True):
            await conn.execute(
                "insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) "
                "values ($1, $2, $3, $4, $5)",
                deal,
                previous,
                stage,
                rep1,
                changed_at,
            )
            previous = stage


@pytest.fixture(scope="session")
def built_console() -> Path:
    if not STATIC.exists() and shutil.which("npm"):
        subprocess.run(["make", "frontend"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    require(STATIC.exists(), "the console is not built: run `make frontend`")
    return STATIC


@pytest.fixture(scope="session")
async def known(web_settings: Settings) -> AsyncIterator[KnownDay]:
    yield await _build_database(web_settings)


@pytest.fixture(scope="session")
def server(known: KnownDay, web_settings: Settings, built_console: Path) -> Iterator[str]:
    log = ARTIFACTS / "supervisor-server.log"
    extra = {"FIELDSALES_ACCESS_TOKEN_TTL_S": str(ACCESS_TOKEN_TTL_S)}
    # The offline basemap: no tile URL.
    with serve(web_settings.database_url, log, extra, unset=("FIELDSALES_MAP_TILE_URL",)) as base:
        yield base
