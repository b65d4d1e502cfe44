"""GET /metrics (Prometheus text format); public like /health: it holds timings and counts, no data."""

from __future__ import annotations

import asyncpg
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST

from backend.metrics.schemas import PoolUsage
from backend.metrics.service import exposition
from backend.settings import Settings


def _pool_usage(pool: object) -> PoolUsage | None:
    if not isinstance(pool, asyncpg.Pool):
        return None  # an injected connection source (tests) has no sizes
    size, idle = pool.get_size(), pool.get_idle_size()
    return PoolUsage(in_use=size - idle, idle=idle, max=pool.get_max_size())


@get("/metrics", tags=["health"], summary="Prometheus metrics", include_in_schema=False)
async def metrics_endpoint(state: State) -> Response[bytes]:
    settings: Settings = state.settings
    async with state.pool.acquire(timeout=settings.pool_acquire_timeout_s) as conn:
        body = await exposition(conn, _pool_usage(state.pool))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
