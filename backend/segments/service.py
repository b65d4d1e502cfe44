"""Saved rule-based segments of accounts: who may do what, evaluation, entering and leaving, tasks.

- **Who.** Supervisors and admins create segments; a segment can be changed or deleted by its owner
  or an admin (another supervisor: 403). Reading and using a segment (its members, counts, changes,
  and as a filter of the account lists and the KPI report) follows its visibility, through the scope
  functions (no role is named in SQL): every segment can be read by those whose scope
  (``visible_rep_ids``) holds its owner: the owner and admins; a `team` segment also by those in the
  owner's scope (a supervisor's team); an `everyone` segment by every user. A segment the caller may
  not read answers 404.
- **Members** are the same for everyone (the rules select accounts, not people); what a caller is
  shown is always cut to the accounts they may see (``visible_account_ids``): counts, member lists,
  changes, previews and tasks.
- **Entering and leaving.** The stored members are re-evaluated on every save and by the worker's
  timer (each segment at most every ``FIELDSALES_SEGMENT_REFRESH_INTERVAL_S`` of business time):
  every account that now matches and did not is written as `entered`, every one that no longer
  matches as `left`, at the business time of the evaluation. Changes are kept
  ``FIELDSALES_SEGMENT_CHANGES_KEEP_DAYS``.
- **Rules** are checked by `rules.check_rules` (422 naming `rules[i].field`, `.op`, `.value`);
  category codes, pipelines and stages must exist (422 naming the value). Evaluated on the business
  day of the clock in FIELDSALES_PLANNING_TIME_ZONE with the fact statuses of FIELDSALES_SALES_FACT_FROM.
- **Tasks for a segment**: one open CRM task per member in the caller's scope, owned by the
  account's manager (when active), else the owner of its territory (when active); members with
  neither are skipped and listed. The tasks are created by the tasks feature
  (`backend.sales_tasks.service.create_account_tasks`), under its rules (due and reminder times, a
  visit task on its rep's day). The batch id makes a resend create nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
import zoneinfo
from typing import Any

import asyncpg

from backend.auth.principal import Principal, Role
from backend.clock import Clock
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.orders.rules import fact_statuses
from backend.pagination import decode_cursor, decode_name_cursor, encode_cursor
from backend.sales_tasks import service as sales_tasks
from backend.sales_tasks.schemas import AccountTask
from backend.segments import repository
from backend.segments.repository import Facts
from backend.segments.rules import CATEGORY_FIELDS, Clause, TurnoverBands, check_rules, codes_named
from backend.segments.schemas import (
    Evaluation,
    MemberPage,
    Preview,
    PreviewRequest,
    Segment,
    SegmentChangePage,
    SegmentPage,
    SegmentRequest,
    SegmentRow,
    TaskBatch,
    TaskBatchRequest,
)
from backend.settings import Settings

log = logging.getLogger("fieldsales.segments")


def facts_for(settings: Settings, now: dt.datetime) -> Facts:
    """The facts rules are evaluated against at business time `now`."""
    return Facts(
        today=now.astimezone(zoneinfo.ZoneInfo(settings.planning_time_zone)).date(),
        fact_statuses=fact_statuses(settings.sales_fact_from),
        bands=TurnoverBands(
            a=settings.segment_turnover_band_a, b=settings.segment_turnover_band_b, c=settings.segment_turnover_band_c
        ),
    )


async def checked_rules(conn: asyncpg.Connection, raw: Any) -> tuple[list[Clause], list[dict[str, Any]]]:
    """The rules checked in form (rules.py) and against the catalogue and the pipelines."""
    clauses, stored = check_rules(raw)
    lookups = (
        (CATEGORY_FIELDS, repository.known_category_keys, "no product category has the code or path"),
        (frozenset({"deal_pipeline"}), repository.known_pipeline_codes, "no pipeline has the code"),
        (frozenset({"deal_stage"}), repository.known_stage_keys, "no pipeline stage has the code"),
    )
    for fields, known_of, message in lookups:
        named = codes_named(clauses, fields)
        if not named:
            continue
        known = await known_of(conn, sorted({str(value) for _, value in named}))
        for where, value in named:
            if value not in known:
                raise InvalidInput(f"{message} {value!r}", field=where)
    return clauses, stored


def _segment(row: SegmentRow, member_count: int | None = None) -> Segment:
    return Segment(
        id=row.id,
        name=row.name,
        description=row.description,
        rules=json.loads(row.rules),
        visibility=row.visibility,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        evaluated_at=row.evaluated_at,
        member_count=row.member_count if member_count is None else member_count,
    )


async def readable(
    conn: asyncpg.Connection, principal: Principal, segment_id: int, field: str = "segment_id"
) -> SegmentRow:
    """The segment when the caller may read it, else 404 naming `field`."""
    row = await repository.readable_segment(conn, segment_id, principal.role.value, principal.user_id)
    if row is None:
        raise NotFound(f"segment {segment_id} not found", field=field)
    return row


async def require_readable(conn: asyncpg.Connection, principal: Principal, segment_id: int | None) -> None:
    """For the filters of other features (`segment_id` of the account lists and reports): 404 naming
    `segment_id` unless the caller may read the segment."""
    if segment_id is not None:
        await readable(conn, principal, segment_id)


async def _editable(conn: asyncpg.Connection, principal: Principal, segment_id: int) -> SegmentRow:
    row = await readable(conn, principal, segment_id)
    if principal.role is not Role.ADMIN and row.owner_id != principal.user_id:
        raise Forbidden("only the segment's owner or an admin changes it", field="segment_id")
    return row


async def _check_name(conn: asyncpg.Connection, owner_id: int, name: str, segment_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be blank", field="name")
    if await repository.name_taken(conn, owner_id, name, segment_id):
        raise Conflict(f"you already have a segment named {name!r}", field="name")
    return name


async def evaluate(conn: asyncpg.Connection, segment_id: int, facts: Facts, now: dt.datetime) -> Evaluation:
    """Re-evaluate one segment's members now, writing who entered and who left."""
    await repository.lock_segment(conn, segment_id)
    stored = await repository.segment_rules(conn, segment_id)
    if stored is None:
        raise NotFound(f"segment {segment_id} not found", field="segment_id")
    # Stored rules were checked when saved; checking again keeps one path from rules to SQL (a
    # category deleted since then simply selects nothing).
    clauses, _ = check_rules(stored)
    members = await repository.matching_account_ids(conn, clauses, facts)
    entered, exited = await repository.apply_members(conn, segment_id, members, now)
    return Evaluation(segment_id=segment_id, members=len(members), entered=entered, exited=exited)


async def evaluate_due(conn: asyncpg.Connection, settings: Settings, now: dt.datetime) -> list[Evaluation]:
    """Every segment not evaluated within FIELDSALES_SEGMENT_REFRESH_INTERVAL_S of `now` (business
    time), re-evaluated; then changes older than FIELDSALES_SEGMENT_CHANGES_KEEP_DAYS are purged."""
    facts = facts_for(settings, now)
    due = await repository.due_segment_ids(conn, now - dt.timedelta(seconds=settings.segment_refresh_interval_s))
    done = [await evaluate(conn, segment_id, facts, now) for segment_id in due]
    purged = await repository.purge_changes(conn, now - dt.timedelta(days=settings.segment_changes_keep_days))
    moved = [item for item in done if item.entered or item.exited]
    if moved or purged:
        log.info(
            "segments: %s evaluated, %s entered, %s left, %s old changes purged",
            len(done),
            sum(item.entered for item in moved),
            sum(item.exited for item in moved),
            purged,
        )
    return done


async def create_segment(
    conn: asyncpg.Connection, principal: Principal, request: SegmentRequest, settings: Settings, now: dt.datetime
) -> Segment:
    name = await _check_name(conn, principal.user_id, request.name, None)
    _, stored = await checked_rules(conn, request.rules)
    segment_id = await repository.insert_segment(
        conn,
        name=name,
        description=request.description,
        rules=stored,
        visibility=request.visibility,
        owner_id=principal.user_id,
        now=now,
    )
    await evaluate(conn, segment_id, facts_for(settings, now), now)
    return await get_segment(conn, principal, segment_id)


async def update_segment(
    conn: asyncpg.Connection,
    principal: Principal,
    segment_id: int,
    request: SegmentRequest,
    settings: Settings,
    now: dt.datetime,
) -> Segment:
    row = await _editable(conn, principal, segment_id)
    name = await _check_name(conn, row.owner_id, request.name, segment_id)
    _, stored = await checked_rules(conn, request.rules)
    await repository.update_segment(
        conn,
        segment_id,
        name=name,
        description=request.description,
        rules=stored,
        visibility=request.visibility,
        now=now,
    )
    await evaluate(conn, segment_id, facts_for(settings, now), now)
    return await get_segment(conn, principal, segment_id)


async def delete_segment(conn: asyncpg.Connection, principal: Principal, segment_id: int) -> None:
    await _editable(conn, principal, segment_id)
    await repository.delete_segment(conn, segment_id)


async def get_segment(conn: asyncpg.Connection, principal: Principal, segment_id: int) -> Segment:
    row = await readable(conn, principal, segment_id)
    count = await repository.member_count(conn, segment_id, principal.role.value, principal.user_id)
    return _segment(row, count)


async def list_segments(
    conn: asyncpg.Connection, principal: Principal, *, cursor: str | None = None, limit: int = 50
) -> SegmentPage:
    after = None if cursor is None else decode_name_cursor(cursor)
    rows = await repository.list_segments(conn, principal.role.value, principal.user_id, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return SegmentPage(
        items=[_segment(row) for row in rows],
        next_cursor=encode_cursor([rows[-1].name, rows[-1].id]) if more else None,
    )


async def preview(
    conn: asyncpg.Connection, principal: Principal, request: PreviewRequest, settings: Settings, now: dt.datetime
) -> Preview:
    """What the rules would select now, in the caller's scope; nothing is stored."""
    clauses, _ = await checked_rules(conn, request.rules)
    role, user_id = principal.role.value, principal.user_id
    ids = await repository.matching_account_ids_in_scope(conn, clauses, facts_for(settings, now), role, user_id)
    first = await repository.account_briefs(conn, ids, role, user_id, request.limit) if request.limit else []
    return Preview(count=len(ids), first=first)


async def list_members(
    conn: asyncpg.Connection, principal: Principal, segment_id: int, *, cursor: str | None = None, limit: int = 50
) -> MemberPage:
    row = await readable(conn, principal, segment_id)
    after = None if cursor is None else decode_name_cursor(cursor)
    items = await repository.list_members(conn, segment_id, principal.role.value, principal.user_id, after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor([items[-1].name, items[-1].id]) if more else None
    return MemberPage(items=items, next_cursor=next_cursor, evaluated_at=row.evaluated_at)


async def list_changes(
    conn: asyncpg.Connection, principal: Principal, segment_id: int, *, cursor: str | None = None, limit: int = 50
) -> SegmentChangePage:
    await readable(conn, principal, segment_id)
    before = None
    if cursor is not None:
        (value,) = decode_cursor(cursor, (int,))
        assert isinstance(value, int)
        before = value
    items = await repository.list_changes(conn, segment_id, principal.role.value, principal.user_id, before, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return SegmentChangePage(items=items, next_cursor=encode_cursor([items[-1].id]) if more else None)


def task_id(batch_id: uuid.UUID, account_id: int) -> uuid.UUID:
    """The id of a batch's task at one account: the same batch sent again names the same tasks."""
    return uuid.uuid5(batch_id, f"segment-task:{account_id}")


async def create_tasks(
    conn: asyncpg.Connection, principal: Principal, segment_id: int, request: TaskBatchRequest, clock: Clock
) -> TaskBatch:
    """The segment's members in the caller's scope, each with its task owner, handed to the tasks
    feature (`backend.sales_tasks.service.create_account_tasks`: the task rules live there)."""
    await readable(conn, principal, segment_id)
    targets = await repository.task_targets(conn, segment_id, principal.role.value, principal.user_id)
    owned = [
        AccountTask(id=task_id(request.id, t.account_id), account_id=t.account_id, owner_id=t.owner_id)
        for t in targets
        if t.owner_id is not None
    ]
    skipped = [t.account_id for t in targets if t.owner_id is None]
    existing = await repository.existing_tasks(conn, [task.id for task in owned])
    wanted = (request.kind, request.title.strip(), request.note, request.due_at, request.remind_at)
    for task in existing:
        if (task.kind, task.title, task.note, task.due_at, task.remind_at) != wanted:
            raise Conflict(f"task batch {request.id} was sent before with other task fields", field="id")
    batch = await sales_tasks.create_account_tasks(
        conn,
        principal,
        owned,
        kind=request.kind,
        title=request.title,
        note=request.note,
        due_at=request.due_at,
        remind_at=request.remind_at,
        clock=clock,
    )
    return TaskBatch(
        id=request.id,
        created=len(batch.created),
        already_created=len(batch.existing),
        skipped_account_ids=skipped,
        not_routed_account_ids=batch.not_routed_account_ids,
    )
