"""`fieldsales plan ...` and `fieldsales worker`."""

from __future__ import annotations

import asyncio
import datetime as dt

import click

from backend.settings import load_settings


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("expected a date as YYYY-MM-DD") from exc


@click.group()
def plan() -> None:
    """Plan routes and visit schedules."""


@plan.command("nightly")
@click.option("--day", "day_text", required=True, help="the day to plan, YYYY-MM-DD (usually tomorrow)")
def plan_nightly(day_text: str) -> None:
    """Enqueue one planning job per active rep for DAY; `fieldsales worker` runs them."""
    from backend.db.pool import connect
    from backend.jobs.nightly import start_run

    day = _day(day_text)
    settings = load_settings()

    async def work() -> tuple[int, int]:
        conn = await connect(settings)
        try:
            async with conn.transaction():
                return await start_run(conn, day, "cli")
        finally:
            await conn.close()

    run_id, jobs = asyncio.run(work())
    click.echo(f"planning run {run_id} for {day}: {jobs} rep jobs queued")
    click.echo(f"progress: GET /api/v1/planning-runs/{run_id}; run them with `fieldsales worker`")


@click.command()
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="jobs (and solver processes) at once",
)
@click.option("--drain", is_flag=True, help="exit once the queue is empty instead of waiting for work")
@click.option("--no-timer", is_flag=True, help="do not start nightly runs on schedule (jobs only)")
def worker(concurrency: int, drain: bool, no_timer: bool) -> None:
    """Run planning jobs (and the nightly timer) from the database queue; start as many as you like.

    Every 5 minutes the timer starts tomorrow's run once the local time passes
    FIELDSALES_NIGHTLY_LOCAL_TIME (22:00, FIELDSALES_PLANNING_TIME_ZONE), and in the morning re-queues
    reps still without a route for today. Any number of workers may run: each run starts once.
    """
    from backend.jobs.worker import main

    main(load_settings(), concurrency, drain, timer=not no_timer)
