"""`fieldsales plan ...` and `fieldsales worker`."""

from __future__ import annotations

import asyncio
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


def _instant(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("expected an ISO time with its offset, such as 2026-12-01T22:00:00+02:00") from exc
    if instant.tzinfo is None:
        raise click.BadParameter("the time needs its UTC offset, such as +02:00")
    return instant


@plan.command("nightly")
@click.option("--day", "day_text", required=True, help="the day to plan, YYYY-MM-DD (usually tomorrow)")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="business time of the run (ISO with offset; default: now). A simulation passes its clock.",
)
def plan_nightly(day_text: str, now_text: str | None) -> None:
    """Enqueue one planning job per active rep for DAY; `fieldsales worker` runs them.

    A day before today (in FIELDSALES_PLANNING_TIME_ZONE, at --now) is refused: a day is planned
    before it is worked. Reps off that day (weekend, holiday, absence) get no route, and a route
    already published for such a day is withdrawn; an absent rep's visits go to their backup.
    """
    import zoneinfo

    from backend.jobs.nightly import start_run

    day = _day(day_text)
    now = _instant(now_text)
    settings = cli_settings()
    today = (now or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(settings.planning_time_zone)).date()
    if day < today:
        raise click.BadParameter(f"{day} is in the past (today is {today})", param_hint="--day")

    run_id, jobs = in_transaction(settings, lambda conn: start_run(conn, day, "cli", None, now))
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


@click.group()
def holidays() -> None:
    """Public holidays: nobody (or nobody of a region) is planned that day."""


@holidays.command("add")
@click.option("--day", "day_text", required=True, help="the holiday, YYYY-MM-DD")
@click.option("--name", required=True, help="its name, such as 'Independence Day'")
@click.option("--region", default=None, help="only the reps whose territory is in this region")
def holidays_add(day_text: str, name: str, region: str | None) -> None:
    """Declare a holiday; routes already published for it are withdrawn."""
    from backend.auth.principal import Principal, Role
    from backend.clock import SystemClock
    from backend.db.pool import create_pool
    from backend.errors import AppError
    from backend.workcalendar.schemas import HolidayAdded, HolidayCreate
    from backend.workcalendar.service import add_holiday

    settings = load_settings()
    operator = Principal(user_id=0, role=Role.ADMIN, email="command-line")

    async def work() -> HolidayAdded:
        pool = await create_pool(settings)
        try:
            data = HolidayCreate(day=_day(day_text), name=name, region=region)
            return await add_holiday(
                pool, operator, data, SystemClock(), settings.planning_time_zone, settings.pool_acquire_timeout_s
            )
        finally:
            await pool.close()

    try:
        added = asyncio.run(work())
    except AppError as exc:
        raise click.ClickException(f"{exc.detail} ({exc.field})") from exc
    where = f" in {added.holiday.region}" if added.holiday.region else ""
    click.echo(
        f"holiday {added.holiday.day} ({added.holiday.name}){where}: {len(added.withdrawn_route_ids)} routes withdrawn"
    )


@click.group()
def absences() -> None:
    """Reps' absences: not planned; their visits go to the backup rep or the team."""


@absences.command("add")
@click.option("--rep", "rep_email", required=True, help="the absent rep's email")
@click.option("--from", "first_text", required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "last_text", required=True, help="last day, YYYY-MM-DD")
@click.option("--reason", required=True, help="why, such as 'sick leave'")
def absences_add(rep_email: str, first_text: str, last_text: str, reason: str) -> None:
    """Record an absence; days already routed are handed over now and the rep's routes withdrawn."""
    from backend.auth.principal import Principal, Role
    from backend.clock import SystemClock
    from backend.db.pool import create_pool
    from backend.errors import AppError
    from backend.planning.matrix_cache import matrix_provider
    from backend.planning.service import PlanningOptions
    from backend.planning.solver_pool import SolverPool
    from backend.workcalendar.schemas import AbsenceAdded, AbsenceCreate
    from backend.workcalendar.service import add_absence

    settings = load_settings()
    operator = Principal(user_id=0, role=Role.ADMIN, email="command-line")

    async def work() -> AbsenceAdded:
        pool = await create_pool(settings)
        solver = SolverPool(1)
        try:
            rep_id = await pool.fetchval("select id from users where email = $1 and role = 'rep'", rep_email.lower())
            if rep_id is None:
                raise click.ClickException(f"no rep with email {rep_email}")
            data = AbsenceCreate(first_day=_day(first_text), last_day=_day(last_text), reason=reason)
            options = PlanningOptions(iterations=settings.nightly_iterations, churn_cap_share=settings.churn_cap_share)
            return await add_absence(
                pool, operator, solver, matrix_provider(settings), rep_id, data, SystemClock(), options
            )
        finally:
            solver.close()
            await pool.close()

    try:
        added = asyncio.run(work())
    except AppError as exc:
        raise click.ClickException(f"{exc.detail} ({exc.field})") from exc
    click.echo(f"absence {added.absence.id}: {rep_email} {added.absence.first_day}..{added.absence.last_day}")
    for handover in added.handovers:
        taken = sum(len(receiver.account_ids) for receiver in handover.receivers)
        click.echo(f"  {handover.day}: {taken} visits handed over, {len(handover.unplaced)} could not be placed")
        for item in handover.unplaced:
            click.echo(f"    account {item.account_id}: {item.reason}")
