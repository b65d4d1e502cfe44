"""Login, refresh rotation, token abuse, lock-out and error bodies."""

from __future__ import annotations

import time

import asyncpg
import httpx
import jwt

from backend.auth.tokens import ALGORITHM
from backend.settings import Settings
from tests.backend.conftest import auth_headers, login


async def test_login_returns_a_bearer_pair_and_me_answers(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "rep1@example.com")
    assert tokens["token_type"] == "bearer"
    assert 0 < tokens["expires_in"] <= 3600
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "rep1@example.com"
    assert body["role"] == "rep"
    assert body["rep"]["time_zone"] == "Europe/Helsinki"
    assert len(body["territories"]) == 1


async def test_wrong_password_is_401_and_after_five_failures_the_next_attempt_waits_429(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        response = await client.post("/api/v1/auth/login", json={"email": "rep2@example.com", "password": "nope-nope"})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    waiting = await client.post("/api/v1/auth/login", json={"email": "rep2@example.com", "password": "demo-password"})
    assert waiting.status_code == 429
    assert "wait" in waiting.json()["detail"]
    # The first wait is one second (then 2, 4 ... up to five minutes), not a quarter-hour lock.
    assert waiting.headers["retry-after"] == "1"


async def test_unknown_email_is_the_same_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "who@example.com", "password": "demo-password"})
    assert response.status_code == 401
    assert response.json()["detail"] == "email or password is wrong"


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_login(client: httpx.AsyncClient) -> None:
    first = await login(client, "rep1@example.com")
    second = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    new_pair = second.json()
    assert new_pair["refresh_token"] != first["refresh_token"]
    reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # The thief's reuse also kills the legitimate successor.
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
    assert after.status_code == 401


async def test_an_access_token_is_not_a_refresh_token(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "rep1@example.com")
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401


def _claims(settings: Settings, user_id: int, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": str(user_id),
        "typ": "access",
        "role": "admin",
        "email": "rep1@example.com",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


async def test_expired_forged_none_and_wrong_audience_tokens_get_401(
    client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection
) -> None:
    user_id = await conn.fetchval("select id from users where email = 'rep1@example.com'")
    now = int(time.time())
    bad_tokens = {
        "expired": jwt.encode(_claims(settings, user_id, exp=now - 10, iat=now - 700), settings.jwt_secret, ALGORITHM),
        "forged": jwt.encode(_claims(settings, user_id), "another-secret-of-sufficient-length-0123456789", ALGORITHM),
        "alg none": jwt.encode(_claims(settings, user_id), None, algorithm="none"),
        "wrong audience": jwt.encode(_claims(settings, user_id, aud="other-api"), settings.jwt_secret, ALGORITHM),
        "garbage": "not.a.token",
    }
    for kind, token in bad_tokens.items():
        response = await client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, kind
        assert response.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_malformed_bodies_get_4xx_naming_the_field(client: httpx.AsyncClient) -> None:
    wrong_type = await client.post("/api/v1/auth/login", json={"email": 42, "password": "x"})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["field"] == "email"
    missing = await client.post("/api/v1/auth/login", json={"email": "rep1@example.com"})
    assert missing.status_code == 422
    assert missing.json()["field"] == "password"
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "rep1@example.com", "password": "demo-password", "role": "admin"}
    )
    assert unknown.status_code == 422
    assert "role" in unknown.json()["detail"]
    not_json = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert 400 <= not_json.status_code < 500
    assert not_json.json()["field"] == "body"


async def test_admin_and_supervisor_see_their_profiles(client: httpx.AsyncClient) -> None:
    for email, role in [("admin@example.com", "admin"), ("supervisor@example.com", "supervisor")]:
        response = await client.get("/api/v1/me", headers=await auth_headers(client, email))
        assert response.status_code == 200
        assert response.json()["role"] == role
        assert response.json()["rep"] is None
