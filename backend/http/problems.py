"""Maps every failure to an RFC 9457 problem+json response, in this one place."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from backend.errors import AppError
from backend.http.log_safety import escape_controls
from routing.matrix import MatrixServiceError

log = logging.getLogger("fieldsales.http")
PROBLEM_JSON = "application/problem+json"
_MSGSPEC_PATH = re.compile(r"at `\$\.?([^`]*)`")
# "<object at 0x7f3a...>" in a library's message: an address of our process is nobody's business.
_MEMORY_ADDRESS = re.compile(r"\s*\bat 0x[0-9a-fA-F]+|\b0x[0-9a-fA-F]{8,}\b")
_MISSING_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (?:query|path|header|cookie) parameter '([^']+)'")


def problem(
    status: int, title: str, detail: str, *, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> Response[dict[str, Any]]:
    detail = _MEMORY_ADDRESS.sub("", detail)
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = [
            {**error, "message": _MEMORY_ADDRESS.sub("", str(error.get("message", "")))} for error in errors
        ]
    headers = {"Retry-After": "2"} if status == 503 else None
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(item: dict[str, Any]) -> str | None:
    """The field an msgspec/Litestar validation message is about, as a dotted path."""
    key = item.get("key")
    message = str(item.get("message", ""))
    if key and item.get("source") not in (None, "body") and key != "data":
        return str(key)
    found = _MSGSPEC_PATH.search(message)
    parent = found.group(1) if found else ""
    missing = _MISSING_FIELD.search(message)
    if missing:
        return f"{parent}.{missing.group(1)}" if parent else missing.group(1)
    if parent:
        return parent
    return None if key in (None, "data") else str(key)


def on_app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    if exc.status >= 500:
        log.warning("%s: %s", type(exc).__name__, exc.detail)
    response = problem(exc.status, exc.title, exc.detail, field=exc.field)
    if exc.retry_after_s is not None:
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def on_matrix_service_error(_: Request[Any, Any, Any], exc: MatrixServiceError) -> Response[dict[str, Any]]:
    """The road engine (Valhalla, OSRM) is down or failing: an outage upstream, not our bug."""
    log.warning("routing service unavailable: %s (%s)", exc, exc.url or "no url")
    return problem(503, "Service unavailable", "the road engine is not answering; retry shortly")


def on_validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            errors.append({"field": _field_of(item) or "body", "message": str(item.get("message", ""))})
    if not errors:
        if "JSON" in str(exc.detail) or "decode" in str(exc.detail).lower():
            return problem(400, "Malformed body", f"the request body is not valid JSON: {exc.detail}", field="body")
        missing = _MISSING_PARAMETER.search(str(exc.detail))
        field = missing.group(1) if missing else "body"
        return problem(422, "Invalid input", str(exc.detail), field=field)
    first = errors[0]
    detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return problem(422, "Invalid input", detail, field=str(first["field"]), errors=errors)


def on_http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, NotAuthorizedException):
        response = problem(401, "Not authenticated", str(exc.detail))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, PermissionDeniedException):
        return problem(403, "Forbidden", str(exc.detail))
    if exc.status_code == 400 and ("JSON" in str(exc.detail) or "body" in str(exc.detail).lower()):
        return problem(400, "Malformed body", f"the request body is not valid JSON: {exc.detail}", field="body")
    if exc.status_code == 413:
        return problem(413, "Body too large", str(exc.detail), field="body")
    return problem(exc.status_code, str(exc.detail), str(exc.detail))


def on_query_canceled(_: Request[Any, Any, Any], exc: asyncpg.QueryCanceledError) -> Response[dict[str, Any]]:
    log.warning("query cancelled: %s", exc)
    return problem(503, "Service unavailable", "the database took too long to answer; retry shortly")


def on_data_error(request: Request[Any, Any, Any], exc: asyncpg.DataError) -> Response[dict[str, Any]]:
    """A request value PostgreSQL cannot take (an id beyond bigint, a number out of range) is the client's
    input; any other data error is ours (500)."""
    if str(exc).startswith("invalid input for query argument") or isinstance(exc, asyncpg.NumericValueOutOfRangeError):
        return problem(422, "Invalid input", "a value is out of range (ids and integers are 64-bit)")
    return on_unexpected(request, exc)


def on_database_unreachable(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.warning("database unreachable: %s", exc)
    return problem(503, "Service unavailable", "the database is not reachable; retry shortly")


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception(
        "unhandled error on %s %s", escape_controls(request.method), escape_controls(request.url.path), exc_info=exc
    )
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", "an unexpected error occurred")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    AppError: on_app_error,
    MatrixServiceError: on_matrix_service_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    asyncpg.QueryCanceledError: on_query_canceled,
    asyncpg.DataError: on_data_error,
    asyncpg.CannotConnectNowError: on_database_unreachable,
    asyncpg.ConnectionDoesNotExistError: on_database_unreachable,
    asyncpg.InterfaceError: on_database_unreachable,
    ConnectionError: on_database_unreachable,
    Exception: on_unexpected,
}
