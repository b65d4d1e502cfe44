"""Builds and stores a rep's multi-week visit schedule with `routing.schedule`.

An account visited `f` times per 4 weeks is visited round(f x weeks / 4) times (at least once) in a
cycle of `weeks` weeks. Travel estimates use the rep's travel mode (routing.matrix's speed and
circuity per mode). The plan runs in the solver processes, off the event loop.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.errors import InvalidInput, NotFound
from backend.planning.solver_pool import SolverPool
from backend.schedules import repository
from backend.schedules.schemas import ScheduleCreate, ScheduleDayOut, StoredSchedule
from routing.matrix import DEFAULT_PROFILES
from routing.schedule import Schedule, ScheduleAccount, ScheduleRep, ScheduleRequest, plan_schedule

MAX_WEEKS = 12


def visits_per_cycle(per_4_weeks: int, weeks: int) -> int:
    return max(1, round(per_4_weeks * weeks / 4))


async def create_schedule(
    conn: asyncpg.Connection, principal: Principal, solver: SolverPool, data: ScheduleCreate
) -> StoredSchedule:
    if not 1 <= data.weeks <= MAX_WEEKS:
        raise InvalidInput(f"weeks must be between 1 and {MAX_WEEKS}", field="weeks")
    if any(day < data.start or day >= data.start + dt.timedelta(weeks=data.weeks) for day in data.days_off):
        raise InvalidInput("every day off must fall inside the schedule", field="days_off")
    rep = await repository.schedule_rep(conn, data.rep_id, principal.role.value, principal.user_id)
    if rep is None:
        raise NotFound(f"rep {data.rep_id} not found in your team", field="rep_id")
    if rep.home_lat is None or rep.home_lon is None:
        raise InvalidInput("the rep has no home location; set it first", field="rep_id")
    accounts = await repository.schedule_accounts(conn, data.rep_id)
    profile = DEFAULT_PROFILES.get(rep.travel_mode, DEFAULT_PROFILES["car"])
    request = ScheduleRequest(
        rep=ScheduleRep(
            id=str(rep.rep_id),
            home_lat=rep.home_lat,
            home_lon=rep.home_lon,
            shift_s=rep.shift_end_s - rep.shift_start_s,
            speed_m_per_s=profile.speed_m_s,
            circuity=profile.circuity,
            working_weekdays=frozenset(rep.working_days),
            max_visits_per_day=rep.max_visits_per_day,
        ),
        accounts=[
            ScheduleAccount(
                id=str(account.id),
                lat=account.lat,
                lon=account.lon,
                account_class=account.account_class,  # type: ignore[arg-type]
                visits_per_cycle=visits_per_cycle(account.visit_frequency_per_4_weeks, data.weeks),
                service_s=account.service_s,
                open_weekdays=frozenset(account.open_weekdays) if account.open_weekdays else None,
            )
            for account in accounts
        ],
        start=data.start,
        weeks=data.weeks,
        days_off=frozenset(data.days_off),
        force_class_a=data.force_class_a,
    )
    schedule: Schedule = await solver.call(plan_schedule, request)
    visits = [(int(account_id), day) for account_id, days in schedule.visits.items() for day in days]
    report: dict[str, object] = {
        "shortfall": msgspec.to_builtins(schedule.shortfall),
        "dropped": msgspec.to_builtins(schedule.dropped),
        "missing": msgspec.to_builtins(schedule.missing),
        "accounts": len(accounts),
    }
    schedule_id = await repository.insert_schedule(
        # user id 0 is the command line (an operator), which has no user row
        conn,
        data.rep_id,
        data.start,
        data.weeks,
        schedule.feasible,
        report,
        principal.user_id or None,
        visits,
    )
    return StoredSchedule(
        id=schedule_id,
        rep_id=data.rep_id,
        start_day=data.start,
        weeks=data.weeks,
        feasible=schedule.feasible,
        visits_planned=len(visits),
        report=report,
        days=[
            ScheduleDayOut(
                day=day.day,
                account_ids=[int(a) for a in day.account_ids],
                workload_s=day.workload_s,
                travel_estimate_s=day.travel_estimate_s,
            )
            for day in schedule.days
        ],
    )
