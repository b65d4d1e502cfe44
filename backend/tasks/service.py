"""Appointments (a fixed start) and tasks a rep or their supervisor adds to a day.

The next plan of the day (the nightly run, or a re-plan of today) includes them: appointments at
exactly their time, tasks with their priority. They are placed, or the route says why not
(`GET .../tasks` shows `placed` or the `reason`). Refused with 422 naming the field, nothing stored:
a day in the past (`day`); an appointment without a time, outside the rep's shift or outside the
account's opening hours that weekday (`start_s`); an account outside the rep's territories
(404 on `account_id`; an admin may add any account).
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from backend.auth.principal import Principal, Role
from backend.clock import Clock, local_today
from backend.errors import InvalidInput, NotFound
from backend.scope.service import rep_is_visible
from backend.tasks import repository
from backend.tasks.schemas import PlannedTask, TaskCreate


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


async def _check_appointment_time(conn: asyncpg.Connection, rep_id: int, data: TaskCreate) -> None:
    assert data.start_s is not None
    frame = await repository.appointment_frame(conn, data.account_id, rep_id, data.day)
    if frame is None:
        return
    end_s = data.start_s + frame.service_s
    if data.start_s < frame.shift_start_s or end_s > frame.shift_end_s:
        raise InvalidInput(
            f"{_hhmm(data.start_s)}-{_hhmm(end_s)} is outside the rep's shift "
            f"({_hhmm(frame.shift_start_s)}-{_hhmm(frame.shift_end_s)})",
            field="start_s",
        )
    if frame.has_hours and not any(open_s <= data.start_s and end_s <= close_s for open_s, close_s in frame.opening):
        hours = ", ".join(f"{_hhmm(o)}-{_hhmm(c)}" for o, c in frame.opening) or "closed"
        raise InvalidInput(
            f"{_hhmm(data.start_s)}-{_hhmm(end_s)} is outside the account's opening hours on {data.day} ({hours})",
            field="start_s",
        )


async def add_task(
    conn: asyncpg.Connection, principal: Principal, rep_id: int, data: TaskCreate, clock: Clock
) -> PlannedTask:
    if not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")
    if data.kind == "appointment" and data.start_s is None:
        raise InvalidInput("an appointment needs its start time (start_s)", field="start_s")
    if data.kind == "task" and data.start_s is not None:
        raise InvalidInput("only appointments have a fixed start; leave start_s out for a task", field="start_s")
    if data.start_s is not None and not 0 <= data.start_s < 86_400:
        raise InvalidInput("start_s is seconds from local midnight (0-86399)", field="start_s")
    if not 0 <= data.priority <= 100:
        raise InvalidInput("priority must be between 0 and 100", field="priority")
    if data.note is not None and len(data.note) > 2000:
        raise InvalidInput("a note has at most 2000 characters", field="note")
    today = local_today(clock, await repository.rep_time_zone(conn, rep_id) or "UTC")
    if data.day < today:
        raise InvalidInput(f"{data.day} is in the past (today is {today})", field="day")
    if not await repository.account_in_rep_scope(conn, data.account_id, rep_id, principal.role is Role.ADMIN):
        # Out of scope answers 404, as every id the caller may not use (the convention).
        raise NotFound(f"account {data.account_id} not found in the rep's territories", field="account_id")
    if data.start_s is not None:
        await _check_appointment_time(conn, rep_id, data)
    task_id = await repository.insert_task(conn, rep_id, data, principal.user_id, clock.now())
    return next(task for task in await repository.tasks_of_rep_day(conn, rep_id, data.day) if task.id == task_id)


async def tasks_of_day(conn: asyncpg.Connection, principal: Principal, rep_id: int, day: dt.date) -> list[PlannedTask]:
    if not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")
    return await repository.tasks_of_rep_day(conn, rep_id, day)
