"""GET /health: the database answers and the schema is current."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from backend.db.migrate import pending_migrations
from backend.settings import Settings


@get("/health", tags=["health"], summary="Liveness and readiness")
async def health(state: State) -> Response[dict[str, Any]]:
    settings: Settings = state.settings
    try:
        async with state.pool.acquire(timeout=settings.pool_acquire_timeout_s) as conn:
            pending = await pending_migrations(conn)
    except Exception as exc:
        return Response({"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, status_code=503)
    if pending:
        names = [f"{migration.version:04d}_{migration.name}" for migration in pending]
        return Response({"status": "unavailable", "database": "ok", "pending_migrations": names}, status_code=503)
    return Response({"status": "ok", "database": "ok", "pending_migrations": []}, status_code=200)
