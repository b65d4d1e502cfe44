"""`make run` runs the API and a worker together, so queued runs finish and the nightly timer fires."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import asyncpg

from backend.jobs.nightly import periodic_tick
from tests.backend.lifecycle.conftest import DAY, at

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_starts_a_worker_beside_the_api_and_stops_it_with_it() -> None:
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None
    lines = recipe.group(1)
    assert re.search(r"fieldsales worker\s*&", lines), "a worker process next to the server"
    assert "trap" in lines and "kill $$worker" in lines, "stopping make run stops the worker"
    assert lines.index("fieldsales worker") < lines.index("fieldsales serve")
    assert "exec $(BIN)/fieldsales serve" not in lines, "exec would drop the trap that stops the worker"


async def test_the_timer_starts_tomorrows_run_after_22_with_the_business_time(conn: asyncpg.Connection) -> None:
    evening = at(DAY - dt.timedelta(days=1), 21, 55)
    await periodic_tick(conn, "Europe/Helsinki", dt.time(22), dt.time(5, 30), evening.astimezone(dt.UTC))
    assert await conn.fetchval("select count(*) from planning_runs where trigger = 'schedule'") == 0, "not before 22:00"
    later = at(DAY - dt.timedelta(days=1), 22, 5)
    started = await periodic_tick(conn, "Europe/Helsinki", dt.time(22), dt.time(5, 30), later.astimezone(dt.UTC))
    runs = await conn.fetch("select id, day, trigger from planning_runs where trigger = 'schedule'")
    assert [(row["day"], row["trigger"]) for row in runs] == [(DAY, "schedule")] and runs[0]["id"] in started
    payloads = [json.loads(row["payload"]) for row in await conn.fetch("select payload from pgqueuer")]
    assert payloads and all(item["day"] == str(DAY) for item in payloads if item["run_id"] == runs[0]["id"])
    assert all(dt.datetime.fromisoformat(item["now"]) == later for item in payloads if item["run_id"] == runs[0]["id"])
    again = await periodic_tick(conn, "Europe/Helsinki", dt.time(22), dt.time(5, 30), later.astimezone(dt.UTC))
    assert runs[0]["id"] not in again, "the night's run starts once"
