"""Nightly planning runs on the PostgreSQL job queue (pgqueuer): one job per rep.

pgqueuer was chosen over procrastinate because it runs on asyncpg, the driver the service already
uses, and re-picks the jobs of a worker that stopped sending heartbeats (a killed worker's job is
retried, not lost). Planning a rep-day is idempotent, so a retried job publishes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import asyncpg
from pgqueuer import Queries

from backend.planning import repository

PLAN_REP_DAY = "plan_rep_day"


def job_payload(run_id: int, rep_id: int, day: dt.date, now: dt.datetime | None = None) -> bytes:
    data = {"run_id": run_id, "rep_id": rep_id, "day": day.isoformat()}
    if now is not None:
        # The run's business time (a simulated clock's, say): the job plans and stamps with it.
        data["now"] = now.isoformat()
    return json.dumps(data).encode()


def parse_payload(payload: bytes | None) -> tuple[int, int, dt.date, dt.datetime | None]:
    data = json.loads(payload or b"{}")
    now = dt.datetime.fromisoformat(data["now"]) if data.get("now") else None
    return int(data["run_id"]), int(data["rep_id"]), dt.date.fromisoformat(data["day"]), now


async def install_queue(conn: asyncpg.Connection) -> bool:
    """Create pgqueuer's tables when missing, else converge them; True when it installed."""
    queries = Queries.from_asyncpg_connection(conn)
    if not await queries.schema_is_installed():
        await queries.install()
        return True
    await queries.upgrade()
    return False


async def start_run(
    conn: asyncpg.Connection,
    day: dt.date,
    trigger: str,
    rep_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Create a planning run for `day` and enqueue one job per rep, atomically. Returns (run, jobs).
    `now`: the business time the jobs plan with (default: the worker's wall time when it runs)."""
    reps = rep_ids if rep_ids is not None else await repository.plannable_rep_ids(conn)
    run_id = await repository.create_run(conn, day, trigger)
    for rep_id in reps:
        await repository.add_run_rep(conn, run_id, rep_id)
    if reps:
        queries = Queries.from_asyncpg_connection(conn)
        await queries.enqueue(
            [PLAN_REP_DAY] * len(reps),
            [job_payload(run_id, rep_id, day, now) for rep_id in reps],
            [0] * len(reps),
            dedupe_key=[f"plan:{run_id}:{rep_id}" for rep_id in reps],
        )
    else:
        await repository.refresh_run_status(conn, run_id)
    return run_id, len(reps)


def local_now(time_zone: str, now: dt.datetime | None = None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(time_zone))


async def periodic_tick(
    conn: asyncpg.Connection,
    time_zone: str,
    nightly_at: dt.time,
    morning_check_at: dt.time,
    now: dt.datetime | None = None,
) -> list[int]:
    """Called every few minutes: starts tomorrow's run once local time passes `nightly_at`, and in
    the morning re-queues any rep still without a route for today. Returns the runs it started."""
    local = local_now(time_zone, now)
    started: list[int] = []
    tomorrow = local.date() + dt.timedelta(days=1)
    if local.time() >= nightly_at and await repository.run_for_day(conn, tomorrow, "schedule") is None:
        run_id, _ = await start_run(conn, tomorrow, "schedule", None, now)
        started.append(run_id)
    today = local.date()
    if local.time() >= morning_check_at and await repository.run_for_day(conn, today, "morning_check") is None:
        missing = await repository.reps_without_route(conn, today)
        run_id, _ = await start_run(conn, today, "morning_check", missing, now)
        started.append(run_id)
    return started
