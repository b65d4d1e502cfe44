"""HTTP: login, refresh, the caller's profile."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from backend.auth import service
from backend.auth.schemas import LoginRequest, Me, RefreshRequest, TokenPair
from backend.http.dependencies import AppSettings, Caller, Conn
from backend.http.security import SessionCache, client_address, trusted_networks


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Log in with email and password")
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], conn: Conn, settings: AppSettings
    ) -> TokenPair:
        """Returns a short-lived access token and a rotating refresh token. Failed logins are limited per
        email (after 5, each attempt waits 1, 2, 4 ... s, at most 5 minutes) and per client address (20 in
        15 minutes): 429 with Retry-After, the same for every email, existing or not."""
        settings_networks = trusted_networks(settings.trusted_proxies)
        peer = request.client.host if request.client is not None else None
        address = client_address(peer, request.headers.get("x-forwarded-for"), settings_networks)
        return await service.login(conn, settings, data.email, data.password, address)

    @post("/logout", status_code=204, summary="Log out: end every session of the caller")
    async def logout(self, request: Request[Any, Any, Any], conn: Conn, principal: Caller) -> None:
        """Every access and refresh token of the caller stops working at once (all devices)."""
        await service.logout(conn, principal)
        sessions: SessionCache = request.app.state.sessions
        sessions.forget(principal.user_id)

    @post("/refresh", status_code=200, summary="Exchange a refresh token for a new pair")
    async def refresh(self, data: JSONBody[RefreshRequest], conn: Conn, settings: AppSettings) -> TokenPair:
        """Each refresh token works once; presenting a spent one revokes every token of that login."""
        return await service.refresh(conn, settings, data.refresh_token)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["me"]

    @get("", summary="The caller's profile, role and territories")
    async def me(self, conn: Conn, principal: Caller) -> Me:
        return await service.me(conn, principal)
