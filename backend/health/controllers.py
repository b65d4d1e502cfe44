"""GET /health: the database answers and the schema is current."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from backend.db.migrate import pending_migrations
from backend.health.schemas import HealthStatus
from backend.settings import Settings

_UNAVAILABLE = ResponseSpec(
    data_container=HealthStatus,
    description="Not ready: the database is unreachable or a migration is pending (not a problem+json body).",
)


@get("/health", tags=["health"], summary="Liveness and readiness", responses={503: _UNAVAILABLE})
async def health(state: State) -> Response[HealthStatus]:
    settings: Settings = state.settings
    try:
        async with state.pool.acquire(timeout=settings.pool_acquire_timeout_s) as conn:
            pending = await pending_migrations(conn)
    except Exception as exc:
        unreachable = HealthStatus(status="unavailable", database=f"unreachable: {type(exc).__name__}")
        return Response(unreachable, status_code=503)
    if pending:
        names = [f"{migration.version:04d}_{migration.name}" for migration in pending]
        return Response(HealthStatus(status="unavailable", database="ok", pending_migrations=names), status_code=503)
    return Response(HealthStatus(status="ok", database="ok"), status_code=200)
