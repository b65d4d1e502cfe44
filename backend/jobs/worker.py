"""`fieldsales worker`: runs planning jobs; any number of workers on any number of machines."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from datetime import timedelta

from pgqueuer import PgQueuer, Queries, QueueManager
from pgqueuer.models import Job, Schedule
from pgqueuer.types import QueueExecutionMode

from backend.db.pool import connect, create_pool, transaction
from backend.jobs.nightly import PLAN_REP_DAY, parse_payload, periodic_tick
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings
from routing.matrix import HaversineProvider

log = logging.getLogger("fieldsales.worker")


async def run_worker(settings: Settings, *, concurrency: int, drain: bool) -> None:
    """Process planning jobs until stopped (or, with `drain`, until the queue is empty)."""
    pool = await create_pool(settings)
    listener = await connect(settings)
    solver = SolverPool(processes=concurrency)
    provider = HaversineProvider()
    options = PlanningOptions(
        solution_limit=settings.nightly_solution_limit, churn_cap_share=settings.churn_cap_share
    )

    async def plan(job: Job) -> None:
        run_id, rep_id, day = parse_payload(job.payload)
        outcome = await plan_rep_day(pool, solver, provider, rep_id, day, run_id=run_id, options=options)
        log.info("run %s rep %s day %s: %s %s", run_id, rep_id, day, outcome.status, outcome.error or "")

    try:
        if drain:
            manager = QueueManager(Queries.from_asyncpg_connection(listener))
            manager.entrypoint(PLAN_REP_DAY)(plan)
            await manager.run(
                mode=QueueExecutionMode.drain, batch_size=concurrency, dequeue_timeout=timedelta(seconds=2),
                heartbeat_timeout=timedelta(seconds=settings.worker_heartbeat_timeout_s),
            )
            return
        queuer = PgQueuer.from_asyncpg_connection(listener)
        queuer.entrypoint(PLAN_REP_DAY)(plan)

        @queuer.schedule("nightly_tick", "*/5 * * * *")
        async def tick(_: Schedule) -> None:
            async with transaction(pool, settings.pool_acquire_timeout_s) as conn:
                started = await periodic_tick(
                    conn, settings.planning_time_zone, dt.time.fromisoformat(settings.nightly_local_time),
                    dt.time.fromisoformat(settings.morning_check_local_time),
                )
            if started:
                log.info("started planning runs %s", started)

        await queuer.run(
            batch_size=concurrency, heartbeat_timeout=timedelta(seconds=settings.worker_heartbeat_timeout_s)
        )
    finally:
        solver.close()
        await listener.close()
        await pool.close()


def main(settings: Settings, concurrency: int, drain: bool) -> None:
    asyncio.run(run_worker(settings, concurrency=concurrency, drain=drain))
