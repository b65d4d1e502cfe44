"""Bearer-token authentication middleware and role guards."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from backend.auth import service as auth_service
from backend.auth.principal import Principal, Role
from backend.auth.schemas import SessionState
from backend.auth.tokens import read_access_token
from backend.db.pool import ConnectionSource
from backend.errors import Unauthenticated, Unavailable
from backend.settings import Settings

# The inbound webhooks carry no user token: each authenticates its body by signature (its service).
PUBLIC_PATHS = [
    "^/health$",
    "^/metrics$",
    "^/schema",
    "^/api/v1/auth/login$",
    "^/api/v1/auth/refresh$",
    "^/api/v1/webhooks/",
]


def trusted_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """FIELDSALES_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies."""
    return [ipaddress.ip_network(item.strip(), strict=False) for item in setting.split(",") if item.strip()]


def _trusted(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: str | None, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str | None:
    """The caller's address for per-address limits: the TCP peer, unless the peer is a configured
    trusted proxy; then the nearest X-Forwarded-For entry that is not itself a trusted proxy (entries
    further left were written by the client and prove nothing)."""
    if peer is None or not forwarded_for or not _trusted(peer, networks):
        return peer
    for hop in reversed([item.strip() for item in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


class SessionCache:
    """Each user's session state, read from the database at most once per `ttl_s` per process: a
    revoked token (log-out, deactivation, deletion, a new role or password) stops working within
    `ttl_s` everywhere, and at once in the process that made the change (it calls `forget`)."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[int, tuple[float, SessionState | None]] = {}

    async def state(self, source: ConnectionSource, user_id: int, acquire_timeout_s: float) -> SessionState | None:
        now = self.clock()
        cached = self._entries.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            async with source.acquire(timeout=acquire_timeout_s) as conn:
                state = await auth_service.current_session(conn, user_id)
        except TimeoutError as exc:
            raise Unavailable("the database is busy; retry shortly") from exc
        if self.ttl_s > 0:
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[user_id] = (now + self.ttl_s, state)
        return state

    def forget(self, user_id: int) -> None:
        self._entries.pop(user_id, None)


def session_problem(principal: Principal, state: SessionState | None) -> str | None:
    """Why a valid token no longer admits its holder (None: it does)."""
    if state is None:
        return "the user no longer exists"
    if not state.is_active:
        return "the account is disabled"
    if state.session_version != principal.session_version or state.role is not principal.role:
        return "the session has ended (log-out, or the account changed); log in again"
    return None


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("an 'Authorization: Bearer <access token>' header is required")
        settings: Settings = connection.app.state.settings
        try:
            principal = read_access_token(settings, token.strip())
        except Unauthenticated as exc:
            raise NotAuthorizedException(exc.detail) from exc
        sessions: SessionCache = connection.app.state.sessions
        state = await sessions.state(connection.app.state.pool, principal.user_id, settings.pool_acquire_timeout_s)
        problem = session_problem(principal, state)
        if problem is not None:
            raise NotAuthorizedException(problem)
        return AuthenticationResult(user=principal, auth=token)


def requires_role(*roles: Role) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        # Not `connection.user`: it raises (a 500) where the middleware did not run, as on the
        # automatic OPTIONS handlers; no caller there is a 401.
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException("an 'Authorization: Bearer <access token>' header is required")
        if principal.role not in allowed:
            names = " or ".join(sorted(role.value for role in allowed))
            raise PermissionDeniedException(f"this needs the role {names}")

    return guard
