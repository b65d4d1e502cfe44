"""Check-in and check-out: verified by `visits.checkin`, stored flagged (never refused for a flag),
idempotent by the client's visit id, ordered by the device clock.

Rules beyond the flags (each a pure function of `visits.checkin`):

- A retry under a new id: a check-in by the same rep at the same account while their visit there is
  open and within `check_in_retry_window_s` (device time) is answered with that first visit (200,
  `Idempotent-Replayed: true`, the first visit's `id`), and nothing new is stored; the new id then
  replays the same answer. The phone adopts the returned id.
- A check-out while a required checklist is unanswered is accepted and flagged `checklist_missing`
  (the flag goes when the answers arrive, see `checklist_answered`); with the setting
  `checkout_requires_checklist` it is refused with 409 naming `checklist` instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.errors import Conflict, InvalidInput, NotFound
from backend.idempotency import service as idempotency
from backend.pagination import decode_cursor, encode_cursor
from backend.scope.service import rep_is_visible
from backend.settings import Settings
from backend.visits import repository
from backend.visits.schemas import CheckInRequest, CheckOutRequest, OwnVisit, Replayed, Visit, VisitList
from visits.checkin import (
    CheckPolicy,
    Fix,
    Flag,
    PreviousCheckIn,
    checklist_flags,
    checklist_refused,
    impossible_speed,
    merge_flags,
    retried_check_in,
    verify_check_in,
    verify_check_out,
)

CHECK_IN = "visit.check_in"
CHECK_OUT = "visit.check_out"


def check_policy(settings: Settings) -> CheckPolicy:
    return CheckPolicy(
        radius_m=settings.geofence_radius_m,
        max_accuracy_m=settings.max_gps_accuracy_m,
        max_speed_kmh=settings.max_speed_kmh,
        max_clock_skew_s=settings.max_clock_skew_s,
        # A phone replays what it did offline for as long as its idempotency keys are kept.
        max_offline_s=float(settings.idempotency_ttl_s),
        min_visit_s=settings.min_visit_s,
        retry_window_s=settings.check_in_retry_window_s,
    )


async def own_visit(conn: asyncpg.Connection, principal: Principal, visit_id: uuid.UUID) -> OwnVisit:
    """The caller's own visit, or 404 (another rep's visit is not found, never forbidden)."""
    visit = await repository.visit_of_rep(conn, visit_id, principal.user_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found", field="visit_id")
    return visit


async def _visit(conn: asyncpg.Connection, principal: Principal, visit_id: uuid.UUID) -> Visit:
    visit = await repository.visit_in_scope(conn, visit_id, principal.role.value, principal.user_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found", field="visit_id")
    return visit


async def check_in(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, request: CheckInRequest, now: datetime
) -> Replayed:
    user_id = principal.user_id
    body = idempotency.fingerprint(msgspec.structs.replace(request, sent_at=None))
    stored = await idempotency.begin(conn, user_id, CHECK_IN, str(request.id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, Visit), stored.status_code, True)
    context = await repository.check_in_context(
        conn, request.account_id, user_id, request.lat, request.lon, request.checked_in_at, request.id
    )
    if context is None:
        raise NotFound(f"account {request.account_id} not found among the accounts you work", field="account_id")
    if context.distance_m is None:
        raise InvalidInput(f"account {request.account_id} has no location yet", field="account_id")
    policy = check_policy(settings)
    first = await repository.open_visit_at_account(conn, user_id, request.account_id, request.id, request.checked_in_at)
    if first is not None and retried_check_in(first.checked_in_at, request.checked_in_at, policy):
        first_visit = await _visit(conn, principal, first.id)
        await idempotency.finish(conn, user_id, CHECK_IN, str(request.id), 200, first_visit)
        return Replayed(first_visit, 200, True)
    previous = (
        None
        if context.previous_at is None or context.previous_distance_m is None
        else PreviousCheckIn(at=context.previous_at, distance_m=context.previous_distance_m)
    )
    on_route = None if context.route_id is None else context.route_stop_seq is not None
    flags = verify_check_in(
        fix=Fix(lat=request.lat, lon=request.lon, accuracy_m=request.accuracy_m, mock_location=request.mock_location),
        distance_m=context.distance_m,
        at=request.checked_in_at,
        sent_at=request.sent_at,
        server_now=now,
        previous=previous,
        on_route=on_route,
        policy=policy,
    )
    visit = await repository.insert_visit(
        conn,
        visit_id=request.id,
        rep_id=user_id,
        account_id=request.account_id,
        route_id=context.route_id if on_route else None,
        route_stop_seq=context.route_stop_seq if on_route else None,
        checked_in_at=request.checked_in_at,
        lat=request.lat,
        lon=request.lon,
        accuracy_m=request.accuracy_m,
        mock_location=request.mock_location,
        distance_m=context.distance_m,
        sent_at=request.sent_at,
        reason=request.reason,
        flags=merge_flags(flags),
    )
    if visit is None:
        raise Conflict(f"visit id {request.id} is already taken; generate a new UUID", field="id")
    await _recheck_successor(conn, user_id, request, policy)
    await idempotency.finish(conn, user_id, CHECK_IN, str(request.id), 201, visit)
    return Replayed(visit, 201, False)


async def _recheck_successor(
    conn: asyncpg.Connection, rep_id: int, request: CheckInRequest, policy: CheckPolicy
) -> None:
    """A late check-in becomes the predecessor of the rep's next one (by device time): redo its speed flag."""
    successor = await repository.next_check_in(
        conn, rep_id, request.checked_in_at, request.id, request.lat, request.lon
    )
    if successor is None:
        return
    too_fast = impossible_speed(
        PreviousCheckIn(at=request.checked_in_at, distance_m=successor.distance_m), successor.checked_in_at, policy
    )
    others = [flag for flag in successor.flags if flag != Flag.IMPOSSIBLE_SPEED.value]
    updated = merge_flags(others, [Flag.IMPOSSIBLE_SPEED] if too_fast else [])
    if updated != successor.flags:
        await repository.set_flags(conn, successor.id, updated)


async def check_out(
    conn: asyncpg.Connection,
    settings: Settings,
    principal: Principal,
    visit_id: uuid.UUID,
    request: CheckOutRequest,
    now: datetime,
) -> Replayed:
    user_id = principal.user_id
    own = await own_visit(conn, principal, visit_id)
    body = idempotency.fingerprint(msgspec.structs.replace(request, sent_at=None))
    stored = await idempotency.begin(conn, user_id, CHECK_OUT, str(visit_id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, Visit), stored.status_code, True)
    missing = await repository.missing_required_checklists(conn, visit_id)
    if checklist_refused(missing, requires_checklist=settings.checkout_requires_checklist):
        raise Conflict(
            f"{missing} required checklist(s) of this visit are not answered yet; submit them, then check out",
            field="checklist",
        )
    distance_m = await repository.check_out_distance(conn, visit_id, request.lat, request.lon)
    flags = verify_check_out(
        fix=Fix(lat=request.lat, lon=request.lon, accuracy_m=request.accuracy_m, mock_location=request.mock_location),
        distance_m=distance_m,
        checked_in_at=own.checked_in_at,
        at=request.checked_out_at,
        sent_at=request.sent_at,
        server_now=now,
        policy=check_policy(settings),
    )
    await repository.check_out(
        conn,
        visit_id=visit_id,
        rep_id=user_id,
        at=request.checked_out_at,
        lat=request.lat,
        lon=request.lon,
        accuracy_m=request.accuracy_m,
        mock_location=request.mock_location,
        distance_m=distance_m,
        reason=request.reason,
        flags=merge_flags(own.flags, flags, checklist_flags(missing)),
    )
    visit = await _visit(conn, principal, visit_id)
    await idempotency.finish(conn, user_id, CHECK_OUT, str(visit_id), 200, visit)
    return Replayed(visit, 200, False)


async def checklist_answered(conn: asyncpg.Connection, visit_id: uuid.UUID) -> None:
    """A checklist arrived: a checked-out visit that owes no required checklist any more loses its
    `checklist_missing` flag (an offline phone may send the answers after the check-out)."""
    visit = await repository.visit_flags(conn, visit_id)
    if visit is None or Flag.CHECKLIST_MISSING.value not in visit:
        return
    if await repository.missing_required_checklists(conn, visit_id) == 0:
        await repository.set_flags(conn, visit_id, [flag for flag in visit if flag != Flag.CHECKLIST_MISSING.value])


async def get_visit(conn: asyncpg.Connection, principal: Principal, visit_id: uuid.UUID) -> Visit:
    return await _visit(conn, principal, visit_id)


async def list_visits(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    since: datetime | None,
    until: datetime | None,
    rep_id: int | None,
    now: datetime,
    limit: int = 500,
    cursor: str | None = None,
) -> VisitList:
    """Visits in the caller's scope by device check-in time in [since, until) (default: the last day),
    at most `limit`; `next_cursor` says there are more and where they start."""
    end = until or now + timedelta(days=1)
    start = since or end - timedelta(days=2)
    if start >= end:
        raise InvalidInput("since must be before until", field="since")
    if rep_id is not None and not await rep_is_visible(conn, principal, rep_id):
        raise NotFound(f"rep {rep_id} not found", field="rep_id")
    after = _decode_visit_cursor(cursor) if cursor is not None else None
    items = await repository.list_visits(
        conn, principal.role.value, principal.user_id, rep_id, start, end, limit + 1, after
    )
    if len(items) <= limit:
        return VisitList(items=items)
    last = items[limit - 1]
    return VisitList(items=items[:limit], next_cursor=encode_cursor([last.checked_in_at.isoformat(), str(last.id)]))


def _decode_visit_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    at_text, id_text = decode_cursor(cursor, (str, str))
    try:
        return datetime.fromisoformat(str(at_text)), uuid.UUID(str(id_text))
    except ValueError as exc:
        raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
