"""Auth abuse beyond tests/backend/test_auth.py: login limits per address, passwords never logged,
no 500 where the auth middleware does not run, ids beyond bigint."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from litestar import Litestar

from backend.auth import service
from backend.auth.principal import Role
from backend.auth.schemas import NewUser
from backend.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.db
LOGIN = "/api/v1/auth/login"


@pytest.fixture
async def from_address(app: Litestar) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Two clients of the same app (and test transaction) from two client addresses."""
    clients = {
        address: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://testserver"
        )
        for address in ("203.0.113.7", "198.51.100.9")
    }
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


async def test_twenty_failed_logins_from_one_address_answer_429_with_retry_after(
    from_address: dict[str, httpx.AsyncClient],
) -> None:
    attacker, office = from_address["203.0.113.7"], from_address["198.51.100.9"]
    # Spread over many (unknown) accounts, so no per-account lock-out is reached.
    for i in range(service.MAX_FAILURES_PER_ADDRESS):
        response = await attacker.post(LOGIN, json={"email": f"guess{i}@example.com", "password": "wrong-guess"})
        assert response.status_code == 401, response.text
    limited = await attacker.post(LOGIN, json={"email": "rep1@example.com", "password": DEMO_PASSWORD})
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(limited.headers["retry-after"]) <= service.ADDRESS_WINDOW_S
    assert "access_token" not in limited.text
    # Another address is not affected, and successful logins are never counted.
    for _ in range(3):
        ok = await office.post(LOGIN, json={"email": "rep1@example.com", "password": DEMO_PASSWORD})
        assert ok.status_code == 200


async def test_many_successful_logins_from_one_address_are_not_limited(
    from_address: dict[str, httpx.AsyncClient],
) -> None:
    office = from_address["198.51.100.9"]
    for _ in range(service.MAX_FAILURES_PER_ADDRESS + 5):
        response = await office.post(LOGIN, json={"email": "rep3@example.com", "password": DEMO_PASSWORD})
        assert response.status_code == 200


async def test_passwords_are_never_logged(
    client: httpx.AsyncClient, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Sup3r-secret-passphrase-42"
    caplog.set_level(logging.DEBUG)
    responses = [
        await client.post(LOGIN, json={"email": "rep1@example.com", "password": secret}),
        await client.post(LOGIN, json={"email": "nobody@example.com", "password": secret}),
        await client.post(LOGIN, json={"email": "rep1@example.com", "password": secret, "extra": 1}),
        await client.post(LOGIN, json={"email": 5, "password": secret}),
        await client.post(LOGIN, content=b'{"email": "rep1@example.com", "password": "' + secret.encode()),
    ]
    await service.create_user(
        conn, NewUser(email="new-rep@example.com", name="New Rep", role=Role.REP, password=secret)
    )
    assert await client.post(LOGIN, json={"email": "new-rep@example.com", "password": secret})
    for response in responses:
        assert secret not in response.text, response.text
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert secret not in logged
    stored = await conn.fetchval("select password_hash from users where email = 'new-rep@example.com'")
    assert secret not in stored and stored.startswith("$argon2id$")


async def test_automatic_options_of_a_guarded_route_is_not_a_500(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/supervision/reps", "/api/v1/me/route", "/api/v1/imports/accounts"):
        response = await client.options(path)
        assert response.status_code < 500, (path, response.text)


async def test_an_id_beyond_bigint_is_4xx_not_500(client: httpx.AsyncClient) -> None:
    from tests.backend.conftest import auth_headers

    headers = await auth_headers(client, "supervisor@example.com")
    for path in (
        "/api/v1/territories/99999999999999999999",
        "/api/v1/planning-runs/99999999999999999999",
        "/api/v1/reps/-99999999999999999999/route?day=2026-12-01",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code in (404, 422), (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
