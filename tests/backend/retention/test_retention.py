"""Retention as code: after 90 simulated days of writes, with the worker's maintenance pass run each
day on the simulated clock, `idempotency_keys` and `sync_log` hold only what their horizons allow
(and `notifications` the sync horizon's);
the sync feed pages, and a phone whose cursor is older than the horizon gets a full resync."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from backend.auth.principal import Principal, Role
from backend.events.service import notify
from backend.maintenance.service import purge_expired_data
from backend.sync import service as sync
from tests.backend.visits.helpers import rep_accounts, user_id

pytestmark = pytest.mark.db

DAYS = 90
HORIZON_DAYS = 30
KEY_TTL = dt.timedelta(days=14)  # the default idempotency_ttl_s
KEYS_PER_DAY = 5
EDITS_PER_DAY = 3


async def _rep(conn: asyncpg.Connection, email: str = "rep1@example.com") -> Principal:
    return Principal(user_id=await user_id(conn, email), role=Role.REP, email=email)


async def test_ninety_days_of_writes_leave_only_what_the_horizons_allow(conn: asyncpg.Connection) -> None:
    rep = await _rep(conn)
    accounts = [row["id"] for row in await rep_accounts(conn, "rep1@example.com", EDITS_PER_DAY)]
    start = await conn.fetchval("select date_trunc('day', now())")
    first_cursor = (await sync.changes(conn, rep, None, start, page_size=10_000)).cursor
    for day in range(1, DAYS + 1):
        clock = start + dt.timedelta(days=day, hours=12)
        # The day's writes, stamped with the simulated clock: offline replays keyed for KEY_TTL ...
        await conn.executemany(
            "insert into idempotency_keys (user_id, scope, key, fingerprint, status_code, response, created_at, "
            "expires_at) values ($1, 'visit', $2, 'f', 201, 'null'::jsonb, $3, $4)",
            [(rep.user_id, f"day{day}-{n}", clock, clock + KEY_TTL) for n in range(KEYS_PER_DAY)],
        )
        # ... and account edits, which the triggers log (their time set to the simulated clock).
        last_seq = await conn.fetchval("select coalesce(max(seq), 0) from sync_log")
        for account_id in accounts:
            await conn.execute("update accounts set name = name || '.' where id = $1", account_id)
        await conn.execute("update sync_log set changed_at = $1 where seq > $2", clock, last_seq)
        # The worker's timer, at the end of the simulated day.
        await purge_expired_data(conn, clock + dt.timedelta(hours=11), sync_horizon_days=HORIZON_DAYS)
    end = start + dt.timedelta(days=DAYS, hours=23)

    keys = await conn.fetch("select created_at, expires_at from idempotency_keys where user_id = $1", rep.user_id)
    assert all(row["expires_at"] >= end for row in keys)
    # Keys written in the last 14 days whose expiry is still ahead: days 77..90 (day 76's expired at noon).
    assert len(keys) == KEYS_PER_DAY * 14
    oldest_kept = await conn.fetchval("select min(changed_at) from sync_log")
    assert oldest_kept >= end - dt.timedelta(days=HORIZON_DAYS) - sync.PRUNE_GRACE
    # Days 60..90 are inside horizon + grace at the last pass (day 90, 23:00): 31 days of edits.
    assert await conn.fetchval("select count(*) from sync_log") == EDITS_PER_DAY * 31

    # The phone that last synced on day 0 cannot be answered with a delta any more.
    late = await sync.changes(conn, rep, first_cursor, end, page_size=10_000, horizon_days=HORIZON_DAYS)
    assert late.full is True and late.resync == "cursor_past_horizon"
    assert {a.id for a in late.accounts} == {row["id"] for row in await rep_accounts(conn, "rep1@example.com", 10_000)}


async def test_the_feed_pages_a_full_answer_and_a_delta(conn: asyncpg.Connection) -> None:
    rep = await _rep(conn)
    # Territory assignments logged when the demo city was loaded: a delta reads the log from the
    # oldest transaction running on the whole server (other sessions' included), which may be older
    # than that load; this test is about paging, not about hand-overs.
    await conn.execute("delete from sync_log where entity = 'territory'")
    now = dt.datetime.now(dt.UTC)
    mine = {row["id"] for row in await rep_accounts(conn, "rep1@example.com", 10_000)}
    pages, cursor, seen = 0, None, set()
    while True:
        page = await sync.changes(conn, rep, cursor, now, page_size=7)
        assert page.full == (pages == 0) and (page.resync == "first_sync") == (pages == 0)
        seen |= {account.id for account in page.accounts}
        pages, cursor = pages + 1, page.cursor
        if not page.more:
            break
    assert seen == mine and pages == -(-len(mine) // 7)
    edited = sorted(mine)[:12]
    for account_id in edited:
        await conn.execute("update accounts set name = name || '!' where id = $1", account_id)
    deltas = []
    while True:
        page = await sync.changes(conn, rep, cursor, now, page_size=5)
        assert page.full is False
        deltas.append({account.id for account in page.accounts})
        cursor = page.cursor
        if not page.more:
            break
    assert set().union(*deltas) >= set(edited) and len(deltas) >= 3


async def test_notifications_are_kept_as_long_as_the_sync_horizon(conn: asyncpg.Connection) -> None:
    """Hand-overs and reminders (`notifications`) are kept as long as the sync feed can deliver them:
    `sync_horizon_days` plus the log's grace. An older one is deleted by the maintenance pass; a phone
    that old resyncs in full, and a full answer lists only the horizon's notifications anyway."""
    rep = await _rep(conn)
    now = dt.datetime.now(dt.UTC)
    cut = now - dt.timedelta(days=HORIZON_DAYS) - sync.PRUNE_GRACE
    ages = {"old": cut - dt.timedelta(hours=1), "edge": cut + dt.timedelta(hours=1), "new": now}
    ids = {name: await notify(conn, rep.user_id, "task_reminder", {"n": name}, at) for name, at in ages.items()}
    purged = await purge_expired_data(conn, now, sync_horizon_days=HORIZON_DAYS)
    assert purged.notifications >= 1
    kept = {row["id"] for row in await conn.fetch("select id from notifications where user_id = $1", rep.user_id)}
    assert ids["old"] not in kept and {ids["edge"], ids["new"]} <= kept
    assert await conn.fetchval("select count(*) from notifications where created_at < $1", cut) == 0
    full = await sync.changes(conn, rep, None, now, page_size=10_000, horizon_days=HORIZON_DAYS)
    assert ids["new"] in {n.id for n in full.notifications}
