"""CRM tasks: something a person must do by a due time about an account or a deal.

Rules:

- Offline first, idempotent by the client's task `id`, as orders: the same body again replays the
  first answer (201); another body under the same id is 409 (`id`); a refused request stores nothing,
  so the client may correct it and resend under the same id.
- Who: `owner_id` defaults to the caller. A rep gives tasks only to themselves (403 `owner_id`), a
  supervisor to themselves and their team, an admin to anyone; anyone else is 404 (`owner_id`), an
  inactive user 422 (`owner_id`). A task is read by those who see its owner or its account
  (`visible_rep_ids`, `visible_account_ids`); it is changed only by those who see its owner (403
  otherwise: the owner, their supervisor, an admin).
- About what: an account, a deal or both (422 `account_id` with neither); each must be one the caller
  sees (404 `account_id` / `deal_id`). With only a deal, the task is about the deal's account too; an
  account that is not the deal's is 422 (`account_id`).
- When: `due_at` not in the past by the business clock (a grace of `PAST_GRACE` absorbs the trip
  from the phone), else 422 (`due_at`); `remind_at` not after `due_at` (422 `remind_at`). Overdue is
  computed when read (open and due before now), never stored.
- A `visit` task of a rep about an account also goes on the rep's day (`backend.tasks` add_task, kind
  "task", the local day of `due_at` in the rep's time zone), so the planner routes it; what that
  service refuses is passed on naming this request's field (a day in the past -> `due_at`, an account
  outside the rep's territories -> 404 `account_id`). When the task moves to another day or person,
  or is completed or cancelled, its day task is taken off a day that has not begun yet (today's and
  past days stay as planned: today's route is already out).
- Status: open -> done (complete) or cancelled (cancel); a move to the current status changes
  nothing; any other move is 409 (`status`). Only open tasks are edited (409 `status`).
- Batches: `create_account_tasks` creates one task per account with the same fields (a segment's
  tasks) under these rules, stricter on time (no grace, no reminder in the past); its visit tasks
  land on the reps' days too.
- Reminders: `send_due_reminders` notifies the owner once (`task_reminder` event on their stream and
  sync feed) of each open task whose `remind_at` has come; run by the worker's timer and callable by
  the simulator with its clock. A changed `remind_at` asks for a new reminder.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence

import asyncpg
import msgspec

from backend.auth.principal import Principal, Role
from backend.clock import Clock, local_today
from backend.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from backend.events import service as events
from backend.idempotency import service as idempotency
from backend.pagination import decode_cursor, encode_cursor
from backend.sales_tasks import repository
from backend.sales_tasks.repository import NewTask, TaskFilter
from backend.sales_tasks.schemas import (
    AccountTask,
    AccountTaskBatch,
    DealWithoutTaskPage,
    OverdueTaskPage,
    Owner,
    Replayed,
    SalesTask,
    SalesTaskCreate,
    StuckDealPage,
    TaskKind,
    TaskPage,
    TaskRow,
    TaskStatus,
    TaskUpdate,
)
from backend.settings import Settings
from backend.tasks import service as day_tasks
from backend.tasks.schemas import TaskCreate as DayTaskCreate

CREATE = "sales_task.create"
REMINDER_KIND = "task_reminder"
# A task sent "due now" from a phone arrives a little later; this much in the past is still accepted.
PAST_GRACE = dt.timedelta(minutes=5)
# What the rep's day service calls a field, as this request calls it.
_DAY_FIELDS = {"day": "due_at", "rep_id": "owner_id", "note": "note", "account_id": "account_id"}


def _check_due(due_at: dt.datetime, now: dt.datetime) -> None:
    if due_at < now - PAST_GRACE:
        raise InvalidInput(f"due_at {due_at.isoformat()} is in the past (now is {now.isoformat()})", field="due_at")


def _check_remind(remind_at: dt.datetime | None, due_at: dt.datetime) -> None:
    if remind_at is not None and remind_at > due_at:
        raise InvalidInput("remind_at must not be after due_at", field="remind_at")


def _check_title(title: str) -> None:
    if not title.strip():
        raise InvalidInput("a task needs a title", field="title")


async def _owner(conn: asyncpg.Connection, principal: Principal, owner_id: int) -> Owner:
    if principal.role is Role.REP and owner_id != principal.user_id:
        raise Forbidden("a rep gives tasks only to themselves", field="owner_id")
    owner = await repository.owner_in_scope(conn, principal.role.value, principal.user_id, owner_id)
    if owner is None:
        raise NotFound(f"user {owner_id} not found among the people you may give tasks to", field="owner_id")
    if not owner.is_active:
        raise InvalidInput(f"user {owner_id} is not active", field="owner_id")
    return owner


async def _subject(
    conn: asyncpg.Connection, principal: Principal, account_id: int | None, deal_id: uuid.UUID | None
) -> int | None:
    """The account the task is about (the deal's, when only a deal is given)."""
    role, user_id = principal.role.value, principal.user_id
    if account_id is None and deal_id is None:
        raise InvalidInput("a task is about an account or a deal: give account_id, deal_id or both", field="account_id")
    if deal_id is not None:
        deal = await repository.deal_in_scope(conn, role, user_id, deal_id)
        if deal is None:
            raise NotFound(f"deal {deal_id} not found", field="deal_id")
        if account_id is not None and account_id != deal.account_id:
            raise InvalidInput(
                f"deal {deal_id} is about account {deal.account_id}, not {account_id}", field="account_id"
            )
        return deal.account_id
    assert account_id is not None
    if not await repository.account_in_scope(conn, role, user_id, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")
    return account_id


def _day_note(title: str, note: str | None) -> str:
    return (f"{title}: {note}" if note else title)[:2000]


def _as_task_error(exc: AppError) -> AppError:
    """An error of the rep's day service, naming this request's field."""
    field = _DAY_FIELDS.get(exc.field or "", exc.field)
    if isinstance(exc, InvalidInput | NotFound | Forbidden | Conflict):
        return type(exc)(exc.detail, field=field)
    return exc


async def _plan_visit(
    conn: asyncpg.Connection,
    principal: Principal,
    owner: Owner,
    account_id: int | None,
    due_at: dt.datetime,
    text: str,
    clock: Clock,
) -> int | None:
    """Put a visit task on its rep's day (the local day of `due_at`); None when the owner is no rep
    or the task has no account (nothing to route)."""
    if not owner.is_rep or account_id is None:
        return None
    day = due_at.astimezone(zoneinfo.ZoneInfo(owner.time_zone)).date()
    try:
        planned = await day_tasks.add_task(
            conn, principal, owner.id, DayTaskCreate(account_id=account_id, day=day, kind="task", note=text), clock
        )
    except AppError as exc:
        raise _as_task_error(exc) from exc
    return planned.id


async def _withdraw(conn: asyncpg.Connection, planned_task_id: int | None, clock: Clock) -> bool:
    """Take a visit task's day task off its rep's day if that day has not begun; True if it went."""
    if planned_task_id is None:
        return False
    planned = await repository.planned_day(conn, planned_task_id)
    if planned is None or planned.day <= local_today(clock, planned.time_zone):
        return False
    await repository.withdraw_planned_task(conn, planned_task_id)
    return True


async def create_task(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, request: SalesTaskCreate, clock: Clock
) -> Replayed:
    user_id = principal.user_id
    body = idempotency.fingerprint(request)
    stored = await idempotency.begin(conn, user_id, CREATE, str(request.id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, SalesTask), stored.status_code, True)
    now = clock.now()
    _check_title(request.title)
    _check_due(request.due_at, now)
    _check_remind(request.remind_at, request.due_at)
    owner = await _owner(conn, principal, request.owner_id or user_id)
    account_id = await _subject(conn, principal, request.account_id, request.deal_id)
    planned_task_id = None
    if request.kind is TaskKind.VISIT:
        text = _day_note(request.title, request.note)
        planned_task_id = await _plan_visit(conn, principal, owner, account_id, request.due_at, text, clock)
    inserted = await repository.insert_task(
        conn,
        NewTask(
            id=request.id,
            owner_id=owner.id,
            account_id=account_id,
            deal_id=request.deal_id,
            kind=request.kind.value,
            title=request.title.strip(),
            note=request.note,
            due_at=request.due_at,
            remind_at=request.remind_at,
            created_by=user_id,
            created_at=now,
            planned_task_id=planned_task_id,
        ),
    )
    if not inserted:
        raise Conflict(f"task id {request.id} is already taken; generate a new UUID", field="id")
    task = await get_task(conn, principal, request.id, now)
    await idempotency.finish(conn, user_id, CREATE, str(request.id), 201, task)
    return Replayed(task, 201, False)


async def create_account_tasks(
    conn: asyncpg.Connection,
    principal: Principal,
    tasks: Sequence[AccountTask],
    *,
    kind: str,
    title: str,
    note: str | None,
    due_at: dt.datetime,
    remind_at: dt.datetime | None,
    clock: Clock,
) -> AccountTaskBatch:
    """One open task per (id, account, owner), all with the same fields: the batch behind a segment's
    tasks. The task rules of `create_task` hold, stricter where no phone is in between: `due_at` not
    before now (no grace) and `remind_at` not in the past (a batch would remind everyone at once).
    Each account must be one the caller sees (404 `account_id`); each owner is given by the caller (an
    account's manager or territory owner, not necessarily someone the caller sees) and must be active
    (422 `owner_id`). Ids already stored are left alone (`existing`), so a batch resent creates
    nothing twice. A visit task of a rep goes on the rep's day as in `create_task`; when the day
    refuses it (an account outside the rep's territories), the task is created all the same and its
    account listed in `not_routed_account_ids`. Checks come first: a refused batch stores nothing."""
    now = clock.now()
    try:
        task_kind = TaskKind(kind)
    except ValueError as exc:
        raise InvalidInput(f"unknown task kind {kind!r}", field="kind") from exc
    _check_title(title)
    if due_at < now:
        raise InvalidInput(f"due_at {due_at.isoformat()} is in the past (now is {now.isoformat()})", field="due_at")
    _check_remind(remind_at, due_at)
    if remind_at is not None and remind_at < now:
        raise InvalidInput("remind_at must not be in the past", field="remind_at")
    role, user_id = principal.role.value, principal.user_id
    owners: dict[int, Owner] = {}
    for task in tasks:
        if task.owner_id not in owners:
            owner = await repository.task_owner(conn, task.owner_id)
            if owner is None or not owner.is_active:
                raise InvalidInput(f"user {task.owner_id} is not an active user", field="owner_id")
            owners[task.owner_id] = owner
        if not await repository.account_in_scope(conn, role, user_id, task.account_id):
            raise NotFound(f"account {task.account_id} not found", field="account_id")
    existing = await repository.existing_task_ids(conn, [task.id for task in tasks])
    created: list[uuid.UUID] = []
    not_routed: list[int] = []
    text = _day_note(title, note)
    for task in tasks:
        if task.id in existing:
            continue
        inserted = await repository.insert_task(
            conn,
            NewTask(
                id=task.id,
                owner_id=task.owner_id,
                account_id=task.account_id,
                deal_id=None,
                kind=task_kind.value,
                title=title.strip(),
                note=note,
                due_at=due_at,
                remind_at=remind_at,
                created_by=user_id,
                created_at=now,
                planned_task_id=None,
            ),
        )
        if not inserted:  # written meanwhile by a concurrent copy of the batch
            existing.add(task.id)
            continue
        created.append(task.id)
        if task_kind is TaskKind.VISIT:
            try:
                planned = await _plan_visit(
                    conn, principal, owners[task.owner_id], task.account_id, due_at, text, clock
                )
            except AppError:
                not_routed.append(task.account_id)
                continue
            if planned is not None:
                await repository.set_planned_task(conn, task.id, planned)
    return AccountTaskBatch(
        created=created, existing=[task.id for task in tasks if task.id in existing], not_routed_account_ids=not_routed
    )


async def get_task(conn: asyncpg.Connection, principal: Principal, task_id: uuid.UUID, now: dt.datetime) -> SalesTask:
    task = await repository.task_in_scope(conn, principal.role.value, principal.user_id, task_id, now)
    if task is None:
        raise NotFound(f"task {task_id} not found", field="task_id")
    return task


def _keyset(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    at_text, id_text = decode_cursor(cursor, (str, str))
    try:
        at = dt.datetime.fromisoformat(str(at_text))
        return at, uuid.UUID(str(id_text))
    except ValueError as exc:
        raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc


def _next_cursor(at: dt.datetime, item_id: uuid.UUID) -> str:
    return encode_cursor([at.isoformat(), str(item_id)])


async def list_tasks(
    conn: asyncpg.Connection,
    principal: Principal,
    now: dt.datetime,
    *,
    owner_id: int | None,
    status: TaskStatus | None,
    overdue: bool | None,
    account_id: int | None,
    deal_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> TaskPage:
    """The caller's own tasks unless `owner_id`, `account_id` or `deal_id` says whose or about what."""
    role, user_id = principal.role.value, principal.user_id
    if owner_id is not None and await repository.owner_in_scope(conn, role, user_id, owner_id) is None:
        raise NotFound(f"user {owner_id} not found", field="owner_id")
    if account_id is not None and not await repository.account_in_scope(conn, role, user_id, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")
    if deal_id is not None and await repository.deal_in_scope(conn, role, user_id, deal_id) is None:
        raise NotFound(f"deal {deal_id} not found", field="deal_id")
    if owner_id is None and account_id is None and deal_id is None:
        owner_id = user_id
    filters = TaskFilter(
        owner_id=owner_id,
        status=status.value if status is not None else None,
        overdue=overdue,
        account_id=account_id,
        deal_id=deal_id,
    )
    items = await repository.list_tasks(conn, role, user_id, now, filters, _keyset(cursor), limit + 1)
    if len(items) <= limit:
        return TaskPage(items=items, next_cursor=None)
    last = items[limit - 1]
    return TaskPage(items=items[:limit], next_cursor=_next_cursor(last.due_at, last.id))


async def _for_change(conn: asyncpg.Connection, principal: Principal, task_id: uuid.UUID) -> TaskRow:
    row = await repository.task_for_change(conn, principal.role.value, principal.user_id, task_id)
    if row is None:
        raise NotFound(f"task {task_id} not found", field="task_id")
    if not row.changeable:
        raise Forbidden("only the task's owner, their supervisor or an admin may change it")
    return row


async def close_task(
    conn: asyncpg.Connection, principal: Principal, task_id: uuid.UUID, target: TaskStatus, clock: Clock
) -> SalesTask:
    """open -> done or cancelled; to the current status changes nothing; else 409 (`status`)."""
    row = await _for_change(conn, principal, task_id)
    now = clock.now()
    if row.status != target.value:
        if row.status != TaskStatus.OPEN.value:
            raise Conflict(f"the task is {row.status}; only an open task can become {target.value}", field="status")
        await repository.close_task(conn, task_id, target.value, now)
        await _withdraw(conn, row.planned_task_id, clock)
    return await get_task(conn, principal, task_id, now)


async def update_task(
    conn: asyncpg.Connection, principal: Principal, task_id: uuid.UUID, data: TaskUpdate, clock: Clock
) -> SalesTask:
    row = await _for_change(conn, principal, task_id)
    if row.status != TaskStatus.OPEN.value:
        raise Conflict(f"the task is {row.status}; only open tasks are edited", field="status")
    now = clock.now()
    title = row.title if data.title is msgspec.UNSET else data.title.strip()
    _check_title(title)
    due_at = row.due_at
    if data.due_at is not msgspec.UNSET:
        due_at = data.due_at
        _check_due(due_at, now)
    remind_at = row.remind_at if data.remind_at is msgspec.UNSET else data.remind_at
    _check_remind(remind_at, due_at)
    note = row.note if data.note is msgspec.UNSET else data.note
    owner_id = row.owner_id if data.owner_id is msgspec.UNSET else data.owner_id
    if owner_id != row.owner_id:
        owner = await _owner(conn, principal, owner_id)
    else:
        found = await repository.owner_in_scope(conn, principal.role.value, principal.user_id, owner_id)
        assert found is not None  # the task is changeable: its owner is someone the caller sees
        owner = found
    if row.kind == TaskKind.VISIT.value:
        await _replan_visit(conn, principal, row, owner, due_at, _day_note(title, note), clock)
    await repository.update_task(
        conn, task_id, owner_id=owner.id, title=title, note=note, due_at=due_at, remind_at=remind_at, now=now
    )
    return await get_task(conn, principal, task_id, now)


async def _replan_visit(
    conn: asyncpg.Connection,
    principal: Principal,
    row: TaskRow,
    owner: Owner,
    due_at: dt.datetime,
    text: str,
    clock: Clock,
) -> None:
    """A visit task whose local day or owner changed: off the old day (if not begun), on the new one."""
    new_day = due_at.astimezone(zoneinfo.ZoneInfo(owner.time_zone)).date()
    planned = await repository.planned_day(conn, row.planned_task_id) if row.planned_task_id is not None else None
    if planned is not None and planned.rep_id == owner.id and planned.day == new_day:
        return
    await _withdraw(conn, row.planned_task_id, clock)
    planned_task_id = await _plan_visit(conn, principal, owner, row.account_id, due_at, text, clock)
    await repository.set_planned_task(conn, row.id, planned_task_id)


async def send_due_reminders(conn: asyncpg.Connection, now: dt.datetime, limit: int = 500) -> int:
    """Notify each owner of their open tasks whose remind time has come (once each); the caller
    commits. Returns how many were sent (at most `limit`; the next run sends the rest)."""
    due = await repository.due_reminders(conn, now, limit)
    for task in due:
        payload = {
            "task_id": str(task.id),
            "title": task.title,
            "due_at": task.due_at.isoformat(),
            "account_id": task.account_id,
            "deal_id": str(task.deal_id) if task.deal_id is not None else None,
        }
        await events.notify(conn, task.owner_id, REMINDER_KIND, payload, now)
        await repository.mark_reminded(conn, task.id, now)
    return len(due)


# ---- control lists -------------------------------------------------------------------------------


async def _owner_filter(conn: asyncpg.Connection, principal: Principal, owner_id: int | None) -> None:
    if owner_id is not None and (
        await repository.owner_in_scope(conn, principal.role.value, principal.user_id, owner_id) is None
    ):
        raise NotFound(f"user {owner_id} not found", field="owner_id")


async def overdue_tasks(
    conn: asyncpg.Connection,
    principal: Principal,
    now: dt.datetime,
    *,
    owner_id: int | None,
    cursor: str | None,
    limit: int,
) -> OverdueTaskPage:
    """Open tasks due before now in the caller's read scope, most overdue first."""
    await _owner_filter(conn, principal, owner_id)
    items = await repository.overdue_tasks(
        conn, principal.role.value, principal.user_id, now, owner_id, _keyset(cursor), limit + 1
    )
    if len(items) <= limit:
        return OverdueTaskPage(items=items, next_cursor=None)
    last = items[limit - 1]
    return OverdueTaskPage(items=items[:limit], next_cursor=_next_cursor(last.due_at, last.id))


async def deals_without_task(
    conn: asyncpg.Connection, principal: Principal, *, owner_id: int | None, cursor: str | None, limit: int
) -> DealWithoutTaskPage:
    """Open deals on accounts the caller sees with no open task about them, longest in stage first."""
    await _owner_filter(conn, principal, owner_id)
    items = await repository.deals_without_task(
        conn, principal.role.value, principal.user_id, owner_id, _keyset(cursor), limit + 1
    )
    if len(items) <= limit:
        return DealWithoutTaskPage(items=items, next_cursor=None)
    last = items[limit - 1]
    return DealWithoutTaskPage(items=items[:limit], next_cursor=_next_cursor(last.stage_entered_at, last.deal_id))


async def stuck_deals(
    conn: asyncpg.Connection,
    principal: Principal,
    now: dt.datetime,
    *,
    owner_id: int | None,
    cursor: str | None,
    limit: int,
) -> StuckDealPage:
    """Open deals longer in their stage than its norm, the longest over first."""
    await _owner_filter(conn, principal, owner_id)
    items = await repository.stuck_deals(
        conn, principal.role.value, principal.user_id, now, owner_id, _keyset(cursor), limit + 1
    )
    if len(items) <= limit:
        return StuckDealPage(items=items, next_cursor=None)
    last = items[limit - 1]
    stuck_since = last.stage_entered_at + dt.timedelta(days=last.norm_days)
    return StuckDealPage(items=items[:limit], next_cursor=_next_cursor(stuck_since, last.deal_id))
