"""GET /metrics (Prometheus text format); public like /health: it holds timings and counts, no data."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST

from backend.metrics.service import exposition
from backend.settings import Settings


@get("/metrics", tags=["health"], summary="Prometheus metrics", include_in_schema=False)
async def metrics_endpoint(state: State) -> Response[bytes]:
    settings: Settings = state.settings
    async with state.pool.acquire(timeout=settings.pool_acquire_timeout_s) as conn:
        body = await exposition(conn, state.pool)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
