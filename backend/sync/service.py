"""Offline sync: what changed for this rep since their cursor.

The cursor is the oldest transaction still running when the previous answer was read
(`pg_snapshot_xmin`); changes are logged with their transaction id by triggers (migration 0002),
so a change committed late by an older transaction is not skipped. A change may come twice: the
phone upserts. No cursor (first sync), or a change to the rep's territory assignment, answers
`full: true` with everything in scope. Routes (today and tomorrow, the rep's time zone) are
always sent in full: one small document each.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import asyncpg

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.pagination import decode_cursor, encode_cursor
from backend.routes.service import published_route
from backend.sync import repository
from backend.sync.schemas import SyncChanges

_KIND = "sync"


def _decode(cursor: str) -> int:
    kind, xmin = decode_cursor(cursor, (str, int))
    if kind != _KIND or not isinstance(xmin, int) or xmin < 0:
        raise InvalidInput("the cursor is not one this API issued", field="since")
    return xmin


async def changes(conn: asyncpg.Connection, principal: Principal, since: str | None, now: dt.datetime) -> SyncChanges:
    rep_id = principal.user_id
    try:
        previous = None if since is None else _decode(since)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="since") from exc
    xmin = await repository.snapshot_xmin(conn)
    territory_ids = await repository.rep_territory_ids(conn, rep_id)
    zone = zoneinfo.ZoneInfo(await repository.rep_time_zone(conn, rep_id))
    today = now.astimezone(zone).date()
    routes = [
        route
        for day in (today, today + dt.timedelta(days=1))
        if (route := await published_route(conn, rep_id, day)) is not None
    ]
    cursor = encode_cursor([_KIND, xmin])
    full = previous is None
    if previous is not None:
        entries = await repository.changes_since(conn, previous, territory_ids, rep_id)
        full = any(entry.entity == "territory" and rep_id in entry.rep_ids for entry in entries)
    if full:
        return SyncChanges(
            cursor=cursor,
            full=True,
            accounts=await repository.accounts(conn, territory_ids, None),
            deleted_account_ids=[],
            checklist_templates=await repository.templates(conn, None),
            deleted_template_ids=[],
            routes=routes,
        )
    account_ids = sorted({entry.entity_id for entry in entries if entry.entity == "account"})
    template_ids = sorted({entry.entity_id for entry in entries if entry.entity == "checklist_template"})
    current = await repository.accounts(conn, territory_ids, account_ids) if account_ids else []
    kept = {account.id for account in current}
    versions = await repository.templates(conn, template_ids) if template_ids else []
    return SyncChanges(
        cursor=cursor,
        full=False,
        accounts=current,
        # Deleted, or moved out of the rep's territories: either way the phone drops them.
        deleted_account_ids=[account_id for account_id in account_ids if account_id not in kept],
        checklist_templates=[template for template in versions if template.is_active],
        deleted_template_ids=[template.id for template in versions if not template.is_active],
        routes=routes,
    )
