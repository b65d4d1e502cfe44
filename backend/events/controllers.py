"""HTTP: GET /api/v1/me/events, server-sent events: new route versions and notifications."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.response import ServerSentEvent, ServerSentEventMessage

from backend.events import service
from backend.http.dependencies import AppSettings, Caller

RETRY_MS = 5000


class MyEventsController(Controller):
    path = "/api/v1/me/events"
    tags = ["routes"]

    @get(
        "",
        summary="Server-sent events: new versions of the caller's routes, hand-overs, task reminders",
        opt={"media_types": ["text/event-stream"]},
    )
    async def events(
        self, request: Request[Any, Any, Any], principal: Caller, state: State, settings: AppSettings
    ) -> ServerSentEvent:
        """`text/event-stream`, for every signed-in user. Each event has `id: <event id>`, an `event:`
        name and JSON data:

        - `route`: a new version of one of the caller's day routes (route_id, day, version, kind,
          etag, published_at); fetch the day's route again.
        - `handover`: a deal or an account was handed to or from the caller (deal_id, account_id,
          account_name, from_user_id, to_user_id, reason, created_at).
        - `task_reminder`: one of the caller's tasks is due soon (task_id, title, due_at, account_id,
          deal_id, created_at).

        Other event names may be added; a client ignores those it does not know. Reconnect with
        `Last-Event-ID` to get what came after that event (one numbering across all event names)."""
        after = service.parse_last_event_id(request.headers.get("last-event-id"))
        stream = service.user_events(
            state.pool,
            principal.user_id,
            after,
            poll_s=settings.events_poll_s,
            stream_s=settings.events_stream_s,
            timeout_s=settings.pool_acquire_timeout_s,
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            yield ServerSentEventMessage(data=None, retry=RETRY_MS, comment="route versions and notifications")
            async for event in stream:
                data = msgspec.json.encode(event.data).decode()
                yield ServerSentEventMessage(data=data, event=event.event, id=str(event.id))

        return ServerSentEvent(messages(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
