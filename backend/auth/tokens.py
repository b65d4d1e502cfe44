"""JWT access and refresh tokens with a pinned algorithm, issuer and audience."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from backend.auth.principal import Principal, Role
from backend.errors import Unauthenticated
from backend.settings import Settings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class RefreshClaims:
    user_id: int
    jti: uuid.UUID
    family_id: uuid.UUID
    session_version: int


def _encode(settings: Settings, claims: dict[str, object], ttl_s: int) -> str:
    now = int(time.time())
    payload = {
        **claims,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm=ALGORITHM)


def _decode(settings: Settings, token: str, expected_type: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "typ", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("the token is not valid") from exc
    if claims.get("typ") != expected_type:
        raise Unauthenticated(f"a {expected_type} token is required")
    return claims


def issue_access_token(settings: Settings, principal: Principal) -> str:
    claims: dict[str, object] = {
        "sub": str(principal.user_id),
        "typ": "access",
        "role": principal.role.value,
        "email": principal.email,
        "sv": principal.session_version,
    }
    return _encode(settings, claims, settings.access_token_ttl_s)


def issue_refresh_token(settings: Settings, principal: Principal, jti: uuid.UUID, family_id: uuid.UUID) -> str:
    claims: dict[str, object] = {
        "sub": str(principal.user_id),
        "typ": "refresh",
        "jti": str(jti),
        "fam": str(family_id),
        "sv": principal.session_version,
    }
    return _encode(settings, claims, settings.refresh_token_ttl_s)


def read_access_token(settings: Settings, token: str) -> Principal:
    claims = _decode(settings, token, "access")
    try:
        return Principal(
            user_id=int(str(claims["sub"])),
            role=Role(str(claims["role"])),
            email=str(claims["email"]),
            session_version=int(str(claims["sv"])),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthenticated("the token is not valid") from exc


def read_refresh_token(settings: Settings, token: str) -> RefreshClaims:
    claims = _decode(settings, token, "refresh")
    try:
        return RefreshClaims(
            user_id=int(str(claims["sub"])),
            jti=uuid.UUID(str(claims["jti"])),
            family_id=uuid.UUID(str(claims["fam"])),
            session_version=int(str(claims["sv"])),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthenticated("the token is not valid") from exc
