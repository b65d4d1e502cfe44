"""The account card: one account with its people, contacts, notes and one timeline; field edits.

Rules (the pure ones in `backend.account_card.rules`, each tested on its own):

- Who reads: the accounts one works (`visible_account_ids`, migration 0014: the territories one sees,
  the accounts one manages, the accounts of one's deals) plus the accounts one handed over (an
  account or one of its deals, `handovers.from_user_id`): `readable_account_ids`, migration 0017.
  Anything else answers 404, never the data. Who edits: only `visible_account_ids`; a previous owner
  who only reads gets 403 (`field: account_id`), and the card says `read_only: true`.
- Offline-first writes: a contact and a note carry the phone's UUID; the same id and body replays the
  first answer (`Idempotent-Replayed: true`), another body under that id is 409. Edits (PATCH) carry an
  `Idempotency-Key` header, the client's change id: a replay returns the first answer and applies
  nothing twice. Keys are the per-user keys of backend/idempotency. A refused request stores nothing
  (the key included), so the phone can correct it and resend.
- Every change is audited in `account_changes`: one row per changed field with the old and new value,
  who, when (the business clock) and the client change id (the Idempotency-Key, or the new object's
  UUID). A create is one row with field `created` and the new object; a PATCH that changes nothing
  writes nothing.
- Concurrent edits of one account or contact are ordered by a row lock; the last edit wins and the
  audit keeps both.
- Bad input is 422 naming the field (`phones[1]`, `email`, `status`, `kinds`, `cursor`...).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

from backend.account_card import repository, rules
from backend.account_card.repository import ChangeRow, NewContact
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
from backend.accounts.schemas import Account, AccountStatus
from backend.auth.principal import Principal
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.idempotency import service as idempotency
from backend.pagination import decode_cursor, encode_cursor
from geo_data.normalize import normalize_hours
from geo_data.opening_hours import OpeningHoursError

CONTACT_CREATE = "account_card.contact.create"
CONTACT_UPDATE = "account_card.contact.update"
NOTE_CREATE = "account_card.note.create"
ACCOUNT_UPDATE = "account_card.account.update"
IDEMPOTENCY_HEADER = "Idempotency-Key"
LATEST_NOTES = 10
MAX_KEY_CHARS = 200


async def _readable(conn: asyncpg.Connection, principal: Principal, account_id: int) -> bool:
    """Whether the caller may edit it; NotFound when they may not even read it."""
    found = await repository.access(conn, principal.role.value, principal.user_id, account_id)
    if found is None:
        raise NotFound(f"account {account_id} not found", field="account_id")
    return found.writable


async def _writable(conn: asyncpg.Connection, principal: Principal, account_id: int) -> None:
    if not await _readable(conn, principal, account_id):
        raise Forbidden(
            f"account {account_id} was handed over: you may read its history but not edit it", field="account_id"
        )


async def _account(conn: asyncpg.Connection, account_id: int) -> Account:
    account = await repository.account(conn, account_id)
    if account is None:  # pragma: no cover - deleted since the access check
        raise NotFound(f"account {account_id} not found", field="account_id")
    return account


def _key(value: str | None) -> str:
    """The client change id of an edit: required, short, printable."""
    if value is None or not value.strip():
        raise InvalidInput(
            "an edit needs an Idempotency-Key header (the client's change id, e.g. a UUID)", field=IDEMPOTENCY_HEADER
        )
    key = value.strip()
    if len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be printable, at most {MAX_KEY_CHARS} characters", field=IDEMPOTENCY_HEADER
        )
    return key


def _phones(raw: list[str], region: str) -> list[str]:
    phones, problem = rules.normalize_phone_list(raw, region)
    if problem is not None:
        index, reason = problem
        raise InvalidInput(reason, field=f"phones[{index}]")
    return phones


def _email(raw: str | None) -> str | None:
    email, problem = rules.normalize_email(raw)
    if problem is not None:
        raise InvalidInput(problem, field="email")
    return email


def _check_consents(contact: NewContact) -> None:
    problem = rules.consent_problem(
        contact.phones, contact.email, contact.consent_calls, contact.consent_sms, contact.consent_email
    )
    if problem is not None:
        field, reason = problem
        raise InvalidInput(reason, field=field)


# ---- reading ----------------------------------------------------------------------------------------


def _timeline_cursor(cursor: str | None) -> tuple[dt.datetime, str, str] | None:
    if cursor is None:
        return None
    at, kind, item_id = decode_cursor(cursor, (str, str, str))
    return _instant(at), str(kind), str(item_id)


def _instant(value: object) -> dt.datetime:
    """A cursor's aware timestamp."""
    try:
        instant = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
    if instant.tzinfo is None:
        raise InvalidInput("the cursor is not one this API issued", field="cursor")
    return instant


async def get_card(
    conn: asyncpg.Connection,
    principal: Principal,
    account_id: int,
    *,
    kinds: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> AccountCard:
    """The card of one account the caller may read, with one page of its timeline (newest first)."""
    try:
        wanted = rules.parse_kinds(kinds)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="kinds") from exc
    after = _timeline_cursor(cursor)
    writable = await _readable(conn, principal, account_id)
    items = await repository.timeline(conn, account_id, wanted, after, limit + 1)
    more = len(items) > limit
    items = [msgspec.structs.replace(item, summary=rules.summary_of(item)) for item in items[:limit]]
    last = items[-1] if items else None
    next_cursor = (
        encode_cursor([last.at.isoformat(), type(last).__struct_config__.tag, last.id])
        if more and last is not None
        else None
    )
    account = await _account(conn, account_id)
    territory_rep, manager = await repository.people(conn, account_id)
    return AccountCard(
        account=account,
        read_only=not writable,
        territory_rep=territory_rep,
        account_manager=manager,
        deal_owners=await repository.open_deal_owners(conn, account_id),
        contacts=await repository.contacts(conn, account_id),
        notes=await repository.notes(conn, account_id, LATEST_NOTES),
        timeline=items,
        next_cursor=next_cursor,
    )


async def list_changes(
    conn: asyncpg.Connection, principal: Principal, account_id: int, *, cursor: str | None, limit: int
) -> AccountChangePage:
    """The audit of the card's edits, newest first."""
    after: tuple[dt.datetime, int] | None = None
    if cursor is not None:
        at, last_id = decode_cursor(cursor, (str, int))
        after = (_instant(at), int(str(last_id)))
    await _readable(conn, principal, account_id)
    items = await repository.changes(conn, account_id, after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor([items[-1].changed_at.isoformat(), items[-1].id]) if more else None
    return AccountChangePage(items=items, next_cursor=next_cursor)


# ---- contacts ---------------------------------------------------------------------------------------


def _contact_fields(contact: Contact | NewContact) -> dict[str, Any]:
    """The audited fields of a contact, as JSON values."""

    def granted(value: Any) -> Any:
        return getattr(value, "granted", value)

    return {
        "name": contact.name,
        "role": str(contact.role),
        "phones": list(contact.phones),
        "email": contact.email,
        "consent_calls": granted(contact.consent_calls),
        "consent_sms": granted(contact.consent_sms),
        "consent_email": granted(contact.consent_email),
    }


async def create_contact(
    conn: asyncpg.Connection,
    principal: Principal,
    account_id: int,
    request: ContactCreate,
    *,
    phone_region: str,
    idempotency_ttl_s: float,
    now: dt.datetime,
    change_id: str | None = None,
) -> ContactReplayed:
    """Adds a person at the outlet under the phone's UUID (idempotent)."""
    await _writable(conn, principal, account_id)
    user_id = principal.user_id
    body = idempotency.fingerprint(account_id, request)
    stored = await idempotency.begin(conn, user_id, CONTACT_CREATE, str(request.id), body, idempotency_ttl_s)
    if stored is not None:
        return ContactReplayed(msgspec.convert(stored.response, Contact), stored.status_code, True)
    name = request.name.strip()
    if not name:
        raise InvalidInput("name must not be blank", field="name")
    contact = NewContact(
        id=request.id,
        account_id=account_id,
        name=name,
        role=request.role.value,
        phones=_phones(request.phones, phone_region),
        email=_email(request.email),
        consent_calls=request.consent_calls,
        consent_sms=request.consent_sms,
        consent_email=request.consent_email,
    )
    _check_consents(contact)
    if not await repository.insert_contact(conn, contact, user_id, now):
        raise Conflict(f"contact id {request.id} is already taken; generate a new UUID", field="id")
    audit = ChangeRow("contact", str(request.id), "created", None, _contact_fields(contact))
    await repository.insert_changes(conn, account_id, [audit], user_id, now, change_id or str(request.id))
    created = (await repository.contacts(conn, account_id, request.id))[0]
    await idempotency.finish(conn, user_id, CONTACT_CREATE, str(request.id), 201, created)
    return ContactReplayed(created, 201, False)


async def update_contact(
    conn: asyncpg.Connection,
    principal: Principal,
    account_id: int,
    contact_id: uuid.UUID,
    request: ContactUpdate,
    *,
    change_id: str | None,
    phone_region: str,
    idempotency_ttl_s: float,
    now: dt.datetime,
) -> ContactReplayed:
    """Changes the fields sent; each changed field is one audit row."""
    await _writable(conn, principal, account_id)
    key = _key(change_id)
    user_id = principal.user_id
    body = idempotency.fingerprint(account_id, str(contact_id), request)
    stored = await idempotency.begin(conn, user_id, CONTACT_UPDATE, key, body, idempotency_ttl_s)
    if stored is not None:
        return ContactReplayed(msgspec.convert(stored.response, Contact), stored.status_code, True)
    if not any(getattr(request, field) is not msgspec.UNSET for field in request.__struct_fields__):
        raise InvalidInput("send at least one field to change", field="body")
    current = await repository.contact_for_update(conn, account_id, contact_id)
    if current is None:
        raise NotFound(f"contact {contact_id} not found at account {account_id}", field="contact_id")
    name = current.name if request.name is msgspec.UNSET else request.name.strip()
    if not name:
        raise InvalidInput("name must not be blank", field="name")

    def pick(value: Any, old: Any) -> Any:
        return old if value is msgspec.UNSET else value

    wanted = NewContact(
        id=contact_id,
        account_id=account_id,
        name=name,
        role=str(pick(request.role, current.role)),
        phones=current.phones if request.phones is msgspec.UNSET else _phones(request.phones, phone_region),
        email=current.email if request.email is msgspec.UNSET else _email(request.email),
        consent_calls=pick(request.consent_calls, current.consent_calls.granted),
        consent_sms=pick(request.consent_sms, current.consent_sms.granted),
        consent_email=pick(request.consent_email, current.consent_email.granted),
    )
    _check_consents(wanted)
    is_active = bool(pick(request.is_active, current.is_active))
    before = {**_contact_fields(current), "is_active": current.is_active}
    after = {**_contact_fields(wanted), "is_active": is_active}
    audit = [
        ChangeRow("contact", str(contact_id), field, before[field], after[field])
        for field in after
        if after[field] != before[field]
    ]
    if audit:
        await repository.update_contact(conn, wanted, is_active, now)
        await repository.insert_changes(conn, account_id, audit, user_id, now, key)
    updated = (await repository.contacts(conn, account_id, contact_id))[0]
    await idempotency.finish(conn, user_id, CONTACT_UPDATE, key, 200, updated)
    return ContactReplayed(updated, 200, False)


# ---- notes ------------------------------------------------------------------------------------------


async def create_note(
    conn: asyncpg.Connection,
    principal: Principal,
    account_id: int,
    request: NoteCreate,
    *,
    idempotency_ttl_s: float,
    now: dt.datetime,
    change_id: str | None = None,
) -> NoteReplayed:
    """Writes a note under the phone's UUID (idempotent); notes are not edited afterwards."""
    await _writable(conn, principal, account_id)
    user_id = principal.user_id
    body = idempotency.fingerprint(account_id, request)
    stored = await idempotency.begin(conn, user_id, NOTE_CREATE, str(request.id), body, idempotency_ttl_s)
    if stored is not None:
        return NoteReplayed(msgspec.convert(stored.response, Note), stored.status_code, True)
    text = request.text.strip()
    if not text:
        raise InvalidInput("text must not be blank", field="text")
    if not await repository.insert_note(conn, request.id, account_id, user_id, text, now):
        raise Conflict(f"note id {request.id} is already taken; generate a new UUID", field="id")
    audit = ChangeRow("note", str(request.id), "created", None, {"text": text})
    await repository.insert_changes(conn, account_id, [audit], user_id, now, change_id or str(request.id))
    note = (await repository.notes(conn, account_id, 1, request.id))[0]
    await idempotency.finish(conn, user_id, NOTE_CREATE, str(request.id), 201, note)
    return NoteReplayed(note, 201, False)


# ---- the account's own fields -------------------------------------------------------------------------


def _hours(raw: str | None) -> tuple[str | None, list[tuple[int, int, int]]]:
    """(the text to keep, the weekly windows with ISO weekdays); None clears both."""
    if raw is None or not raw.strip():
        return None, []
    try:
        windows = normalize_hours(raw)
    except OpeningHoursError as exc:
        raise InvalidInput(str(exc), field="opening_hours") from exc
    # geo_data counts weekdays from 0 = Monday, the database from 1 = Monday.
    return raw.strip(), [(w.weekday + 1, w.open_s, w.close_s) for w in windows]


async def update_account(
    conn: asyncpg.Connection,
    principal: Principal,
    account_id: int,
    request: AccountUpdate,
    *,
    change_id: str | None,
    phone_region: str,
    idempotency_ttl_s: float,
    now: dt.datetime,
) -> AccountReplayed:
    """Phones, status (allowed moves only) and opening hours, each changed field audited."""
    await _writable(conn, principal, account_id)
    key = _key(change_id)
    user_id = principal.user_id
    body = idempotency.fingerprint(account_id, request)
    stored = await idempotency.begin(conn, user_id, ACCOUNT_UPDATE, key, body, idempotency_ttl_s)
    if stored is not None:
        return AccountReplayed(msgspec.convert(stored.response, Account), stored.status_code, True)
    if all(getattr(request, field) is msgspec.UNSET for field in request.__struct_fields__):
        raise InvalidInput("send at least one of phones, status, opening_hours", field="body")
    current = await repository.account_for_update(conn, account_id)
    if current is None:  # pragma: no cover - deleted since the access check
        raise NotFound(f"account {account_id} not found", field="account_id")
    audit: list[ChangeRow] = []
    entity_id = str(account_id)
    if request.phones is not msgspec.UNSET:
        phones = _phones(request.phones, phone_region)
        if phones != current.phones:
            audit.append(ChangeRow("account", entity_id, "phones", current.phones, phones))
            await repository.set_phones(conn, account_id, phones)
    if request.status is not msgspec.UNSET:
        status = AccountStatus(request.status)
        problem = rules.status_problem(current.status, status, principal.role.value)
        if problem is not None:
            raise InvalidInput(problem, field="status")
        if status != current.status:
            audit.append(ChangeRow("account", entity_id, "status", current.status.value, status.value))
            await repository.set_status(conn, account_id, status.value)
    if request.opening_hours is not msgspec.UNSET:
        raw, windows = _hours(request.opening_hours)
        if raw != current.opening_hours_raw:
            audit.append(ChangeRow("account", entity_id, "opening_hours", current.opening_hours_raw, raw))
            await repository.set_hours(conn, account_id, raw, windows)
    await repository.insert_changes(conn, account_id, audit, user_id, now, key)
    account = await _account(conn, account_id)
    await idempotency.finish(conn, user_id, ACCOUNT_UPDATE, key, 200, account)
    return AccountReplayed(account, 200, False)


async def offline_cards(conn: asyncpg.Connection, account_ids: list[int]) -> tuple[list[Contact], list[Note]]:
    """For the phones' sync feed (backend/sync, which decides which accounts a rep gets): every
    contact of these accounts (retired ones with `is_active` false) and each one's `LATEST_NOTES`
    latest notes, as the card shows them."""
    if not account_ids:
        return [], []
    return (
        await repository.contacts_of_accounts(conn, account_ids),
        await repository.latest_notes_of_accounts(conn, account_ids, LATEST_NOTES),
    )
