"""HTTP: CRM tasks and the control lists (overdue tasks, deals without a task, stuck deals)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.sales_tasks import service
from backend.sales_tasks.schemas import (
    DealWithoutTaskPage,
    OverdueTaskPage,
    Replayed,
    SalesTask,
    SalesTaskCreate,
    StuckDealPage,
    TaskPage,
    TaskStatus,
    TaskUpdate,
)

REPLAYED_HEADER = "Idempotent-Replayed"
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size (1-500)")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]
OwnerParam = Annotated[int | None, QueryParameter(ge=1, description="only this person's (someone the caller sees)")]


def _respond(result: Replayed) -> Response[SalesTask]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.task, status_code=result.status_code, headers=headers)


class SalesTasksController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @post("", status_code=201, summary="Create a CRM task (offline first)")
    async def create_sales_task(
        self,
        data: JSONBody[SalesTaskCreate],
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
    ) -> Response[SalesTask]:
        """Idempotent by the client's task `id`: the same body again replays the 201 (with
        `Idempotent-Replayed: true`); another body under the same id is 409 (`id`). `owner_id` defaults
        to the caller: a rep gives tasks only to themselves (403), a supervisor to their team, an admin
        to anyone (else 404 `owner_id`). `account_id` and/or `deal_id` (422 `account_id` with neither;
        404 when not visible). `due_at` in the past (business time) is 422 `due_at`; `remind_at` after
        `due_at` is 422 `remind_at`. A `visit` task of a rep about an account also goes on the rep's
        day (`GET /api/v1/reps/{id}/tasks?day=`, the local day of `due_at`) so the planner routes it;
        an account outside the rep's territories is then 404 `account_id`. Nothing is stored on error."""
        return _respond(await service.create_task(conn, settings, principal, data, clock))

    @get("", summary="CRM tasks: the caller's own by default, filtered, by due time")
    async def list_sales_tasks(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        owner_id: OwnerParam = None,
        status: Annotated[TaskStatus | None, QueryParameter(description="open, done or cancelled")] = None,
        overdue: Annotated[bool | None, QueryParameter(description="true: open and due before now only")] = None,
        account_id: Annotated[int | None, QueryParameter(ge=1, description="tasks about this account")] = None,
        deal_id: Annotated[uuid.UUID | None, QueryParameter(description="tasks about this deal")] = None,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> TaskPage:
        """Without `owner_id`, `account_id` or `deal_id`: the caller's own tasks. With them: every task
        the caller may read (their own and their team's, and those about accounts they see). Ordered by
        `due_at`, keyset-paginated by `cursor`. An `owner_id`, account or deal outside the caller's
        scope is 404 naming it."""
        return await service.list_tasks(
            conn,
            principal,
            clock.now(),
            owner_id=owner_id,
            status=status,
            overdue=overdue,
            account_id=account_id,
            deal_id=deal_id,
            cursor=cursor,
            limit=limit,
        )

    @get("/{task_id:uuid}", summary="One CRM task")
    async def get_sales_task(
        self, conn: Conn, principal: Caller, clock: BusinessClock, task_id: FromPath[uuid.UUID]
    ) -> SalesTask:
        return await service.get_task(conn, principal, task_id, clock.now())

    @patch("/{task_id:uuid}", summary="Change an open task's due time, reminder, title, note or owner")
    async def update_sales_task(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskUpdate],
    ) -> SalesTask:
        """Only the fields sent change (`null` clears `note` or `remind_at`); the rules of creation
        apply (`due_at`, `remind_at`, `owner_id`). A new `remind_at` asks for a new reminder. A visit
        task moved to another day or person leaves the old day (unless it has begun) for the new one.
        Only the owner, their supervisor or an admin may change a task (403); a done or cancelled task
        is 409 (`status`)."""
        return await service.update_task(conn, principal, task_id, data, clock)

    @post("/{task_id:uuid}/complete", status_code=200, summary="Mark a task done")
    async def complete_sales_task(
        self, conn: Conn, principal: Caller, clock: BusinessClock, task_id: FromPath[uuid.UUID]
    ) -> SalesTask:
        """open -> done (at the business time). Done again changes nothing; a cancelled task is 409
        (`status`). A visit task's day task is taken off a day that has not begun."""
        return await service.close_task(conn, principal, task_id, TaskStatus.DONE, clock)

    @post("/{task_id:uuid}/cancel", status_code=200, summary="Cancel a task")
    async def cancel_sales_task(
        self, conn: Conn, principal: Caller, clock: BusinessClock, task_id: FromPath[uuid.UUID]
    ) -> SalesTask:
        """open -> cancelled. Cancelled again changes nothing; a done task is 409 (`status`). A visit
        task's day task is taken off a day that has not begun."""
        return await service.close_task(conn, principal, task_id, TaskStatus.CANCELLED, clock)


class ControlController(Controller):
    path = "/api/v1/control"
    tags = ["tasks"]

    @get("/overdue-tasks", summary="Control list: overdue tasks")
    async def list_overdue_tasks(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        owner_id: OwnerParam = None,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> OverdueTaskPage:
        """Open tasks whose `due_at` is before now (business time), of the people the caller sees and
        about the accounts they see; most overdue first. `overdue_h` = whole hours past due."""
        return await service.overdue_tasks(conn, principal, clock.now(), owner_id=owner_id, cursor=cursor, limit=limit)

    @get("/deals-without-task", summary="Control list: open deals without an open task")
    async def list_deals_without_task(
        self, conn: Conn, principal: Caller, owner_id: OwnerParam = None, cursor: Cursor = None, limit: Limit = 100
    ) -> DealWithoutTaskPage:
        """Open deals on accounts the caller sees with no open task whose `deal_id` is the deal (a task
        only about the account does not count); longest in their stage first."""
        return await service.deals_without_task(conn, principal, owner_id=owner_id, cursor=cursor, limit=limit)

    @get("/stuck-deals", summary="Control list: open deals longer in their stage than its norm")
    async def list_stuck_deals(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        owner_id: OwnerParam = None,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> StuckDealPage:
        """Open deals on accounts the caller sees whose stage has `norm_days` and whose `days_in_stage`
        (whole 24-hour periods since `stage_entered_at`, up to now) exceeds it; `days_over` =
        days_in_stage - norm_days. The longest over first."""
        return await service.stuck_deals(conn, principal, clock.now(), owner_id=owner_id, cursor=cursor, limit=limit)
