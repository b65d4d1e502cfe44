"""Every response carries a request id that every log line of the request carries too; /metrics
exposes latency by route, the solver pool's queue and the job queue's depth."""

from __future__ import annotations

import logging

import httpx
import pytest

from backend.observability.context import bound_id
from tests.backend.observability.logs import json_log_lines

pytestmark = pytest.mark.db


async def test_a_request_gets_an_id_or_keeps_the_clients(client: httpx.AsyncClient) -> None:
    fresh = await client.get("/health")
    assert len(fresh.headers["x-request-id"]) == 32
    kept = await client.get("/health", headers={"X-Request-ID": "phone-42.retry-1"})
    assert kept.headers["x-request-id"] == "phone-42.retry-1"
    # Something that is not a short token (it would land in logs) is replaced.
    replaced = await client.get("/health", headers={"X-Request-ID": "x" * 500})
    assert replaced.headers["x-request-id"] != "x" * 500 and len(replaced.headers["x-request-id"]) == 32


async def test_error_responses_carry_the_id_and_their_log_lines_it_too(client: httpx.AsyncClient) -> None:
    with json_log_lines() as lines:
        response = await client.post(
            "/api/v1/auth/login", json={"email": "rep1@example.com", "password": "wrong-password"}
        )
    assert response.status_code == 401
    request_id = response.headers["x-request-id"]
    assert request_id
    ours = [line for line in lines if line["logger"].startswith("fieldsales")]
    assert [line["message"] for line in ours] == ["failed login for rep1@example.com"]
    assert all(line["request_id"] == request_id for line in ours)


def test_log_lines_are_json_with_the_bound_id_and_the_traceback() -> None:
    with json_log_lines() as lines, bound_id("job-7"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("fieldsales.test").exception("it failed", extra={"rep_id": 3})
    (line,) = lines
    assert line["request_id"] == "job-7" and line["level"] == "error" and line["rep_id"] == 3
    assert "RuntimeError: boom" in line["traceback"]


async def test_metrics_expose_latency_by_route_and_the_queues(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'fieldsales_http_request_seconds_count{method="GET",route="/health",status="200"}' in text
    for name in (
        "fieldsales_solver_queue_depth",
        "fieldsales_solver_busy_processes",
        "fieldsales_solve_seconds",
        "fieldsales_slow_queries_total",
        "fieldsales_job_queue_depth",
        "fieldsales_db_pool_connections",
    ):
        assert name in text, name


def test_text_log_lines_show_the_id_only_inside_a_request_or_job() -> None:
    import io

    from backend.observability.logs import TEXT_FORMAT, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logger = logging.getLogger("fieldsales.text-test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with bound_id("job-8"):
            logger.info("inside")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith("fieldsales.text-test [job-8] inside")
    assert outside.endswith("fieldsales.text-test outside") and "None" not in outside
