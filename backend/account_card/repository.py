"""SQL of the account card; the only reader of backend/account_card/queries.sql."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

from backend.account_card.schemas import (
    Access,
    AccountRow,
    Change,
    Contact,
    DealOwner,
    Note,
    Person,
    TimelineItem,
)
from backend.accounts.schemas import Account
from backend.db.queries import load_queries

Q = load_queries("backend.account_card")


class ChangeRow(msgspec.Struct, frozen=True):
    """One audit row to write."""

    entity: str
    entity_id: str
    field: str
    old_value: Any
    new_value: Any


class NewContact(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    name: str
    role: str
    phones: list[str]
    email: str | None
    consent_calls: bool | None
    consent_sms: bool | None
    consent_email: bool | None


def _json(value: Any) -> str | None:
    """JSON text of an audited value (a list would read as an array dimension in a jsonb[] parameter)."""
    return None if value is None else msgspec.json.encode(value).decode()


async def access(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> Access | None:
    row = await conn.fetchrow(Q["account_access"], role, user_id, account_id)
    return None if row is None else msgspec.convert(dict(row), Access)


async def account(conn: asyncpg.Connection, account_id: int) -> Account | None:
    row = await conn.fetchrow(Q["account"], account_id)
    return None if row is None else msgspec.convert(dict(row), Account)


async def account_for_update(conn: asyncpg.Connection, account_id: int) -> AccountRow | None:
    row = await conn.fetchrow(Q["account_for_update"], account_id)
    return None if row is None else msgspec.convert(dict(row), AccountRow)


async def set_phones(conn: asyncpg.Connection, account_id: int, phones: list[str]) -> None:
    await conn.execute(Q["update_account_phones"], account_id, phones)


async def set_status(conn: asyncpg.Connection, account_id: int, status: str) -> None:
    await conn.execute(Q["update_account_status"], account_id, status)


async def set_hours(
    conn: asyncpg.Connection, account_id: int, raw: str | None, windows: list[tuple[int, int, int]]
) -> None:
    await conn.execute(Q["delete_account_hours"], account_id)
    if windows:
        await conn.execute(Q["insert_account_hours"], account_id, [list(window) for window in windows])
    await conn.execute(Q["update_account_hours_text"], account_id, raw)


async def people(conn: asyncpg.Connection, account_id: int) -> tuple[Person | None, Person | None]:
    """(the territory's owner rep, the account manager)."""
    row = await conn.fetchrow(Q["account_people"], account_id)
    if row is None:
        return None, None
    return (
        msgspec.convert(row["territory_rep"], Person | None),
        msgspec.convert(row["account_manager"], Person | None),
    )


async def open_deal_owners(conn: asyncpg.Connection, account_id: int) -> list[DealOwner]:
    rows = await conn.fetch(Q["open_deal_owners"], account_id)
    return [msgspec.convert(dict(row), DealOwner) for row in rows]


async def contacts(conn: asyncpg.Connection, account_id: int, contact_id: uuid.UUID | None = None) -> list[Contact]:
    rows = await conn.fetch(Q["contacts"], account_id, contact_id)
    return [msgspec.convert(dict(row), Contact) for row in rows]


async def contact_for_update(conn: asyncpg.Connection, account_id: int, contact_id: uuid.UUID) -> Contact | None:
    row = await conn.fetchrow(Q["contact_for_update"], account_id, contact_id)
    return None if row is None else msgspec.convert(dict(row), Contact)


async def insert_contact(conn: asyncpg.Connection, contact: NewContact, created_by: int, now: dt.datetime) -> bool:
    """False when the id is already taken."""
    inserted = await conn.fetchval(
        Q["insert_contact"],
        contact.id,
        contact.account_id,
        contact.name,
        contact.role,
        contact.phones,
        contact.email,
        contact.consent_calls,
        contact.consent_sms,
        contact.consent_email,
        now,
        created_by,
    )
    return inserted is not None


async def update_contact(conn: asyncpg.Connection, contact: NewContact, is_active: bool, now: dt.datetime) -> None:
    await conn.execute(
        Q["update_contact"],
        contact.account_id,
        contact.id,
        contact.name,
        contact.role,
        contact.phones,
        contact.email,
        contact.consent_calls,
        contact.consent_sms,
        contact.consent_email,
        is_active,
        now,
    )


async def notes(conn: asyncpg.Connection, account_id: int, limit: int, note_id: uuid.UUID | None = None) -> list[Note]:
    rows = await conn.fetch(Q["latest_notes"], account_id, note_id, limit)
    return [msgspec.convert(dict(row), Note) for row in rows]


async def insert_note(
    conn: asyncpg.Connection, note_id: uuid.UUID, account_id: int, author_id: int, text: str, now: dt.datetime
) -> bool:
    """False when the id is already taken."""
    return await conn.fetchval(Q["insert_note"], note_id, account_id, author_id, text, now) is not None


async def insert_changes(
    conn: asyncpg.Connection,
    account_id: int,
    changes: list[ChangeRow],
    changed_by: int,
    changed_at: dt.datetime,
    client_change_id: str | None,
) -> None:
    if not changes:
        return
    await conn.execute(
        Q["insert_changes"],
        account_id,
        [change.entity for change in changes],
        [change.entity_id for change in changes],
        [change.field for change in changes],
        [_json(change.old_value) for change in changes],
        [_json(change.new_value) for change in changes],
        changed_by,
        changed_at,
        client_change_id,
    )


async def changes(
    conn: asyncpg.Connection, account_id: int, after: tuple[dt.datetime, int] | None, limit: int
) -> list[Change]:
    rows = await conn.fetch(
        Q["changes"], account_id, None if after is None else after[0], None if after is None else after[1], limit
    )
    return [msgspec.convert(dict(row), Change) for row in rows]


async def timeline(
    conn: asyncpg.Connection,
    account_id: int,
    kinds: list[str],
    after: tuple[dt.datetime, str, str] | None,
    limit: int,
) -> list[TimelineItem]:
    rows = await conn.fetch(
        Q["timeline"],
        account_id,
        kinds,
        None if after is None else after[0],
        None if after is None else after[1],
        None if after is None else after[2],
        limit,
    )
    return [
        msgspec.convert(
            {**row["data"], "kind": row["kind"], "at": row["at"], "id": row["id"], "user": row["user"]},
            TimelineItem,
        )
        for row in rows
    ]


async def contacts_of_accounts(conn: asyncpg.Connection, account_ids: list[int]) -> list[Contact]:
    rows = await conn.fetch(Q["contacts_of_accounts"], account_ids)
    return [msgspec.convert(dict(row), Contact) for row in rows]


async def latest_notes_of_accounts(conn: asyncpg.Connection, account_ids: list[int], per_account: int) -> list[Note]:
    rows = await conn.fetch(Q["latest_notes_of_accounts"], account_ids, per_account)
    return [msgspec.convert(dict(row), Note) for row in rows]
