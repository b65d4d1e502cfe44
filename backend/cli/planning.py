"""`fieldsales plan ...` and `fieldsales worker`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from backend.cli.common import cli_settings, in_transaction

if TYPE_CHECKING:
    import asyncpg
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
    from backend.jobs.nightly import start_run

    day = _day(day_text)
    settings = cli_settings()

    run_id, jobs = in_transaction(settings, lambda conn: start_run(conn, day, "cli"))
    click.echo(f"planning run {run_id} for {day}: {jobs} rep jobs queued")
    click.echo(f"progress: GET /api/v1/planning-runs/{run_id}; run them with `fieldsales worker`")


@plan.command("schedule")
@click.option("--rep", "rep_email", required=True, help="the rep's email")
@click.option("--from", "start_text", required=True, help="first day of the cycle, YYYY-MM-DD")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 12), help="length of the cycle")
@click.option("--day-off", "days_off", multiple=True, help="a holiday or absence, YYYY-MM-DD (repeatable)")
@click.option("--force-class-a", is_flag=True, help="when capacity is short, drop class A accounts too")
def plan_schedule(rep_email: str, start_text: str, weeks: int, days_off: tuple[str, ...], force_class_a: bool) -> None:
    """Plan and store a rep's multi-week visit schedule (journey plan) and print its summary."""
    from backend.auth.principal import Principal, Role
    from backend.errors import AppError
    from backend.planning.solver_pool import SolverPool
    from backend.schedules.schemas import ScheduleCreate
    from backend.schedules.service import create_schedule

    start = _day(start_text)
    settings = cli_settings()
    operator = Principal(user_id=0, role=Role.ADMIN, email="command-line")

    async def work(conn: asyncpg.Connection) -> object:
        rep_id = await conn.fetchval("select id from users where email = $1 and role = 'rep'", rep_email.lower())
        if rep_id is None:
            raise click.ClickException(f"no rep with email {rep_email}")
        data = ScheduleCreate(
            rep_id=rep_id, start=start, weeks=weeks, days_off=[_day(d) for d in days_off], force_class_a=force_class_a
        )
        return await create_schedule(conn, operator, solver, data)

    solver = SolverPool(1)
    try:
        stored = in_transaction(settings, work)
    except AppError as exc:
        raise click.ClickException(f"{exc.detail} ({exc.field})") from exc
    finally:
        solver.close()
    from backend.schedules.schemas import StoredSchedule

    assert isinstance(stored, StoredSchedule)
    busy = [day for day in stored.days if day.account_ids]
    click.echo(
        f"schedule {stored.id} for {rep_email}: {stored.visits_planned} visits on {len(busy)} days "
        f"from {stored.start_day} ({stored.weeks} weeks); {'feasible' if stored.feasible else 'NOT feasible'}"
    )
    for item in stored.report.get("shortfall", []):  # type: ignore[attr-defined]
        click.echo(
            f"  class {item['account_class']}: {item['missing_visits']} of {item['required_visits']} visits missing"
        )
    dropped = stored.report.get("dropped", [])
    if dropped:
        click.echo(f"  {len(dropped)} accounts left out (lowest class first), e.g. {dropped[0]['reason']}")  # type: ignore[arg-type,index]


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
