"""Every HTTP request gets an id (the client's `X-Request-ID` when it is a short token, else a new
one) that every log line written while serving it carries, and that the response returns in
`X-Request-ID`; its latency is recorded by route template for /metrics.

A plain ASGI middleware, placed first: Litestar's exception handlers run inside it, so error
responses carry the header and their log lines the id too.
"""

from __future__ import annotations

import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.observability import metrics
from backend.observability.context import accept_or_new, bound_id

HEADER = b"x-request-id"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        offered = next((value.decode("latin-1") for key, value in scope["headers"] if key == HEADER), None)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        with bound_id(accept_or_new(offered)) as request_id:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("path_template") or "unmatched"
                metrics.REQUEST_SECONDS.labels(str(scope.get("method", "")), route, str(status)).observe(
                    time.perf_counter() - started
                )
