"""Bearer-token authentication middleware and role guards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from backend.auth.principal import Principal, Role
from backend.auth.tokens import read_access_token
from backend.errors import Unauthenticated
from backend.settings import Settings

PUBLIC_PATHS = ["^/health$", "^/metrics$", "^/schema", "^/api/v1/auth/login$", "^/api/v1/auth/refresh$"]


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
