"""What the phone downloads to work offline for the day."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.account_card.schemas import Contact, Note
from backend.accounts.schemas import Account
from backend.checklists.schemas import Template
from backend.events.schemas import Notification
from backend.routes.schemas import DayRoute


class ChangeEntry(msgspec.Struct, frozen=True):
    seq: int
    entity: str
    entity_id: int
    rep_ids: list[int]


class RouteVersion(msgspec.Struct, frozen=True):
    """A route version published since the cursor (a new version replaces the day's route)."""

    route_id: int
    day: dt.date
    version: int
    kind: str
    published_at: dt.datetime
    etag: str = ""


class SyncChanges(msgspec.Struct, frozen=True, kw_only=True):
    """Apply in order: when `full`, replace everything kept offline (the first page of a full answer
    says so; its later pages, `more` apart, add to it); else upsert the accounts and templates given
    and remove the deleted ids. Keep `cursor` for the next call; while `more` is true, call again
    at once with it. `resync` says why an answer is full: `first_sync` (no cursor), `territory_changed`
    (the rep's territories changed hands) or `cursor_past_horizon` (the cursor is older than the
    sync horizon, FIELDSALES_SYNC_HORIZON_DAYS: the changes it would need are no longer kept)."""

    cursor: str
    full: bool
    more: bool = False
    resync: str | None = None
    accounts: list[Account]
    deleted_account_ids: list[int]
    checklist_templates: list[Template]  # template versions (answers refer to the version's id)
    deleted_template_ids: list[int]  # versions withdrawn (is_active false)
    routes: list[DayRoute]  # the rep's published routes for today and tomorrow, always in full
    # Every version of the rep's routes published since the cursor (any day), with its ETag, on a
    # full answer too; without a cursor, the versions of `routes`.
    route_versions: list[RouteVersion] = []
    # Notifications to the rep since the cursor (hand-overs, task reminders...), oldest first; a full
    # answer lists those of the sync horizon. The same ones come on GET /api/v1/me/events.
    notifications: list[Notification] = []
    # The accounts whose contacts and notes this answer carries in full: the phone replaces what it
    # holds for each of them with the `contacts` (retired ones too, `is_active` false) and the latest
    # `notes` (up to 10 per account, as on the card) given here. Every account of a full page, and on
    # a delta every account given or whose contacts or notes changed since the cursor.
    card_account_ids: list[int] = []
    contacts: list[Contact] = []
    notes: list[Note] = []
