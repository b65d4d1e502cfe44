"""Segment structs: requests (unknown fields refused), what the repository returns and the API answers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

Visibility = Literal["private", "team", "everyone"]
TaskKind = Literal["call", "visit", "send_offer", "follow_up"]

RULES_DOC = (
    "Conditions that must all hold: each {field, op, value} (within_days for the category fields), or "
    "{any_of: [conditions]} where one must hold. Fields: channel, account_class, status, city, territory_id, "
    "category_bought, category_not_bought, last_order_age_days, turnover_band, deal_stage, deal_pipeline. "
    "Ops: eq, ne, in, not_in (value fields); eq, in (category fields); gt, gte, lt, lte, eq, between, never "
    "(last_order_age_days). Refused with 422 naming the part, e.g. rules[2].field or rules[0].any_of[1].value."
)
Rules = Annotated[
    list[dict[str, Any]],
    msgspec.Meta(
        description=RULES_DOC,
        examples=[
            [
                {"field": "channel", "op": "eq", "value": "horeca"},
                {"field": "category_not_bought", "op": "in", "value": ["sparkling"], "within_days": 90},
                {
                    "any_of": [
                        {"field": "last_order_age_days", "op": "gt", "value": 30},
                        {"field": "last_order_age_days", "op": "never"},
                    ]
                },
            ]
        ],
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]


class SegmentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A segment to create or replace (PUT replaces every field)."""

    name: Name
    rules: Rules
    description: Description | None = None
    visibility: Visibility = "team"


class PreviewRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    rules: Rules
    limit: Annotated[int, msgspec.Meta(ge=0, le=100)] = 20


class Segment(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    description: str | None
    rules: list[dict[str, Any]]
    visibility: Visibility
    owner_id: int
    owner_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    # When the members were last re-evaluated (the worker's timer, or a save); null: not yet.
    evaluated_at: dt.datetime | None
    # Members in the caller's scope as of evaluated_at.
    member_count: int = 0


class SegmentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    description: str | None
    rules: str
    visibility: Visibility
    owner_id: int
    owner_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    evaluated_at: dt.datetime | None
    member_count: int = 0


class SegmentPage(msgspec.Struct, frozen=True):
    items: list[Segment]
    next_cursor: str | None


class Member(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    address: str | None
    channel: str
    account_class: str
    status: str
    territory_id: int | None
    account_manager_id: int | None
    # Since when the account is a member (null in a preview: nothing is stored).
    entered_at: dt.datetime | None


class MemberPage(msgspec.Struct, frozen=True):
    items: list[Member]
    next_cursor: str | None
    evaluated_at: dt.datetime | None


class Preview(msgspec.Struct, frozen=True):
    """What the rules select now, in the caller's scope; nothing is stored."""

    count: int
    first: list[Member]


class Evaluation(msgspec.Struct, frozen=True):
    segment_id: int
    members: int
    entered: int
    exited: int


class MembershipChange(msgspec.Struct, frozen=True):
    id: int
    account_id: int
    account_name: str
    change: Literal["entered", "left"]
    changed_at: dt.datetime


class SegmentChangePage(msgspec.Struct, frozen=True):
    items: list[MembershipChange]
    next_cursor: str | None


class TaskBatchRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`id` names the batch: each member's task id derives from it and the account, so sending the same
    batch again creates nothing twice (the same id with other task fields: 409)."""

    id: uuid.UUID
    kind: TaskKind
    title: Name
    due_at: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    remind_at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    note: Description | None = None


class TaskTarget(msgspec.Struct, frozen=True):
    account_id: int
    owner_id: int | None


class ExistingTask(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int | None
    owner_id: int
    kind: str
    title: str
    note: str | None
    due_at: dt.datetime
    remind_at: dt.datetime | None


class TaskBatch(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    # Tasks created now, tasks this batch had created before (a replay), members without anyone to
    # own a task (no active manager, no active territory owner): their ids.
    created: int
    already_created: int
    skipped_account_ids: list[int]
    # Members whose visit task their rep's day refused (an account outside the rep's territories):
    # the task exists, it is just not routed.
    not_routed_account_ids: list[int]
