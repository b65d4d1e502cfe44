"""Compressed and revalidated answers for the console's heavy reads, in one place.

Litestar's compression (gzip) wraps every route; inside it, `ConditionalGet` gives the console's
static files and GeoJSON layers an ETag computed on the uncompressed body (a strong hash of what the
handler produced, so the same layer compresses to the same tag) and answers `If-None-Match` with 304
and no body. Only GET/HEAD answers of `CACHEABLE` paths are buffered (never a stream such as SSE).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE = re.compile(
    r"^(/supervisor/assets/|/supervisor/config\.json$|/api/v1/supervision/[a-z_]+\.geojson$|/schema/openapi\.json$)"
)


class ConditionalGet:
    """ETag on the uncompressed body of a cacheable GET; 304 when the client already has it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != ScopeType.HTTP
            or scope.get("method") not in {"GET", "HEAD"}
            or not CACHEABLE.match(scope.get("path", ""))
        ):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        complete = asyncio.Event()

        async def capture(message: Message) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete.set()

        async def receive_until_complete() -> Any:
            # A streamed answer (a large static file) listens for the client's disconnect until it
            # ends; the server only reports that once it has the whole answer, which is held here.
            # So once the answer is complete, the handler is told the exchange is over.
            if complete.is_set():
                return {"type": "http.disconnect"}
            received = asyncio.ensure_future(receive())
            finished = asyncio.ensure_future(complete.wait())
            done, pending = await asyncio.wait({received, finished}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            return received.result() if received in done else {"type": "http.disconnect"}

        await self.app(scope, receive_until_complete, capture)
        start = messages[0] if messages else None
        if start is None or start["type"] != "http.response.start" or start["status"] != 200:
            for message in messages:
                await send(message)
            return
        body = b"".join(_body(message) for message in messages[1:])
        headers = MutableScopeHeaders(start)
        etag = headers.get("etag") or f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers["etag"] = etag
        if "cache-control" not in headers:
            headers["cache-control"] = "private, no-cache"  # revalidate: a 304 costs a round trip, no body
        request_tags = _header(scope, b"if-none-match")
        if request_tags and (request_tags.strip() == "*" or etag in [tag.strip() for tag in request_tags.split(",")]):
            not_modified: dict[str, Any] = {
                "type": "http.response.start",
                "status": 304,
                "headers": [(b"etag", etag.encode()), (b"cache-control", headers["cache-control"].encode())],
            }
            await send(not_modified)  # type: ignore[arg-type]
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        headers["content-length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _body(message: Message) -> bytes:
    body: Any = message.get("body", b"")
    return bytes(body)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class ConditionalCompression(CompressionMiddleware):
    """gzip outside, ETag/304 inside (on the uncompressed body)."""

    def __init__(self, app: ASGIApp, config: CompressionConfig) -> None:
        super().__init__(app=ConditionalGet(app), config=config)


def compression_config() -> CompressionConfig:
    """gzip above 1 KB (the 510 KB basemap goes as about a fifth of that)."""
    return CompressionConfig(
        backend="gzip", minimum_size=1024, gzip_compress_level=6, middleware_class=ConditionalCompression
    )
