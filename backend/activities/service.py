"""Activities on an account's timeline: calls (duration, outcome), meetings and messages.

Rules:

- Logged through the API by the person who did it (the caller): offline first, idempotent by the
  client's `id` as orders (the same body replays the 201, another body under the id is 409 `id`, a
  refused request stores nothing). The account must be one the caller sees (404 `account_id`); a deal
  must be one they see (404 `deal_id`) and about that account (422 `deal_id`); `occurred_at` not in
  the future by the business clock (a grace of `FUTURE_GRACE` for phone clocks; 422 `occurred_at`);
  `duration_s` only for calls (422 `duration_s`).
- Read by those who see the account or the person (`visible_account_ids`, `visible_rep_ids`).
- The inbound webhook (`receive_webhook`) of a telephony or messenger provider: no user token; the
  body is signed like the order webhooks we send (`X-Fieldsales-Timestamp`: Unix seconds,
  `X-Fieldsales-Signature: sha256=<hex>` = HMAC-SHA256 under FIELDSALES_ACTIVITY_WEBHOOK_SECRET of
  `<timestamp>.<body>`). Checked in this order, nothing stored on any refusal: not configured (no
  secret) 404; a missing or malformed timestamp, a missing or wrong signature 401 naming the header;
  a timestamp further than `activity_webhook_max_age_s` from the wall clock (the replay window; wall
  time, as tokens: a simulated week must not open it) 401 `X-Fieldsales-Timestamp`; a provider event
  id already stored 409 `event_id` (a provider that retries a delivery we stored should take the 409
  as "already received"); `started_at` in the future 422; a phone that is no valid number, matches no
  account, or matches several that the named user cannot tell apart 422 `phone`; an unknown or
  inactive `user_email` 422 `user_email`. The stored activity's id is derived from the provider and
  its event id.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import uuid

import asyncpg
import msgspec

from backend.activities import repository
from backend.activities.repository import NewActivity
from backend.activities.schemas import (
    Activity,
    ActivityCreate,
    ActivityKind,
    ActivityPage,
    Replayed,
    WebhookEvent,
)
from backend.auth.principal import Principal
from backend.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from backend.idempotency import service as idempotency
from backend.orders.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from backend.pagination import decode_cursor, encode_cursor
from backend.settings import Settings
from geo_data.normalize import normalize_phones

CREATE = "activity.create"
# A phone's clock runs a little ahead; an activity this far "in the future" is still accepted.
FUTURE_GRACE = dt.timedelta(minutes=5)
PROVIDER = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
# Activity ids of webhook events: uuid5(namespace, "<provider>:<event id>").
WEBHOOK_NAMESPACE = uuid.UUID("6a1f7c2e-3b4d-5e6f-8a9b-0c1d2e3f4a5b")


def _check_shape(kind: ActivityKind, duration_s: int | None) -> None:
    if duration_s is not None and kind is not ActivityKind.CALL:
        raise InvalidInput("duration_s is for calls only", field="duration_s")


def _check_not_future(at: dt.datetime, now: dt.datetime, field: str) -> None:
    if at > now + FUTURE_GRACE:
        raise InvalidInput(f"{field} {at.isoformat()} is in the future (now is {now.isoformat()})", field=field)


async def _stored(conn: asyncpg.Connection, activity_id: uuid.UUID) -> Activity:
    activity = await repository.activity_by_id(conn, activity_id)
    assert activity is not None  # stored in this transaction
    return activity


async def log_activity(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, request: ActivityCreate, now: dt.datetime
) -> Replayed:
    role, user_id = principal.role.value, principal.user_id
    body = idempotency.fingerprint(request)
    stored = await idempotency.begin(conn, user_id, CREATE, str(request.id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, Activity), stored.status_code, True)
    _check_shape(request.kind, request.duration_s)
    _check_not_future(request.occurred_at, now, "occurred_at")
    if not await repository.account_in_scope(conn, role, user_id, request.account_id):
        raise NotFound(f"account {request.account_id} not found", field="account_id")
    if request.deal_id is not None:
        deal = await repository.deal_in_scope(conn, role, user_id, request.deal_id)
        if deal is None:
            raise NotFound(f"deal {request.deal_id} not found", field="deal_id")
        if deal.account_id != request.account_id:
            raise InvalidInput(f"deal {request.deal_id} is about another account", field="deal_id")
    inserted = await repository.insert_activity(
        conn,
        NewActivity(
            id=request.id,
            account_id=request.account_id,
            deal_id=request.deal_id,
            user_id=user_id,
            kind=request.kind.value,
            direction=request.direction.value if request.direction else None,
            occurred_at=request.occurred_at,
            duration_s=request.duration_s,
            outcome=request.outcome,
            note=request.note,
            provider=None,
            provider_event_id=None,
            created_at=now,
        ),
    )
    if not inserted:
        raise Conflict(f"activity id {request.id} is already taken; generate a new UUID", field="id")
    activity = await _stored(conn, request.id)
    await idempotency.finish(conn, user_id, CREATE, str(request.id), 201, activity)
    return Replayed(activity, 201, False)


async def list_activities(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    account_id: int | None,
    user_id: int | None,
    kind: ActivityKind | None,
    cursor: str | None,
    limit: int,
) -> ActivityPage:
    """Activities the caller may read, newest first; an account or user outside their scope is 404."""
    role, caller = principal.role.value, principal.user_id
    if account_id is not None and not await repository.account_in_scope(conn, role, caller, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")
    if user_id is not None and not await repository.user_in_scope(conn, role, caller, user_id):
        raise NotFound(f"user {user_id} not found", field="user_id")
    after = None
    if cursor is not None:
        at_text, id_text = decode_cursor(cursor, (str, str))
        try:
            after = (dt.datetime.fromisoformat(str(at_text)), uuid.UUID(str(id_text)))
        except ValueError as exc:
            raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
    items = await repository.list_activities(
        conn,
        role,
        caller,
        account_id=account_id,
        of_user_id=user_id,
        kind=kind.value if kind is not None else None,
        after=after,
        limit=limit + 1,
    )
    if len(items) <= limit:
        return ActivityPage(items=items, next_cursor=None)
    last = items[limit - 1]
    return ActivityPage(items=items[:limit], next_cursor=encode_cursor([last.occurred_at.isoformat(), str(last.id)]))


def verify_signature(
    settings: Settings, timestamp: str | None, signed: str | None, body: bytes, wall_now: dt.datetime
) -> None:
    """The webhook's authentication (module docstring): raises unless the body is signed with the
    shared secret and the signed timestamp is within the replay window."""
    secret = settings.activity_webhook_secret
    if not secret:
        raise NotFound("the activity webhook is not configured (FIELDSALES_ACTIVITY_WEBHOOK_SECRET is empty)")
    text = (timestamp or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise Unauthenticated(f"{TIMESTAMP_HEADER} must be the signing time in Unix seconds", field=TIMESTAMP_HEADER)
    if not signed or not signed.strip():
        raise Unauthenticated(
            f"{SIGNATURE_HEADER}: sha256=<hex HMAC of '<timestamp>.<body>'> is required", field=SIGNATURE_HEADER
        )
    if not hmac.compare_digest(signature(secret, int(text), body).encode(), signed.strip().encode()):
        raise Unauthenticated("the signature does not match the timestamp and body", field=SIGNATURE_HEADER)
    if abs(wall_now.timestamp() - int(text)) > settings.activity_webhook_max_age_s:
        raise Unauthenticated(
            f"the signed timestamp is more than {settings.activity_webhook_max_age_s} s from now (replay window)",
            field=TIMESTAMP_HEADER,
        )


async def _account_of_phone(conn: asyncpg.Connection, phone: str, region: str, user_id: int | None) -> int:
    numbers, _ = normalize_phones(phone, region)
    if len(numbers) != 1:
        raise InvalidInput(f"{phone!r} is not one valid phone number", field="phone")
    matches = await repository.accounts_by_phone(conn, numbers[0], user_id)
    if not matches:
        raise InvalidInput(f"no account has the phone {numbers[0]}", field="phone")
    if len(matches) > 1:
        # Several outlets share the number (a chain's switchboard): the one the user works with, if
        # exactly one of them is theirs.
        matches = [match for match in matches if match.visible_to_user]
        if len(matches) != 1:
            raise InvalidInput(
                f"several accounts have the phone {numbers[0]}; name the user (user_email) who works with one",
                field="phone",
            )
    return matches[0].account_id


async def receive_webhook(
    conn: asyncpg.Connection,
    settings: Settings,
    provider: str,
    event: WebhookEvent,
    *,
    timestamp: str | None,
    signed: str | None,
    body: bytes,
    wall_now: dt.datetime,
    now: dt.datetime,
) -> Activity:
    """Store a provider's call or message on the account whose phone it names (module docstring)."""
    verify_signature(settings, timestamp, signed, body, wall_now)
    if not PROVIDER.fullmatch(provider):
        raise InvalidInput("provider is 1-60 characters: a-z, 0-9, _ and -", field="provider")
    if await repository.provider_event_exists(conn, provider, event.event_id):
        raise Conflict(f"event {event.event_id} of {provider} was already received", field="event_id")
    _check_shape(event.kind, event.duration_s)
    _check_not_future(event.started_at, now, "started_at")
    user_id = None
    if event.user_email is not None:
        user_id = await repository.active_user_by_email(conn, event.user_email.strip())
        if user_id is None:
            raise InvalidInput(f"no active user has the email {event.user_email!r}", field="user_email")
    account_id = await _account_of_phone(conn, event.phone, settings.default_phone_region, user_id)
    activity_id = uuid.uuid5(WEBHOOK_NAMESPACE, f"{provider}:{event.event_id}")
    inserted = await repository.insert_activity(
        conn,
        NewActivity(
            id=activity_id,
            account_id=account_id,
            deal_id=None,
            user_id=user_id,
            kind=event.kind.value,
            direction=event.direction.value if event.direction else None,
            occurred_at=event.started_at,
            duration_s=event.duration_s,
            outcome=event.outcome,
            note=event.note,
            provider=provider,
            provider_event_id=event.event_id,
            created_at=now,
        ),
    )
    if not inserted:  # the same event delivered twice at once: the other delivery stored it
        raise Conflict(f"event {event.event_id} of {provider} was already received", field="event_id")
    return await _stored(conn, activity_id)
