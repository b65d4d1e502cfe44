"""`fieldsales worker`: runs planning jobs; any number of workers on any number of machines."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
from datetime import timedelta

import asyncpg
import httpx
from pgqueuer import PgQueuer, Queries, QueueManager
from pgqueuer.models import Job, Schedule
from pgqueuer.types import QueueExecutionMode

from backend.clock import Clock, SystemClock
from backend.db.pool import connect, create_pool, transaction
from backend.jobs.nightly import PLAN_REP_DAY, parse_payload, periodic_tick
from backend.maintenance.service import purge_expired_data, refresh_segments
from backend.observability.context import bound_id
from backend.observability.logs import configure_logging
from backend.orders.webhooks import deliver_due
from backend.orders.webhooks import purge as purge_webhooks
from backend.planning.matrix_cache import matrix_provider
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from backend.sales_tasks.service import send_due_reminders
from backend.settings import Settings

log = logging.getLogger("fieldsales.worker")


async def timer_tick(conn: asyncpg.Connection, settings: Settings, now: dt.datetime) -> list[int]:
    """What the worker's 5-minute timer does at business time `now`, one tick at a time across every
    worker (so the run for a day starts once): start the nightly run or the morning check when due,
    and purge what is past its retention. The simulator calls it at its own clock's 22:05 and 05:35."""
    await conn.execute("select pg_advisory_xact_lock(7301946216)")
    started = await periodic_tick(
        conn, settings.planning_time_zone, settings.nightly_local_time, settings.morning_check_local_time, now
    )
    await purge_expired_data(conn, now, sync_horizon_days=settings.sync_horizon_days)
    return started


async def run_worker(
    settings: Settings, *, concurrency: int, drain: bool, timer: bool = True, clock: Clock | None = None
) -> None:
    """Process planning jobs until stopped (or, with `drain`, until the queue is empty)."""
    clock = clock or SystemClock()
    pool = await create_pool(settings, clock)
    listener = await connect(settings)
    solver = SolverPool(processes=concurrency)
    provider = matrix_provider(settings)
    options = PlanningOptions(
        time_limit_s=settings.nightly_time_limit_s or None,
        iterations=None if settings.nightly_time_limit_s else settings.nightly_iterations,
        churn_cap_share=settings.churn_cap_share,
    )

    async def plan(job: Job) -> None:
        with bound_id(f"job-{job.id}"):
            run_id, rep_id, day, now = parse_payload(job.payload)
            outcome = await plan_rep_day(
                pool, solver, provider, rep_id, day, run_id=run_id, options=options, now=now or clock.now()
            )
            log.info("run %s rep %s day %s: %s %s", run_id, rep_id, day, outcome.status, outcome.error or "")

    heartbeat_timeout = timedelta(seconds=settings.worker_heartbeat_timeout_s)
    # Poll at least twice per heartbeat timeout, so a dead worker's jobs are re-picked promptly.
    dequeue_timeout = min(timedelta(seconds=5), heartbeat_timeout / 2)
    # At most two picked jobs per solver process: a picked job waiting too long is a job no one runs.
    batch_size, max_tasks = concurrency, 2 * concurrency
    try:
        if drain:
            manager = QueueManager(Queries.from_asyncpg_connection(listener))
            manager.entrypoint(PLAN_REP_DAY)(plan)
            _stop_on_signals(manager.shutdown)
            await manager.run(
                mode=QueueExecutionMode.drain,
                dequeue_timeout=dequeue_timeout,
                heartbeat_timeout=heartbeat_timeout,
                batch_size=batch_size,
                max_concurrent_tasks=max_tasks,
            )
            return
        queuer = PgQueuer.from_asyncpg_connection(listener)
        queuer.entrypoint(PLAN_REP_DAY)(plan)

        async def tick(_: Schedule) -> None:
            async with transaction(pool, settings.pool_acquire_timeout_s) as conn:
                started = await timer_tick(conn, settings, clock.now())
            if started:
                log.info("started planning runs %s", started)

        async def order_webhooks(_: Schedule) -> None:
            async with transaction(pool, settings.pool_acquire_timeout_s) as conn, httpx.AsyncClient() as client:
                now = dt.datetime.now(dt.UTC)
                run = await deliver_due(conn, settings, client, now)
                await purge_webhooks(conn, now)  # delivered or given up more than 30 days ago
            if run.delivered or run.retried or run.failed:
                log.info("order webhooks: %s", run)

        async def task_reminders(_: Schedule) -> None:
            async with transaction(pool, settings.pool_acquire_timeout_s) as conn:
                # Business time, as the nightly tick: a simulated clock reminds on simulated time.
                sent = await send_due_reminders(conn, clock.now())
            if sent:
                log.info("sent %s task reminders", sent)

        async def segments_tick(_: Schedule) -> None:
            # Its own transaction: a failing segment evaluation never holds back the planning tick.
            async with transaction(pool, settings.pool_acquire_timeout_s) as conn:
                await conn.execute("select pg_advisory_xact_lock(7301946217)")
                await refresh_segments(conn, settings, clock.now())

        if timer:
            queuer.schedule("nightly_tick", "*/5 * * * *")(tick)
            if settings.task_reminder_interval_min:
                queuer.schedule("task_reminders", f"*/{settings.task_reminder_interval_min} * * * *")(task_reminders)
            # Every minute; each segment is re-evaluated once FIELDSALES_SEGMENT_REFRESH_INTERVAL_S has passed.
            queuer.schedule("segments_tick", "* * * * *")(segments_tick)
            if settings.order_webhook_url:
                queuer.schedule("order_webhooks", "* * * * *")(order_webhooks)

        _stop_on_signals(queuer.shutdown)
        await queuer.run(
            dequeue_timeout=dequeue_timeout,
            heartbeat_timeout=heartbeat_timeout,
            batch_size=batch_size,
            max_concurrent_tasks=max_tasks,
        )
    finally:
        solver.close()
        await listener.close()
        await pool.close()


def _stop_on_signals(shutdown: asyncio.Event) -> None:
    """SIGTERM/SIGINT finish the jobs in hand and stop; the solver processes are shut down with us."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, shutdown.set)


def main(settings: Settings, concurrency: int, drain: bool, *, timer: bool = True) -> None:
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_worker(settings, concurrency=concurrency, drain=drain, timer=timer))
