"""HTTP: public holidays (admin writes) and reps' absences (supervisor or admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, BusinessClock, Caller
from backend.http.security import requires_role
from backend.planning.service import PlanningOptions
from backend.workcalendar import service
from backend.workcalendar.schemas import Absence, AbsenceAdded, AbsenceCreate, Holiday, HolidayAdded, HolidayCreate

FromDay = Annotated[dt.date, QueryParameter(name="from", description="first day YYYY-MM-DD")]
ToDay = Annotated[dt.date, QueryParameter(name="to", description="last day YYYY-MM-DD")]


class HolidaysController(Controller):
    path = "/api/v1/holidays"
    tags = ["calendar"]

    @post(
        "",
        status_code=201,
        summary="Declare a public holiday (everyone, or one region)",
        guards=[requires_role(Role.ADMIN)],
    )
    async def add(
        self,
        principal: Caller,
        state: State,
        settings: AppSettings,
        clock: BusinessClock,
        data: JSONBody[HolidayCreate],
    ) -> HolidayAdded:
        """Nobody concerned is planned that day; routes already published for it are withdrawn."""
        return await service.add_holiday(
            state.pool, principal, data, clock, settings.planning_time_zone, settings.pool_acquire_timeout_s
        )

    @get("", summary="Public holidays between two days")
    async def list_holidays(
        self, state: State, settings: AppSettings, from_day: FromDay, to_day: ToDay
    ) -> list[Holiday]:
        return await service.holidays(state.pool, from_day, to_day, settings.pool_acquire_timeout_s)


class AbsencesController(Controller):
    path = "/api/v1/reps/{rep_id:int}/absences"
    tags = ["calendar"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @post("", status_code=201, summary="Record a rep's absence; their visits go to the backup rep or the team")
    async def add(
        self,
        principal: Caller,
        state: State,
        settings: AppSettings,
        clock: BusinessClock,
        rep_id: FromPath[int],
        data: JSONBody[AbsenceCreate],
    ) -> AbsenceAdded:
        """Days of the absence that already have a route are handed over now (re-optimised across the
        receiving reps) and the absent rep's route withdrawn; what cannot be placed is listed with its
        reason. Later days are handed over by their nightly run."""
        options = PlanningOptions(
            time_limit_s=settings.nightly_time_limit_s or None,
            iterations=None if settings.nightly_time_limit_s else settings.nightly_iterations,
            churn_cap_share=settings.churn_cap_share,
            acquire_timeout_s=settings.pool_acquire_timeout_s,
        )
        return await service.add_absence(
            state.pool, principal, state.solver, state.matrix_provider, rep_id, data, clock, options
        )

    @get("", summary="A rep's absences between two days")
    async def list_absences(
        self,
        principal: Caller,
        state: State,
        settings: AppSettings,
        rep_id: FromPath[int],
        from_day: FromDay,
        to_day: ToDay,
    ) -> list[Absence]:
        return await service.absences(state.pool, principal, rep_id, from_day, to_day, settings.pool_acquire_timeout_s)
