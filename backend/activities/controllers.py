"""HTTP: activities logged through the API, and the inbound webhook of telephony and messengers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.activities import service
from backend.activities.schemas import Activity, ActivityCreate, ActivityKind, ActivityPage, WebhookEvent
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.orders.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER

REPLAYED_HEADER = "Idempotent-Replayed"


class ActivitiesController(Controller):
    path = "/api/v1/activities"
    tags = ["activities"]

    @post("", status_code=201, summary="Log a call, meeting or message (offline first)")
    async def log_activity(
        self,
        data: JSONBody[ActivityCreate],
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
    ) -> Response[Activity]:
        """The caller is the activity's user. Idempotent by the client's `id`: the same body again
        replays the 201 (with `Idempotent-Replayed: true`); another body under the same id is 409
        (`id`). An account or deal outside the caller's scope is 404 (`account_id`, `deal_id`); a deal
        of another account 422 (`deal_id`); `occurred_at` in the future 422; `duration_s` on anything
        but a call 422. Nothing is stored on error."""
        result = await service.log_activity(conn, settings, principal, data, clock.now())
        headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
        return Response(content=result.activity, status_code=result.status_code, headers=headers)

    @get("", summary="Activities in the caller's scope, newest first")
    async def list_activities(
        self,
        conn: Conn,
        principal: Caller,
        account_id: Annotated[int | None, QueryParameter(ge=1, description="on this account")] = None,
        user_id: Annotated[int | None, QueryParameter(ge=1, description="by this person")] = None,
        kind: Annotated[ActivityKind | None, QueryParameter(description="call, meeting or message")] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500, description="page size (1-500)")] = 100,
    ) -> ActivityPage:
        """Activities on accounts the caller sees or by people they see, by `occurred_at` newest
        first, keyset-paginated by `cursor`. An account or user outside the scope is 404 naming it."""
        return await service.list_activities(
            conn, principal, account_id=account_id, user_id=user_id, kind=kind, cursor=cursor, limit=limit
        )


class ActivityWebhookController(Controller):
    path = "/api/v1/webhooks/activities"
    tags = ["activities"]

    @post("/{provider:str}", status_code=201, security=[], summary="Receive a call or message from a provider")
    async def receive_activity_webhook(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[WebhookEvent],
        provider: FromPath[str],
        conn: Conn,
        settings: AppSettings,
        clock: BusinessClock,
    ) -> Activity:
        """For telephony and messenger providers; no user token. Signed like the order webhooks this
        service sends: `X-Fieldsales-Timestamp` (Unix seconds) and `X-Fieldsales-Signature:
        sha256=<hex>` = HMAC-SHA256 of `<timestamp>.<body>` under FIELDSALES_ACTIVITY_WEBHOOK_SECRET.
        404 while no secret is configured; a missing or wrong signature or timestamp is 401 naming the
        header; a timestamp more than FIELDSALES_ACTIVITY_WEBHOOK_MAX_AGE_S from now (the replay
        window) 401; an `event_id` of this provider already received 409 (`event_id`; take it as
        "already stored"); a phone matching no account (normalised to E.164) 422 (`phone`); an unknown
        `user_email` 422. The activity lands on the account's timeline. Nothing is stored on error."""
        body = await request.body()
        return await service.receive_webhook(
            conn,
            settings,
            provider,
            data,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signed=request.headers.get(SIGNATURE_HEADER),
            body=body,
            wall_now=datetime.now(UTC),
            now=clock.now(),
        )
