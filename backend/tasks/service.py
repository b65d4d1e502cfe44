"""Appointments (a fixed start) and tasks a rep or their supervisor adds to a day.

The nightly planner (and a re-plan) includes them: appointments at exactly their time, tasks with their
priority. A rep adds to their own days; a supervisor to their team's; the account must be in the rep's
territory (an admin may add any).
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from backend.auth.principal import Principal
from backend.errors import InvalidInput, NotFound
from backend.scope.service import rep_is_visible
from backend.tasks import repository
from backend.tasks.schemas import PlannedTask, TaskCreate


async def add_task(conn: asyncpg.Connection, principal: Principal, rep_id: int, data: TaskCreate) -> PlannedTask:
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
    if not await repository.account_in_rep_scope(conn, data.account_id, principal.role.value, rep_id):
        raise NotFound(f"account {data.account_id} not found in the rep's territory", field="account_id")
    task_id = await repository.insert_task(conn, rep_id, data, principal.user_id)
    return next(task for task in await repository.tasks_of_rep_day(conn, rep_id, data.day) if task.id == task_id)


async def tasks_of_day(conn: asyncpg.Connection, principal: Principal, rep_id: int, day: dt.date) -> list[PlannedTask]:
    if not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")
    return await repository.tasks_of_rep_day(conn, rep_id, day)
