"""The one error taxonomy of the service.

Services and repositories raise these; `backend.http.problems` maps them to HTTP status and
problem+json bodies in one place (and answers an outage of a routing service, which the pure
`routing` package reports as `MatrixServiceError`, as 503 too). Nothing here imports Litestar, so
the CLI and jobs share it.
"""

from __future__ import annotations


class AppError(Exception):
    """An expected failure; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"
    # True where the writes made before the failure must stay (a failed-login count, a revoked
    # token family); every other failure rolls its transaction back.
    keeps_writes = False
    # Seconds a client should wait before retrying (sent as Retry-After); None = do not retry as is.
    retry_after_s: int | None = None

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(AppError):
    status = 422
    title = "Invalid input"


class Unauthenticated(AppError):
    status = 401
    title = "Not authenticated"


class CredentialsRejected(Unauthenticated):
    keeps_writes = True


class Forbidden(AppError):
    status = 403
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    title = "Not found"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class TooManyRequests(AppError):
    status = 429
    title = "Too many requests"
    # Written before failing (the failure that tripped the limit is counted).
    keeps_writes = True

    def __init__(self, detail: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.retry_after_s = max(1, retry_after_s)


class Unavailable(AppError):
    """Something we depend on is down or full (a routing service, the solver processes): retry later."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 2, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.retry_after_s = max(1, retry_after_s)
