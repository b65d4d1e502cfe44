"""Sync and async drivers that send the requests of a sans-IO :data:`~routing.matrix.base.Plan` with httpx."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from routing.matrix.base import HttpRequest, HttpResponse, MatrixServiceError, Plan
from routing.matrix_types import Matrix


def _to_response(resp: httpx.Response) -> HttpResponse:
    text = resp.text
    try:
        body: object | None = json.loads(text) if text else None
    except ValueError:
        body = None
    return HttpResponse(status=resp.status_code, body=body, text=text)


def _failed(request: HttpRequest, exc: httpx.HTTPError) -> MatrixServiceError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return MatrixServiceError(f"{request.method} {request.url} {kind}: {exc!r}", url=request.url)


def run_sync(plan: Plan, *, client: httpx.Client | None, timeout_s: float, headers: Mapping[str, str]) -> Matrix:
    """Drive ``plan`` to completion with blocking HTTP calls."""
    own = client is None
    http = client if client is not None else httpx.Client(timeout=timeout_s, headers=dict(headers))
    try:
        try:
            request = next(plan)
        except StopIteration as done:
            first: Matrix = done.value
            return first
        while True:
            try:
                raw = http.request(request.method, request.url, json=request.json_body, params=dict(request.params))
            except httpx.HTTPError as exc:
                raise _failed(request, exc) from exc
            try:
                request = plan.send(_to_response(raw))
            except StopIteration as done:
                result: Matrix = done.value
                return result
    finally:
        if own:
            http.close()


async def run_async(
    plan: Plan, *, client: httpx.AsyncClient | None, timeout_s: float, headers: Mapping[str, str]
) -> Matrix:
    """Drive ``plan`` to completion with non-blocking HTTP calls."""
    own = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout_s, headers=dict(headers))
    try:
        try:
            request = next(plan)
        except StopIteration as done:
            first: Matrix = done.value
            return first
        while True:
            response = await _arequest(http, request)
            try:
                request = plan.send(response)
            except StopIteration as done:
                result: Matrix = done.value
                return result
    finally:
        if own:
            await http.aclose()


async def _arequest(http: httpx.AsyncClient, request: HttpRequest) -> HttpResponse:
    try:
        raw = await http.request(request.method, request.url, json=request.json_body, params=dict(request.params))
    except httpx.HTTPError as exc:
        raise _failed(request, exc) from exc
    return _to_response(raw)


async def send_async(
    request: HttpRequest, *, client: httpx.AsyncClient | None, timeout_s: float, headers: Mapping[str, str]
) -> HttpResponse:
    """Send one request without blocking (a road line is one call, not a plan of blocks)."""
    own = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout_s, headers=dict(headers))
    try:
        return await _arequest(http, request)
    finally:
        if own:
            await http.aclose()
