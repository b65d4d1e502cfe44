"""HTTP: the account card (one account, its people, contacts, notes and timeline) and field edits."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from backend.account_card import service
from backend.account_card.schemas import (
    AccountCard,
    AccountChangePage,
    AccountReplayed,
    AccountUpdate,
    Contact,
    ContactCreate,
    ContactReplayed,
    ContactUpdate,
    Note,
    NoteCreate,
    NoteReplayed,
)
from backend.accounts.schemas import Account
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn

REPLAYED_HEADER = "Idempotent-Replayed"

# Optional for Litestar so a body error is named before a missing key; the service requires it on edits.
ChangeKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="the client's change id (e.g. a UUID): required on PATCH; a replay applies nothing twice",
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="page size (1-200)")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]
Kinds = Annotated[
    str | None,
    QueryParameter(
        description="comma-separated timeline kinds: visit, checklist, photo, order, deal, stage_change, "
        "handover, task, call, meeting, message, note (default: all)"
    ),
]


def _contact(result: ContactReplayed) -> Response[Contact]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.contact, status_code=result.status_code, headers=headers)


def _note(result: NoteReplayed) -> Response[Note]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.note, status_code=result.status_code, headers=headers)


def _account(result: AccountReplayed) -> Response[Account]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.account, status_code=result.status_code, headers=headers)


class AccountCardController(Controller):
    path = "/api/v1/accounts/{account_id:int}"
    tags = ["account card"]

    @get("", summary="The account card: the account, its people, contacts, notes and timeline")
    async def get_account_card(
        self,
        conn: Conn,
        principal: Caller,
        account_id: FromPath[int],
        kinds: Kinds = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> AccountCard:
        """Any role, for an account the caller works (their territories, the accounts they manage, those
        of their deals; a supervisor their team's) or handed over (an account or one of its deals: then
        `read_only: true`). Any other account is 404.

        `timeline`: one list, newest first, of visits (at check-in), checklists (when answered), photos
        (when taken, else received), orders (when taken), deals (opened), deal stage changes, hand-overs,
        CRM tasks (when done, else when due), calls, meetings and messages (when they happened) and
        notes. Each item has `kind`, `at`, `id` (text), `summary`, `user` and the kind's own fields.
        Keyset-paginated: `next_cursor` is set when older items exist; pass it as `cursor` with the
        same `kinds`. An unknown kind is 422 naming `kinds`; a cursor this API did not issue 422 `cursor`."""
        return await service.get_card(conn, principal, account_id, kinds=kinds, cursor=cursor, limit=limit)

    @patch("", summary="Correct an account's phones, status or opening hours in the field")
    async def update_account_fields(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        data: JSONBody[AccountUpdate],
        idempotency_key: ChangeKey = None,
    ) -> Response[Account]:
        """Only the fields sent change; any other field is 422 naming it. Needs an `Idempotency-Key`
        header (422 naming it when missing): the same key and body again replays the first answer with
        `Idempotent-Replayed: true` and changes nothing; another body under that key is 409.

        - `phones`: replaces the list; each entry one number in any local or international spelling,
          stored E.164 (region `FIELDSALES_PHONE_REGION`); a bad entry is 422 naming it (`phones[1]`).
        - `status`: potential -> closed, active -> closed, closed -> potential; potential -> active by a
          supervisor or an admin only. Any other move is 422 naming `status`.
        - `opening_hours`: an OSM opening_hours expression or `HH:MM-HH:MM`; replaces the weekly
          windows the route planner uses (`null` clears them); unreadable text is 422.

        Every changed field is audited (`GET .../changes`). 404 outside the caller's accounts; 403
        (`field: account_id`) for an account the caller handed over (read only)."""
        return _account(
            await service.update_account(
                conn,
                principal,
                account_id,
                data,
                change_id=idempotency_key,
                phone_region=settings.default_phone_region,
                idempotency_ttl_s=settings.idempotency_ttl_s,
                now=clock.now(),
            )
        )

    @post("/contacts", status_code=201, summary="Add a contact person at the account (offline first)")
    async def create_account_contact(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        data: JSONBody[ContactCreate],
        idempotency_key: ChangeKey = None,
    ) -> Response[Contact]:
        """Idempotent by the phone's contact `id`: the same body again replays the 201 (with
        `Idempotent-Replayed: true`); another body under the same id is 409 naming `id`. Phones are
        stored E.164 (a bad one is 422 naming `phones[i]`); a consent to calls or SMS needs a phone, to
        e-mail an address (422 naming the consent). A consent's time is the business clock when it
        arrives. Audited as one `created` change (client change id: `Idempotency-Key`, else the id)."""
        return _contact(
            await service.create_contact(
                conn,
                principal,
                account_id,
                data,
                phone_region=settings.default_phone_region,
                idempotency_ttl_s=settings.idempotency_ttl_s,
                now=clock.now(),
                change_id=idempotency_key,
            )
        )

    @patch("/contacts/{contact_id:uuid}", summary="Change a contact person's fields")
    async def update_account_contact(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[ContactUpdate],
        idempotency_key: ChangeKey = None,
    ) -> Response[Contact]:
        """Only the fields sent change (`email: null` clears it; `is_active: false` retires the person).
        Needs an `Idempotency-Key` header: a replay returns the first answer (`Idempotent-Replayed:
        true`) and applies nothing twice; another body under that key is 409. Each changed field is one
        audit row with its old and new value; a consent's time moves when its value changes."""
        return _contact(
            await service.update_contact(
                conn,
                principal,
                account_id,
                contact_id,
                data,
                change_id=idempotency_key,
                phone_region=settings.default_phone_region,
                idempotency_ttl_s=settings.idempotency_ttl_s,
                now=clock.now(),
            )
        )

    @post("/notes", status_code=201, summary="Write a note on the account (offline first)")
    async def create_account_note(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        account_id: FromPath[int],
        data: JSONBody[NoteCreate],
        idempotency_key: ChangeKey = None,
    ) -> Response[Note]:
        """Idempotent by the phone's note `id`: the same body again replays the 201 (with
        `Idempotent-Replayed: true`); another body under the same id is 409 naming `id`. Notes are not
        edited afterwards; each is on the timeline (kind `note`) and audited as one `created` change."""
        return _note(
            await service.create_note(
                conn,
                principal,
                account_id,
                data,
                idempotency_ttl_s=settings.idempotency_ttl_s,
                now=clock.now(),
                change_id=idempotency_key,
            )
        )

    @get("/changes", summary="The audit of the account card's edits, newest first")
    async def list_account_changes(
        self,
        conn: Conn,
        principal: Caller,
        account_id: FromPath[int],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> AccountChangePage:
        """One row per changed field: entity (account, contact, note), its id, the field, old and new
        value, who (`changed_by`), when (`changed_at`, business clock) and the client change id.
        Readable by whoever may read the card."""
        return await service.list_changes(conn, principal, account_id, cursor=cursor, limit=limit)
