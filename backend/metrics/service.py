"""Gauges that are read when scraped (pool usage, job queue depth), then the whole registry as text.

Counters and histograms (request latency, solve time, slow queries) are updated where things happen.
"""

from __future__ import annotations

import asyncpg
from prometheus_client import generate_latest

from backend.metrics import repository
from backend.metrics.schemas import PoolUsage
from backend.observability import metrics


async def exposition(conn: asyncpg.Connection | None, pool: PoolUsage | None) -> bytes:
    if pool is not None:
        metrics.POOL_CONNECTIONS.labels("in_use").set(pool.in_use)
        metrics.POOL_CONNECTIONS.labels("idle").set(pool.idle)
        metrics.POOL_CONNECTIONS.labels("max").set(pool.max)
    if conn is not None:
        metrics.JOB_QUEUE_DEPTH.clear()
        for depth in await repository.job_queue_depth(conn):
            metrics.JOB_QUEUE_DEPTH.labels(depth.entrypoint).set(depth.queued)
    return generate_latest(metrics.REGISTRY)
