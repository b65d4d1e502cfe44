"""Gauges that are read when scraped (pool usage, job queue depth), then the whole registry as text.

Counters and histograms (request latency, solve time, slow queries) are updated where things happen.
"""

from __future__ import annotations

import asyncpg
from prometheus_client import generate_latest

from backend.metrics import repository
from backend.observability import metrics


async def exposition(conn: asyncpg.Connection | None, pool: object) -> bytes:
    """`pool`: the API's connection source (an injected single connection in tests has no sizes)."""
    if isinstance(pool, asyncpg.Pool):
        idle = pool.get_idle_size()
        metrics.POOL_CONNECTIONS.labels("in_use").set(pool.get_size() - idle)
        metrics.POOL_CONNECTIONS.labels("idle").set(idle)
        metrics.POOL_CONNECTIONS.labels("max").set(pool.get_max_size())
    if conn is not None:
        metrics.JOB_QUEUE_DEPTH.clear()
        for depth in await repository.job_queue_depth(conn):
            metrics.JOB_QUEUE_DEPTH.labels(depth.entrypoint).set(depth.queued)
    return generate_latest(metrics.REGISTRY)
