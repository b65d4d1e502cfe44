"""Backend tests run against a real PostgreSQL+PostGIS: migrated once per session, the demo city
loaded once, and each test inside a transaction that is rolled back."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.db.migrate import migrate
from backend.db.pool import connect
from backend.demo.service import DEMO_PASSWORD, load_demo_city
from backend.jobs.nightly import install_queue
from backend.planning.solver_pool import SolverPool
from backend.settings import Settings, load_settings
from geo_data.demo_city import DemoCity
from geo_data.demo_city import load_demo_city as read_demo_city

if TYPE_CHECKING:
    from tests.backend.supervision.known_day import KnownDay

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    script = ROOT / "scripts" / "ensure_db.sh"
    return subprocess.run([str(script), "fieldsales_test"], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings({}, environment="test", database_url=_test_database_url())


@pytest.fixture(scope="session")
def demo_city() -> DemoCity:
    return read_demo_city()


@pytest.fixture(scope="session")
async def migrated(settings: Settings, demo_city: DemoCity) -> AsyncIterator[list[str]]:
    """A fresh schema, migrated twice (the second run must be a no-op), with the demo city loaded."""
    conn = await connect(settings)
    try:
        await conn.execute("drop schema if exists public cascade; create schema public;")
        first = await migrate(conn)
        second = await migrate(conn)
        assert first, "the first run applies every migration"
        assert second == [], "a second run applies nothing"
        # As `fieldsales migrate` does: the job queue's tables, through pgqueuer's own API.
        assert await install_queue(conn) is True
        assert await install_queue(conn) is False
        async with conn.transaction():
            await load_demo_city(conn, demo_city, DEMO_PASSWORD)
        yield [f"{m.version:04d}_{m.name}" for m in first]
    finally:
        await conn.close()


@pytest.fixture
async def conn(settings: Settings, migrated: list[str]) -> AsyncIterator[asyncpg.Connection]:
    connection = await connect(settings)
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


class SingleConnectionSource:
    """Hands every request the test's connection; each request's transaction becomes a savepoint."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    @asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[asyncpg.Connection]:  # noqa: ASYNC109
        yield self.connection


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection) -> Litestar:
    return create_app(settings, pool=SingleConnectionSource(conn))


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    # In the test's own event loop (Litestar's test client runs the app in another thread, where the
    # test's asyncpg connection cannot be used); the pool is injected, so no lifespan is needed.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


async def login(client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def auth_headers(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    tokens = await login(client, email)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture(scope="session")
def solver() -> Iterator[SolverPool]:
    """One solver process for the whole session (planning, re-plans through the API, the known day)."""
    pool = SolverPool(processes=1)
    yield pool
    pool.close()


@pytest.fixture
async def known_day(conn: asyncpg.Connection, solver: SolverPool) -> KnownDay:
    """The supervision known day (two teams, routes, visits) inside the test's transaction."""
    from tests.backend.supervision.known_day import build_known_day

    return await build_known_day(conn, SingleConnectionSource(conn), solver)
