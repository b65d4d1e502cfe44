"""A worker killed in the middle of a nightly run: every rep's route still ends up computed once.

This runs the real thing: `fieldsales plan nightly` and `fieldsales worker` processes against their
own database (committed data), and SIGKILL on a worker while it solves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

from backend.db.pool import connect
from backend.demo.service import load_demo_city
from backend.settings import Settings, load_settings
from benchmarks.live_server import recreate_database
from geo_data.demo_city import load_demo_city as read_demo_city

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))
DAY = dt.date(2026, 12, 2)
EXTRA_REPS = 3


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FIELDSALES_ENV": "test",
        # Slow enough per rep that the kill lands mid-solve; short heartbeats so the retry comes soon.
        "FIELDSALES_NIGHTLY_ITERATIONS": "400",
        "FIELDSALES_WORKER_HEARTBEAT_TIMEOUT_S": "4",
    }


async def _prepare(url: str, server: str, database: str) -> list[int]:
    await recreate_database(f"{server}/{database}", migrated=False)
    subprocess.run([FIELDSALES, "migrate"], env=_env(url), check=True, capture_output=True, timeout=300)
    conn = await connect(load_settings({}, environment="test", database_url=url))
    try:
        # The demo city without `fieldsales demo`'s simulated weeks of history (minutes): users,
        # territories and accounts are all this test needs.
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city())
        supervisor = await conn.fetchval("select id from users where email = 'supervisor@example.com'")
        for number in range(EXTRA_REPS):
            user_id = await conn.fetchval(
                "insert into users (email, name, role, password_hash, supervisor_id) "
                "values ($1, $2, 'rep', 'x', $3) returning id",
                f"extra{number}@example.com",
                f"Extra {number}",
                supervisor,
            )
            await conn.execute(
                "insert into reps (user_id, home) select $1, home from reps "
                "where user_id = (select min(user_id) from reps)",
                user_id,
            )
            # A rep without a territory is reported, not planned: each extra rep owns a (far) one.
            await conn.execute(
                "insert into territories (code, name, geom, owner_rep_id) values ($1, $1, "
                "ST_Multi(ST_MakeEnvelope(0, $2::float8, 0.001, $2::float8 + 0.001, 4326)), $3)",
                f"EXTRA{number}",
                float(number) * 0.01,
                user_id,
            )
        reps = [row["user_id"] for row in await conn.fetch("select user_id from reps order by user_id")]
        for index, rep_id in enumerate(reps):
            schedule_id = await conn.fetchval(
                "insert into schedules (rep_id, start_day, weeks, end_day, feasible) "
                "values ($1, $2, 1, $3, true) returning id",
                rep_id,
                DAY,
                DAY + dt.timedelta(days=7),
            )
            await conn.execute(
                "insert into scheduled_visits (schedule_id, account_id, day) "
                "select $1, id, $2 from accounts order by id offset $3 limit 30",
                schedule_id,
                DAY,
                index * 30,
            )
        return reps
    finally:
        await conn.close()


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [FIELDSALES, "worker", "--no-timer"],
            env=_env(url),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def test_killing_a_worker_mid_run_still_plans_every_rep_once(settings: Settings, tmp_path: Path) -> None:
    # Named after the test database, so test runs against different databases never collide.
    server, name = settings.database_url.rsplit("/", 1)
    database = f"{name}_jobs"
    url = f"{server}/{database}"
    reps = await _prepare(url, server, database)
    started = subprocess.run(
        [
            FIELDSALES,
            "plan",
            "nightly",
            "--day",
            DAY.isoformat(),
            "--now",
            f"{DAY - dt.timedelta(days=1)}T20:00:00+02:00",
        ],
        env=_env(url),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"{len(reps)} rep jobs queued" in started.stdout
    conn = await asyncpg.connect(url)
    first = _start_worker(url, tmp_path / "first-worker.log")
    second: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while await conn.fetchval("select count(*) from planning_run_reps where status = 'running'") == 0:
            assert time.monotonic() < deadline, "the first worker never started a job"
            await asyncio.sleep(0.1)
        killed_rep = await conn.fetchval("select rep_id from planning_run_reps where status = 'running' limit 1")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        second = _start_worker(url, tmp_path / "second-worker.log")
        deadline = time.monotonic() + 240
        while await conn.fetchval("select status from planning_runs") not in ("done", "done_with_failures"):
            assert time.monotonic() < deadline, "the run did not finish after the kill"
            await asyncio.sleep(0.5)
        statuses = dict(await conn.fetch("select rep_id, status from planning_run_reps"))
        assert set(statuses) == set(reps)
        logs = (tmp_path / "second-worker.log").read_text(errors="replace")[-3000:]
        assert all(status in ("planned", "unchanged") for status in statuses.values()), (statuses, logs)
        versions = dict(await conn.fetch("select rep_id, count(*) from routes where day = $1 group by rep_id", DAY))
        assert versions == {rep_id: 1 for rep_id in reps}, "every rep's route exists exactly once"
        attempts = await conn.fetchval("select attempts from planning_run_reps where rep_id = $1", killed_rep)
        assert attempts >= 2, "the killed worker's job was retried by the other worker"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        await conn.close()
