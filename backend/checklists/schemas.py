"""Checklist templates (admin, versioned) and a visit's answers with its score."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.errors import InvalidInput
from visits.checklists import Answer, Item, ScorePart

ChannelName = Literal["horeca", "retail", "other"]
ClassName = Literal["A", "B", "C"]


class TemplateRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A template; posting an existing `code` creates its next version."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    items: Annotated[list[Item], msgspec.Meta(max_length=300)]
    channels: list[ChannelName] = []
    classes: list[ClassName] = []
    account_ids: list[int] = []


class Template(msgspec.Struct, frozen=True):
    id: int
    code: str
    version: int
    name: str
    items: list[Item]
    channels: list[str]
    classes: list[str]
    account_ids: list[int]
    is_active: bool
    created_at: datetime


class TemplateList(msgspec.Struct, frozen=True):
    items: list[Template]


class ChecklistRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    template_id: int  # the version (row id) the answers were filled on
    answers: Annotated[list[Answer], msgspec.Meta(max_length=300)]
    answered_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None  # device clock


class ChecklistResult(msgspec.Struct, frozen=True):
    visit_id: uuid.UUID
    template_id: int
    template_code: str
    template_version: int
    answers: list[Answer]
    score_pct: float | None
    score_parts: list[ScorePart]
    answered_at: datetime | None
    received_at: datetime


class VisitChecklist(msgspec.Struct, frozen=True):
    """What the phone needs for a visit: the assigned templates, and the answers already stored."""

    templates: list[Template]
    results: list[ChecklistResult]


class VisitRef(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rep_id: int
    account_id: int


class ItemsInvalid(InvalidInput):
    """422 naming each bad item: `errors` is a list of {field, message} (field = answers.<item key>)."""

    def __init__(self, detail: str, errors: list[dict[str, Any]], *, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.errors = errors
