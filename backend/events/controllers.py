"""HTTP: GET /api/v1/me/events, server-sent events announcing new route versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.response import ServerSentEvent, ServerSentEventMessage

from backend.auth.principal import Role
from backend.events import service
from backend.http.dependencies import AppSettings, Caller
from backend.http.security import requires_role

RETRY_MS = 5000


class MyEventsController(Controller):
    path = "/api/v1/me/events"
    tags = ["routes"]
    guards = [requires_role(Role.REP)]

    @get("", summary="Server-sent events: new versions of the caller's routes")
    async def events(
        self, request: Request[Any, Any, Any], principal: Caller, state: State, settings: AppSettings
    ) -> ServerSentEvent:
        """`text/event-stream`; each event is `event: route`, `id: <event id>` and JSON data (route id,
        day, version, kind, etag). Reconnect with `Last-Event-ID` to get what came after that event."""
        after = service.parse_last_event_id(request.headers.get("last-event-id"))
        stream = service.route_events(
            state.pool,
            principal.user_id,
            after,
            poll_s=settings.events_poll_s,
            stream_s=settings.events_stream_s,
            timeout_s=settings.pool_acquire_timeout_s,
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            yield ServerSentEventMessage(data=None, retry=RETRY_MS, comment="route versions")
            async for event in stream:
                payload = {
                    "route_id": event.route_id,
                    "day": event.day.isoformat(),
                    "version": event.version,
                    "kind": event.kind,
                    "etag": event.etag,
                    "published_at": event.published_at.isoformat(),
                }
                yield ServerSentEventMessage(data=msgspec.json.encode(payload).decode(), event="route", id=event.id)

        return ServerSentEvent(messages(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
