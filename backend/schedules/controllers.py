"""HTTP: supervisors build their reps' visit schedules."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody

from backend.auth.principal import Role
from backend.http.dependencies import Caller, Conn
from backend.http.security import requires_role
from backend.schedules import service
from backend.schedules.schemas import ScheduleCreate, StoredSchedule


class SchedulesController(Controller):
    path = "/api/v1/schedules"
    tags = ["planning"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @post("", status_code=201, summary="Plan and publish a rep's multi-week visit schedule")
    async def create(
        self, conn: Conn, principal: Caller, state: State, data: JSONBody[ScheduleCreate]
    ) -> StoredSchedule:
        """Each account visited at its class frequency, evenly spaced, days compact and within the shift.
        An infeasible policy is stored with the shortfall per class and the accounts left out, with reasons."""
        return await service.create_schedule(conn, principal, state.solver, data)
