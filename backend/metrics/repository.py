"""SQL for gauges read at scrape time."""

from __future__ import annotations

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.metrics.schemas import QueueDepth

Q = load_queries("backend.metrics")


async def job_queue_depth(conn: asyncpg.Connection) -> list[QueueDepth]:
    return [msgspec.convert(dict(row), QueueDepth) for row in await conn.fetch(Q["job_queue_depth"])]
