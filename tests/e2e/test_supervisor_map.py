"""End to end in a real browser: Debian's chromium driven by Playwright (no browser download).

The test builds its own committed database (the test database's name + `_web`: migrated, the demo city, the
known day of tests/backend/supervision/known_day.py), serves the API with `fieldsales serve` on a
free port of 127.0.0.1, signs in as the demo supervisor at /supervisor and checks what the map draws:
the team's two route lines, numbered stop markers, the flagged check-in, then the reports with their
charts. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
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

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STATIC = ROOT / "backend" / "web" / "static" / "index.html"
CHROMIUM = "/usr/bin/chromium"
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


def _require(condition: bool, reason: str) -> None:
    """Missing tools fail in CI (make test installs them) and skip on a developer's machine."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
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
        return known
    finally:
        solver.close()
        await pool.close()
        await conn.close()


@pytest.fixture(scope="module")
def built_console() -> Path:
    if not STATIC.exists() and shutil.which("npm"):
        subprocess.run(["make", "frontend"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    _require(STATIC.exists(), "the console is not built: run `make frontend`")
    return STATIC


@pytest.fixture(scope="module")
async def known(web_settings: Settings) -> AsyncIterator[KnownDay]:
    yield await _build_database(web_settings)


@pytest.fixture(scope="module")
def server(known: KnownDay, web_settings: Settings, built_console: Path) -> Iterator[str]:
    # The offline basemap: no tile URL.
    with serve(
        web_settings.database_url, ARTIFACTS / "supervisor-server.log", unset=("FIELDSALES_MAP_TILE_URL",)
    ) as base:
        yield base


async def test_the_supervisor_sees_routes_numbered_stops_and_flagged_check_ins(
    known: KnownDay, server: str, web_settings: Settings
) -> None:
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        _require(False, "playwright is not installed (pip install -e '.[dev]')")
        return
    conn = await asyncpg.connect(web_settings.database_url)
    try:
        stops = {
            name: await conn.fetchval("select count(*) from route_stops where route_id = $1", route_id)
            for name, route_id in known.routes.items()
        }
    finally:
        await conn.close()
    team_stops = stops["rep1"] + stops["rep2"]

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            console: list[str] = []
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            await page.goto(f"{server}/supervisor?day={DAY}")
            await page.fill("#email", "supervisor@example.com")
            await page.fill("#password", DEMO_PASSWORD)
            await page.click("#login-button")
            try:
                await page.locator("#status", has_text="route(s)").wait_for(timeout=30_000)
            except Exception:
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "supervisor-failure.png"), full_page=True)
                raise AssertionError(f"the map did not load: errors={errors} console={console[-20:]}") from None
            status = await page.text_content("#status")
            assert status is not None and status.startswith("2 route(s), 5 check-in(s), 1 flagged"), status
            # Drawn: one polyline per team rep, numbered stops, check-ins by verdict, due, territories, streets.
            assert await page.locator("path.route-line").count() == 2
            assert await page.locator(f"path.route-line.rep-{known.reps['rep3']}").count() == 0
            numbers = await page.locator(".stop-marker span").all_text_contents()
            assert len(numbers) == team_stops
            assert sorted(numbers, key=int)[:2] == ["1", "1"]  # each route is numbered from 1
            assert {str(n) for n in range(1, stops["rep1"] + 1)} <= set(numbers)
            assert await page.locator("path.visit-flagged").count() == 1
            assert await page.locator("path.visit-ok").count() == 4
            assert await page.locator("path.due-marker").count() >= 1
            assert await page.locator("path.territory-outline").count() == 2
            assert await page.locator("path.street").count() > 500
            await page.locator("path.visit-flagged").dispatch_event("click")
            await page.wait_for_selector("#details .verdict-flagged")
            details = await page.text_content("#details")
            assert details is not None and "out_of_range" in details and "450" in details
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "supervisor-map.png"), full_page=True)
            # Playback: the day's check-ins appear one by one, then all are back.
            await page.click("#play")
            await page.locator("#clock", has_text=":").wait_for(timeout=5_000)
            assert await page.locator("path.visit-marker").count() < 5
            await page.locator("#play", has_text="Play the day").wait_for(timeout=10_000)
            assert await page.locator("path.visit-marker").count() == 5
            # The reports tab: plan vs fact with a chart, coverage funnel.
            await page.click("button[data-tab=reports]")
            await page.fill("#r-from", DAY.isoformat())
            await page.fill("#r-to", DAY.isoformat())
            await page.fill("#r-month-from", DAY.strftime("%Y-%m"))
            await page.click("#r-run")
            await page.wait_for_selector("#visits-report svg.chart", timeout=15_000)
            assert await page.locator("#coverage-report svg.chart").count() == 1
            total = page.locator("#visits-report tr.total td")
            assert (await total.nth(0).text_content()) == "total"
            assert (await total.nth(2).text_content()) == str(team_stops)  # planned
            assert (await total.nth(3).text_content()) == "4"  # done
            await page.wait_for_selector("#sales-report svg.chart")
            below = await page.locator("#sales-report tr.below-plan td").all_text_contents()
            assert below[0] == str(known.reps["rep1"]) and "70" in below, below  # 700 of 1000: below 90 %
            await page.screenshot(path=str(ARTIFACTS / "supervisor-reports.png"), full_page=True)
            assert errors == []
            assert all(url.startswith(server) for url in requests), "no request leaves the server (no CDN)"
        finally:
            await browser.close()


async def test_the_page_and_assets_are_served_without_a_token(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        page = await client.get("/supervisor")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert (await client.get("/supervisor/assets/console.js")).status_code == 200
        assert (await client.get("/supervisor/config.json")).json()["tile_url"] is None
        assert (await client.get("/supervisor/assets/nothing.js")).status_code == 404
        assert (await client.get("/api/v1/supervision/routes.geojson")).status_code == 401
    await asyncio.sleep(0)
