"""End to end in a real browser: Debian's chromium driven by Playwright (no browser download).

Against the session's server (tests/e2e/conftest.py), signs in as the demo supervisor at /supervisor and
checks what the map draws: the team's two route lines, numbered stop markers, the flagged check-in, then
the reports with their charts. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx

from backend.settings import Settings
from tests.backend.supervision.known_day import DAY, KnownDay
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, require


async def test_the_supervisor_sees_routes_numbered_stops_and_flagged_check_ins(
    known: KnownDay, server: str, web_settings: Settings
) -> None:
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require(False, "playwright is not installed (pip install -e '.[dev]')")
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
