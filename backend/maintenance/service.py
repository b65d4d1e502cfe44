"""Retention rules, applied by the job worker's timer (every 5 minutes, under its advisory lock).

- idempotency_keys: a key is deleted once past its `expires_at` (kept `idempotency_ttl_s`, days:
  phones replay after a weekend offline).
- sync_log: entries older than `sync_horizon_days` (plus a day of grace for long transactions) are
  deleted; a phone whose cursor is older gets a full resync instead of a delta.
- notifications (hand-overs, task reminders): kept as long as the sync log (`sync_horizon_days` plus
  the same grace), the longest the feed can deliver them: a phone offline longer resyncs in full, and
  a full answer lists only the horizon's notifications. Their `created_at` is business time, the cut
  the worker's wall time.
- segments: each segment's members are re-evaluated at most every `segment_refresh_interval_s` of
  business time (accounts entering and leaving are written), and entries and exits older than
  `segment_changes_keep_days` are deleted (`refresh_segments`, its own timer of the worker).

Route stops and visits are kept (plan vs fact reports read up to `report_max_days`); their plan at
scale is in docs/architecture.md ("Retention and growth").
"""

from __future__ import annotations

import datetime as dt
import logging

import asyncpg

from backend.events.service import purge_notifications
from backend.idempotency.service import purge_expired
from backend.maintenance.schemas import Purged
from backend.segments.schemas import Evaluation
from backend.segments.service import evaluate_due
from backend.settings import Settings
from backend.sync.service import PRUNE_GRACE, prune

log = logging.getLogger("fieldsales.maintenance")


async def purge_expired_data(conn: asyncpg.Connection, now: dt.datetime, *, sync_horizon_days: int) -> Purged:
    purged = Purged(
        idempotency_keys=await purge_expired(conn, now),
        sync_log=await prune(conn, now, sync_horizon_days),
        notifications=await purge_notifications(conn, now - dt.timedelta(days=sync_horizon_days) - PRUNE_GRACE),
    )
    if purged.idempotency_keys or purged.sync_log or purged.notifications:
        log.info(
            "purged %s idempotency keys, %s sync log entries and %s notifications",
            purged.idempotency_keys,
            purged.sync_log,
            purged.notifications,
            extra={"purged": purged},
        )
    return purged


async def refresh_segments(conn: asyncpg.Connection, settings: Settings, now: dt.datetime) -> list[Evaluation]:
    """Re-evaluate the segments that are due at business time `now` and purge old entries and exits."""
    return await evaluate_due(conn, settings, now)
