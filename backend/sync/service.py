"""Offline sync: what changed for this rep since their cursor, a page at a time.

Rules:
- The change log: triggers (migration 0002) write each change with its transaction id. A delta
  reads the entries of transactions at or after the cursor's `pg_snapshot_xmin`, so a change
  committed late by an older transaction is not skipped; a change may come twice (the phone upserts).
- Pages: at most `sync_page_size` log entries (a delta) or accounts (a full answer) per answer;
  `more: true` means "call again now with this cursor". The snapshot taken on a chain's first page
  is where the next chain starts, so nothing committed meanwhile is lost.
- Full answers (`full: true`, everything in scope, paged by account id): no cursor (first sync), a
  change of who owns or backs up the rep's territories, or a cursor older than the horizon
  (`sync_horizon_days`): the log keeps that many days (pruned by the worker's timer), so an older
  cursor cannot be answered with a delta.
- Accounts: every account the rep works (`visible_account_ids`: their territories', the accounts they
  manage, the accounts of their deals). An account's change is logged for its territories and its
  account managers, before and after; a deal opened, handed on or deleted logs its account for its
  owners, before and after (migration 0024): the new owner's phone gets the account on the next
  delta, the previous owner's drops it (`deleted_account_ids`) unless they still work it otherwise.
- Routes (today and tomorrow, the rep's time zone) are in every page, in full: one small document each.
- Route versions: every version of the rep's routes published since the cursor (any day; logged by
  the routes trigger of migration 0009) is listed with its ETag in `route_versions`, on a delta and
  on a full answer that a territory change caused; a first sync lists those of `routes`.
- Notifications (hand-overs, task reminders; logged by the trigger of migration 0014) addressed to
  the rep come on a delta when their log entry does; a full answer lists those of the horizon.
- Contacts and notes (the account card, issue 17): a contact's change or a new note logs its account
  (`account_card`, migration 0021). Every account of a full page, and on a delta every account given
  or logged so, comes with all its contacts and its latest notes (`card_account_ids`, `contacts`,
  `notes`; read through `backend.account_card.service.offline_cards`), so the phone has them offline.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import asyncpg
import msgspec

from backend.account_card import service as account_card
from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.events.service import notifications_by_id, notifications_since
from backend.pagination import decode_cursor, encode_cursor
from backend.routes.schemas import DayRoute
from backend.routes.service import published_route
from backend.sync import repository
from backend.sync.schemas import RouteVersion, SyncChanges

_KIND = "sync"
# A transaction that started before a cursor's snapshot may commit after it: its entries carry its
# start time. The log keeps this much beyond the horizon so such entries are still there.
PRUNE_GRACE = dt.timedelta(days=1)


class SyncCursor(msgspec.Struct, frozen=True, array_like=True):
    """phase "full": accounts after `after` (an account id); "delta": log entries of transactions at
    or after `from_tx` (read at `from_s`), after `after` (a log sequence number). `next_tx`/`next_s`:
    the snapshot taken on the chain's first page, where the following delta starts."""

    kind: str
    phase: str
    from_tx: int
    from_s: int
    after: int
    next_tx: int
    next_s: int


def _decode(cursor: str) -> SyncCursor:
    values = decode_cursor(cursor, (str, str, int, int, int, int, int))
    decoded = msgspec.convert(values, SyncCursor)
    numbers = (decoded.from_tx, decoded.from_s, decoded.after, decoded.next_tx, decoded.next_s)
    if decoded.kind != _KIND or decoded.phase not in ("full", "delta") or min(numbers) < 0:
        raise InvalidInput("the cursor is not one this API issued", field="since")
    return decoded


def _encode(cursor: SyncCursor) -> str:
    return encode_cursor(list(msgspec.to_builtins(cursor)))


async def _routes(conn: asyncpg.Connection, rep_id: int, now: dt.datetime) -> list[DayRoute]:
    zone = zoneinfo.ZoneInfo(await repository.rep_time_zone(conn, rep_id))
    today = now.astimezone(zone).date()
    return [
        route
        for day in (today, today + dt.timedelta(days=1))
        if (route := await published_route(conn, rep_id, day)) is not None
    ]


async def changes(
    conn: asyncpg.Connection,
    principal: Principal,
    since: str | None,
    now: dt.datetime,
    *,
    page_size: int = 500,
    horizon_days: int = 30,
) -> SyncChanges:
    rep_id = principal.user_id
    try:
        cursor = None if since is None else _decode(since)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="since") from exc
    now_s = int(now.timestamp())
    territory_ids = await repository.rep_territory_ids(conn, rep_id)
    routes = await _routes(conn, rep_id, now)

    async def full_chain(reason: str | None, versions: list[RouteVersion] | None = None) -> SyncChanges:
        fresh = SyncCursor(_KIND, "full", 0, now_s, 0, await repository.snapshot_xmin(conn), now_s)
        page = await _full_page(conn, fresh, rep_id, routes, page_size, reason)
        if versions is None:
            versions = await repository.route_versions(conn, [route.id for route in routes], rep_id)
        recent = await notifications_since(conn, rep_id, now - dt.timedelta(days=horizon_days))
        return msgspec.structs.replace(page, route_versions=versions, notifications=recent)

    if cursor is None:
        return await full_chain("first_sync")
    if cursor.phase == "full":
        return await _full_page(conn, cursor, rep_id, routes, page_size, None)
    if cursor.from_s < now_s - horizon_days * 86_400:
        return await full_chain("cursor_past_horizon")
    if cursor.after == 0:  # the first page of a delta chain: where the next one starts
        cursor = msgspec.structs.replace(cursor, next_tx=await repository.snapshot_xmin(conn), next_s=now_s)
    entries = await repository.changes_since(conn, cursor.from_tx, territory_ids, rep_id, cursor.after, page_size + 1)
    more, entries = len(entries) > page_size, entries[:page_size]
    route_versions = await repository.route_versions(
        conn, sorted({entry.entity_id for entry in entries if entry.entity == "route"}), rep_id
    )
    if any(entry.entity == "territory" and rep_id in entry.rep_ids for entry in entries):
        return await full_chain("territory_changed", route_versions)
    notification_ids = sorted({entry.entity_id for entry in entries if entry.entity == "notification"})
    account_ids = sorted({entry.entity_id for entry in entries if entry.entity == "account"})
    template_ids = sorted({entry.entity_id for entry in entries if entry.entity == "checklist_template"})
    current = await repository.accounts(conn, rep_id, account_ids, limit=len(account_ids)) if account_ids else []
    kept = {account.id for account in current}
    card_ids = sorted({entry.entity_id for entry in entries if entry.entity == "account_card"} - kept)
    # A contact or note of an account the rep still works (it may have moved out since).
    carded = await repository.accounts(conn, rep_id, card_ids, limit=len(card_ids)) if card_ids else []
    card_account_ids = sorted(kept | {account.id for account in carded})
    contacts, notes = await account_card.offline_cards(conn, card_account_ids)
    versions = await repository.templates(conn, template_ids) if template_ids else []
    following = (
        msgspec.structs.replace(cursor, after=entries[-1].seq)
        if more
        else SyncCursor(_KIND, "delta", cursor.next_tx, cursor.next_s, 0, 0, 0)
    )
    return SyncChanges(
        cursor=_encode(following),
        full=False,
        more=more,
        accounts=current,
        # Deleted, moved out of the rep's territories or book, or their deal handed on: the phone
        # drops them.
        deleted_account_ids=[account_id for account_id in account_ids if account_id not in kept],
        checklist_templates=[template for template in versions if template.is_active],
        deleted_template_ids=[template.id for template in versions if not template.is_active],
        routes=routes,
        route_versions=route_versions,
        notifications=await notifications_by_id(conn, notification_ids, rep_id),
        card_account_ids=card_account_ids,
        contacts=contacts,
        notes=notes,
    )


async def _full_page(
    conn: asyncpg.Connection,
    cursor: SyncCursor,
    rep_id: int,
    routes: list[DayRoute],
    page_size: int,
    reason: str | None,
) -> SyncChanges:
    accounts = await repository.accounts(conn, rep_id, None, after_id=cursor.after, limit=page_size + 1)
    more, accounts = len(accounts) > page_size, accounts[:page_size]
    following = (
        msgspec.structs.replace(cursor, after=accounts[-1].id)
        if more
        else SyncCursor(_KIND, "delta", cursor.next_tx, cursor.next_s, 0, 0, 0)
    )
    first = cursor.after == 0
    card_account_ids = [account.id for account in accounts]
    contacts, notes = await account_card.offline_cards(conn, card_account_ids)
    return SyncChanges(
        cursor=_encode(following),
        full=first,
        more=more,
        resync=reason,
        accounts=accounts,
        deleted_account_ids=[],
        checklist_templates=await repository.templates(conn, None) if first else [],
        deleted_template_ids=[],
        routes=routes,
        card_account_ids=card_account_ids,
        contacts=contacts,
        notes=notes,
    )


async def prune(conn: asyncpg.Connection, now: dt.datetime, horizon_days: int) -> int:
    """Drop log entries past the horizon (and its grace); returns how many."""
    return await repository.prune_log(conn, now - dt.timedelta(days=horizon_days) - PRUNE_GRACE)
