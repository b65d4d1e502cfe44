"""HTTP: appointments and tasks of a rep's day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.http.dependencies import BusinessClock, Caller, Conn
from backend.tasks import service
from backend.tasks.schemas import PlannedTask, TaskCreate


class TasksController(Controller):
    path = "/api/v1/reps/{rep_id:int}/tasks"
    tags = ["planning"]

    @post("", status_code=201, summary="Add a fixed appointment or a task to a rep's day")
    async def add(
        self, conn: Conn, principal: Caller, clock: BusinessClock, rep_id: FromPath[int], data: JSONBody[TaskCreate]
    ) -> PlannedTask:
        """A rep adds to their own days, a supervisor to their team's. The next plan of that day (the
        nightly run, or a re-plan of today) places it or says why not."""
        return await service.add_task(conn, principal, rep_id, data, clock)

    @get("", summary="Appointments and tasks of a rep's day, placed or with the reason")
    async def list_day(
        self, conn: Conn, principal: Caller, rep_id: FromPath[int], day: Annotated[dt.date, QueryParameter()]
    ) -> list[PlannedTask]:
        return await service.tasks_of_day(conn, principal, rep_id, day)
