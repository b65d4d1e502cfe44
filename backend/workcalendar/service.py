"""The working calendar: public holidays (admin) and reps' absences (supervisor, admin).

Rules (docs/architecture.md, "Calendar"): nobody is planned on a holiday (of their region, or of
everyone), nor on a day of their absence. Declaring either withdraws the routes already published for
those days; an absence also hands the absent rep's due visits of those days to the backup reps (or
the team) at once, re-optimised across them (`backend.planning.service.hand_over_day`). A day in the
past is refused (422 naming the field), and nothing is stored.
"""

from __future__ import annotations

import datetime as dt

from backend.auth.principal import Principal
from backend.clock import Clock, local_today
from backend.db.pool import ConnectionSource, transaction
from backend.errors import Conflict, InvalidInput, NotFound
from backend.planning import service as planning
from backend.planning.matrix_cache import MatrixProvider
from backend.planning.solver_pool import SolverPool
from backend.workcalendar import repository
from backend.workcalendar.schemas import (
    Absence,
    AbsenceAdded,
    AbsenceCreate,
    DayHandover,
    HandedOverOut,
    Holiday,
    HolidayAdded,
    HolidayCreate,
)

MAX_ABSENCE_DAYS = 366


async def add_holiday(
    source: ConnectionSource, principal: Principal, data: HolidayCreate, clock: Clock, time_zone: str, timeout_s: float
) -> HolidayAdded:
    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a name of 1-200 characters is required", field="name")
    region = data.region.strip() if data.region else None
    today = local_today(clock, time_zone)
    if data.day < today:
        raise InvalidInput(f"{data.day} is in the past (today is {today})", field="day")
    async with transaction(source, timeout_s) as conn:
        holiday = await repository.insert_holiday(conn, data.day, region, name, principal.user_id, clock.now())
        if holiday is None:
            raise Conflict(f"a holiday on {data.day} for that region exists", field="day")
        withdrawn = []
        for rep_id in await repository.reps_routed_on(conn, data.day, region):
            route_id = await planning.withdraw_day(conn, rep_id, data.day, "holiday", clock.now())
            if route_id is not None:
                withdrawn.append(route_id)
    return HolidayAdded(holiday, withdrawn)


async def holidays(source: ConnectionSource, first: dt.date, last: dt.date, timeout_s: float) -> list[Holiday]:
    if last < first:
        raise InvalidInput("`to` is before `from`", field="to")
    async with transaction(source, timeout_s) as conn:
        return await repository.holidays_between(conn, first, last)


async def add_absence(
    source: ConnectionSource,
    principal: Principal,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    data: AbsenceCreate,
    clock: Clock,
    options: planning.PlanningOptions,
) -> AbsenceAdded:
    reason = data.reason.strip()
    timeout = options.acquire_timeout_s
    async with transaction(source, timeout) as conn:
        zone = await repository.rep_time_zone_if_visible(conn, rep_id, principal.role.value, principal.user_id)
        if zone is None:
            raise NotFound(f"rep {rep_id} not found", field="rep_id")
        today = local_today(clock, zone)
        if data.first_day < today:
            raise InvalidInput(f"{data.first_day} is in the past (today is {today})", field="first_day")
        if data.last_day < data.first_day:
            raise InvalidInput("last_day is before first_day", field="last_day")
        if (data.last_day - data.first_day).days >= MAX_ABSENCE_DAYS:
            raise InvalidInput(f"an absence covers at most {MAX_ABSENCE_DAYS} days", field="last_day")
        if not reason or len(reason) > 500:
            raise InvalidInput("a reason of 1-500 characters is required", field="reason")
        absence = await repository.insert_absence(
            conn, rep_id, data.first_day, data.last_day, reason, principal.user_id, clock.now()
        )
        days = await repository.routed_days(conn, rep_id, data.first_day, data.last_day)
    handovers = []
    for day in days:
        report = await planning.hand_over_day(source, solver, provider, rep_id, day, clock.now(), options)
        handovers.append(
            DayHandover(
                day=report.day,
                withdrawn_route_id=report.withdrawn_route_id,
                receivers=[HandedOverOut(r.rep_id, r.route_id, r.account_ids) for r in report.receivers],
                unplaced=report.unplaced,
            )
        )
    return AbsenceAdded(absence, handovers)


async def absences(
    source: ConnectionSource, principal: Principal, rep_id: int, first: dt.date, last: dt.date, timeout_s: float
) -> list[Absence]:
    async with transaction(source, timeout_s) as conn:
        if await repository.rep_time_zone_if_visible(conn, rep_id, principal.role.value, principal.user_id) is None:
            raise NotFound(f"rep {rep_id} not found", field="rep_id")
        return await repository.absences_of_rep(conn, rep_id, first, last)
