"""Resource limits, each tested: body size (413), page size (422), the solver's time per re-plan and the
bounded solver processes, PostgreSQL's statement timeout (503) and the pool's acquire timeout (503)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
import zoneinfo
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

import routing
from backend.app import create_app
from backend.auth.principal import Principal, Role
from backend.auth.tokens import issue_access_token
from backend.clock import SimulatedClock
from backend.db.pool import create_pool
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.supervision.known_day import DAY, KnownDay

pytestmark = pytest.mark.db


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_a_body_over_the_cap_is_413_problem_json(settings: Settings, conn: asyncpg.Connection) -> None:
    assert settings.max_request_body_bytes == 16 * 1024 * 1024  # the production default
    small = msgspec.structs.replace(settings, max_request_body_bytes=2048)
    async with _client(create_app(small, pool=SingleConnectionSource(conn))) as client:
        headers = await auth_headers(client, "rep1@example.com")
        body = b'{"reason": "' + b"x" * 4096 + b'"}'
        response = await client.post(
            "/api/v1/visits", content=body, headers={**headers, "content-type": "application/json"}
        )
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "body"


@pytest.mark.parametrize(
    ("path", "email"),
    [
        ("/api/v1/me/accounts", "rep1@example.com"),
        ("/api/v1/accounts", "supervisor@example.com"),
        ("/api/v1/duplicates", "supervisor@example.com"),
        ("/api/v1/leads/unassigned", "supervisor@example.com"),
    ],
)
async def test_a_page_over_500_is_422_naming_limit(client: httpx.AsyncClient, path: str, email: str) -> None:
    headers = await auth_headers(client, email)
    assert (await client.get(path, params={"limit": 500}, headers=headers)).status_code == 200
    for limit in (501, 10_000, 0):
        response = await client.get(path, params={"limit": limit}, headers=headers)
        assert response.status_code == 422, (limit, response.text)
        assert response.json()["field"] == "limit"


async def test_a_replan_solves_within_the_configured_time_cap(
    settings: Settings, conn: asyncpg.Connection, known_day: KnownDay, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[float | None] = []
    original = SolverPool.solve

    async def recording(self: SolverPool, problem: routing.Problem, params: routing.SolveParams) -> routing.Solution:
        seen.append(params.time_limit_s)
        return await original(self, problem, params)

    monkeypatch.setattr(SolverPool, "solve", recording)
    capped = msgspec.structs.replace(settings, replan_time_limit_s=0.3)
    # A re-plan is for today, inside the shift: the business clock stands on the known day at 09:00.
    morning = dt.datetime.combine(DAY, dt.time(9), zoneinfo.ZoneInfo("Europe/Helsinki"))
    app = create_app(capped, pool=SingleConnectionSource(conn), clock=SimulatedClock(morning))
    try:
        async with _client(app) as client:
            headers = await auth_headers(client, "rep1@example.com")
            started = time.monotonic()
            response = await client.post(
                "/api/v1/me/route/replan",
                headers=headers,
                json={"lat": 60.17, "lon": 24.94, "time_s": 9 * 3600, "day": DAY.isoformat()},
            )
            elapsed = time.monotonic() - started
    finally:
        app.state.solver.close()
    assert response.status_code == 200, response.text
    assert seen == [0.3]
    assert elapsed < 10, "the solve is capped (the rest is process start-up on a loaded machine)"


def _busy(seconds: float) -> tuple[float, float]:
    started = time.monotonic()
    time.sleep(seconds)
    return started, time.monotonic()


async def test_solves_in_the_api_process_are_bounded_by_the_pool_size() -> None:
    pool = SolverPool(processes=1)
    try:
        spans = await asyncio.gather(*(pool.call(_busy, 0.2) for _ in range(3)))
    finally:
        pool.close()
    spans = sorted(spans)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end - 0.01, "two solves overlapped in a pool of one process"


async def test_a_statement_over_the_timeout_is_503_with_retry_after(settings: Settings, migrated: list[str]) -> None:
    tight = msgspec.structs.replace(settings, statement_timeout_ms=1, pool_min_size=1, pool_max_size=2)
    pool = await create_pool(tight)
    try:
        token = issue_access_token(tight, Principal(user_id=1, role=Role.ADMIN, email="admin@example.com"))
        async with _client(create_app(tight, pool=pool)) as client:
            statuses = []
            # Real endpoints with real queries (no test-only route): coverage counts accounts per polygon.
            for path in ("/api/v1/territories/coverage", "/api/v1/reports/coverage", "/api/v1/accounts?limit=500"):
                response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                statuses.append(response.status_code)
                if response.status_code == 503:
                    assert response.headers["retry-after"]
                    assert response.headers["content-type"].startswith("application/problem+json")
                    assert "too long" in response.json()["detail"]
            assert 503 in statuses, statuses
            assert 500 not in statuses, statuses
    finally:
        await pool.close()


async def test_waiting_too_long_for_a_pooled_connection_is_503_with_retry_after(
    settings: Settings, migrated: list[str]
) -> None:
    tight = msgspec.structs.replace(settings, pool_min_size=1, pool_max_size=1, pool_acquire_timeout_s=0.2)
    pool = await create_pool(tight)
    try:
        token = issue_access_token(tight, Principal(user_id=1, role=Role.ADMIN, email="admin@example.com"))
        async with _client(create_app(tight, pool=pool)) as client, pool.acquire():  # the only connection, held
            started = time.monotonic()
            response = await client.get("/api/v1/territories", headers={"Authorization": f"Bearer {token}"})
            assert time.monotonic() - started < 3
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert response.headers["content-type"].startswith("application/problem+json")
        # Released: the pool serves again.
        async with _client(create_app(tight, pool=pool)) as client:
            ok = await client.get("/api/v1/territories", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    finally:
        await pool.close()
