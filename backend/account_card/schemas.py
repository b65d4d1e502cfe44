"""The account card: requests and answers of the card, its contacts, notes, edits and timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from backend.accounts.schemas import Account, AccountStatus


class ContactRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    SOMMELIER = "sommelier"
    BUYER = "buyer"
    BARTENDER = "bartender"
    OTHER = "other"


class TimelineKind(StrEnum):
    VISIT = "visit"
    CHECKLIST = "checklist"
    PHOTO = "photo"
    ORDER = "order"
    DEAL = "deal"
    STAGE_CHANGE = "stage_change"
    HANDOVER = "handover"
    TASK = "task"
    CALL = "call"
    MEETING = "meeting"
    MESSAGE = "message"
    NOTE = "note"


class Entity(StrEnum):
    ACCOUNT = "account"
    CONTACT = "contact"
    NOTE = "note"


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
PhoneText = Annotated[str, msgspec.Meta(min_length=1, max_length=40, description="any local or international spelling")]
Phones = Annotated[list[PhoneText], msgspec.Meta(max_length=10, description="stored as E.164")]
Email = Annotated[str, msgspec.Meta(max_length=254)]
NoteText = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
HoursText = Annotated[str, msgspec.Meta(max_length=500, description="OSM opening_hours or HH:MM-HH:MM")]


# ---- requests ---------------------------------------------------------------------------------------


class ContactCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID  # client-generated: the idempotency key
    name: Name
    role: ContactRole
    phones: Phones = []
    email: Email | None = None
    # null: not asked; true: given; false: withdrawn or refused.
    consent_calls: bool | None = None
    consent_sms: bool | None = None
    consent_email: bool | None = None


class ContactUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; `email: null` clears the e-mail, `phones: []` the phones."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    role: ContactRole | msgspec.UnsetType = msgspec.UNSET
    phones: Phones | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType | None = msgspec.UNSET
    consent_calls: bool | msgspec.UnsetType | None = msgspec.UNSET
    consent_sms: bool | msgspec.UnsetType | None = msgspec.UNSET
    consent_email: bool | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class NoteCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID  # client-generated: the idempotency key
    text: NoteText


class AccountUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The fields a rep may correct in the field; any other field is refused (422 naming it)."""

    phones: Phones | msgspec.UnsetType = msgspec.UNSET
    status: AccountStatus | msgspec.UnsetType = msgspec.UNSET
    # null clears the hours (the account is then open whenever the channel's default says).
    opening_hours: HoursText | msgspec.UnsetType | None = msgspec.UNSET


# ---- answers ----------------------------------------------------------------------------------------


class Person(msgspec.Struct, frozen=True):
    id: int
    name: str
    sales_role: str | None


class DealOwner(msgspec.Struct, frozen=True):
    deal_id: uuid.UUID
    title: str | None
    stage: str
    owner: Person


class Consent(msgspec.Struct, frozen=True):
    granted: bool | None  # null: not asked
    at: datetime | None  # when last given or withdrawn


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    name: str
    role: ContactRole
    phones: list[str]
    email: str | None
    consent_calls: Consent
    consent_sms: Consent
    consent_email: Consent
    is_active: bool
    created_at: datetime
    updated_at: datetime


class Note(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    author: Person | None
    text: str
    created_at: datetime


class Change(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: int
    entity: Entity
    entity_id: str
    field: str
    old_value: Any
    new_value: Any
    changed_by: Person | None
    changed_at: datetime
    client_change_id: str | None


class AccountChangePage(msgspec.Struct, frozen=True):
    items: list[Change]
    next_cursor: str | None


# Timeline items: one struct per kind, told apart by `kind`. Every item has `at` (when it happened),
# `id` (the object's id as text: a UUID or a number), a short `summary` and `user` (who did it).


class _Item(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    at: datetime
    id: str
    summary: str = ""
    user: Person | None = None


class VisitItem(_Item, tag="visit", frozen=True):
    checked_in_at: datetime
    checked_out_at: datetime | None
    flags: list[str]


class ChecklistItem(_Item, tag="checklist", frozen=True):
    visit_id: uuid.UUID
    template_id: int
    template_name: str
    score_pct: float | None


class PhotoItem(_Item, tag="photo", frozen=True):
    visit_id: uuid.UUID
    item_key: str | None
    flags: list[str]


class OrderItem(_Item, tag="order", frozen=True):
    status: str
    total_amount: Decimal
    line_count: int
    order_day: str


class DealItem(_Item, tag="deal", frozen=True):
    title: str | None
    pipeline: str
    stage: str
    status: str
    amount: Decimal | None
    source: str


class StageChangeItem(_Item, tag="stage_change", frozen=True):
    deal_id: uuid.UUID
    deal_title: str | None
    from_stage: str | None
    to_stage: str


class HandoverItem(_Item, tag="handover", frozen=True):
    deal_id: uuid.UUID | None
    from_user: Person | None
    to_user: Person
    reason: str


class TaskItem(_Item, tag="task", frozen=True):
    task_kind: str
    title: str
    status: str
    due_at: datetime
    done_at: datetime | None
    deal_id: uuid.UUID | None


class _ActivityFields(_Item, frozen=True):
    direction: str | None
    duration_s: int | None
    outcome: str | None
    note: str | None
    deal_id: uuid.UUID | None


class CallItem(_ActivityFields, tag="call", frozen=True):
    pass


class MeetingItem(_ActivityFields, tag="meeting", frozen=True):
    pass


class MessageItem(_ActivityFields, tag="message", frozen=True):
    pass


class NoteItem(_Item, tag="note", frozen=True):
    text: str


TimelineItem = (
    VisitItem
    | ChecklistItem
    | PhotoItem
    | OrderItem
    | DealItem
    | StageChangeItem
    | HandoverItem
    | TaskItem
    | CallItem
    | MeetingItem
    | MessageItem
    | NoteItem
)


class AccountCard(msgspec.Struct, frozen=True, kw_only=True):
    account: Account
    # True when the caller only reads it (they handed it over): edits answer 403.
    read_only: bool
    territory_rep: Person | None  # the owner rep of the account's territory
    account_manager: Person | None  # accounts.account_manager_id: the farmer or KAM growing it
    deal_owners: list[DealOwner]  # owners of its open deals
    contacts: list[Contact]  # active ones first, then by name
    notes: list[Note]  # the latest, newest first
    timeline: list[TimelineItem]  # newest first
    # Set when the timeline has older items: pass it as `cursor` for the next page.
    next_cursor: str | None


class ContactReplayed(msgspec.Struct, frozen=True):
    contact: Contact
    status_code: int
    replayed: bool


class NoteReplayed(msgspec.Struct, frozen=True):
    note: Note
    status_code: int
    replayed: bool


class AccountReplayed(msgspec.Struct, frozen=True):
    account: Account
    status_code: int
    replayed: bool


# ---- repository rows --------------------------------------------------------------------------------


class Access(msgspec.Struct, frozen=True):
    """The caller may read the account; `writable`: may also edit it (not only a previous owner)."""

    account_id: int
    writable: bool


class AccountRow(msgspec.Struct, frozen=True):
    """The editable fields of an account, as they are before an edit."""

    id: int
    phones: list[str]
    status: AccountStatus
    opening_hours_raw: str | None
