"""Delivery of the order webhooks (the outbox), run by the worker's timer or `fieldsales orders webhooks`.

Each POST carries the event as JSON, ``X-Fieldsales-Timestamp`` (Unix seconds) and
``X-Fieldsales-Signature: sha256=<hex>`` = HMAC-SHA256 under ``FIELDSALES_ORDER_WEBHOOK_SECRET`` of
``<timestamp>.<body>``; the receiver recomputes it and refuses stale timestamps. A 2xx answer is a
delivery; anything else (or no answer within the timeout) is retried after 30 s, 1 min, 2 min, ...
(doubling, at most 1 h) up to ``FIELDSALES_ORDER_WEBHOOK_MAX_ATTEMPTS`` attempts, then marked failed.
Rows are claimed with ``for update skip locked``, so several workers never send one twice at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import asyncpg
import httpx
import msgspec

from backend.orders import repository
from backend.settings import Settings

SIGNATURE_HEADER = "X-Fieldsales-Signature"
TIMESTAMP_HEADER = "X-Fieldsales-Timestamp"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s doubling, at most 1 h."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class DeliveryRun(msgspec.Struct, frozen=True):
    delivered: int
    retried: int
    failed: int


async def deliver_due(
    conn: asyncpg.Connection, settings: Settings, client: httpx.AsyncClient, now: dt.datetime, limit: int = 50
) -> DeliveryRun:
    """Send the due webhooks once each; the caller commits."""
    delivered = retried = failed = 0
    if not settings.order_webhook_url:
        return DeliveryRun(0, 0, 0)
    for item in await repository.due_webhooks(conn, now, limit):
        body = msgspec.json.encode(item.payload)
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(settings.order_webhook_secret, timestamp, body),
            "X-Fieldsales-Event": item.event,
            "X-Fieldsales-Delivery": str(item.id),
        }
        error: str | None = None
        try:
            response = await client.post(
                settings.order_webhook_url, content=body, headers=headers, timeout=settings.order_webhook_timeout_s
            )
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            await repository.webhook_delivered(conn, item.id, now)
            delivered += 1
            continue
        attempts = item.attempts + 1
        if attempts >= settings.order_webhook_max_attempts:
            await repository.webhook_failed(conn, item.id, now, None, error)
            failed += 1
        else:
            await repository.webhook_failed(conn, item.id, now, now + retry_delay(attempts), error)
            retried += 1
    return DeliveryRun(delivered, retried, failed)


async def purge(conn: asyncpg.Connection, now: dt.datetime, keep: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete webhooks delivered or given up more than `keep` ago."""
    return await repository.purge_webhooks(conn, now - keep)
