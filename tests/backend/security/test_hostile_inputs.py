"""The hostile-input suite: one test per finding of the outside probe (issue 18), each asserting what the
probe saw go wrong can no longer happen. Numbers are the issue's (H = High, M = Medium, L = Low)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app
from backend.jobs.nightly import start_run
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from backend.settings import DEMO_JWT_SECRET, SettingsError, load_settings, secret_entropy_bits
from routing.matrix import HaversineProvider
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, check_out_body, later, rep_accounts
from tests.geo_data.test_workbook_limits import far_cell_xlsx

pytestmark = pytest.mark.db


# --- H1: safe defaults -----------------------------------------------------------------------------


def test_h1_the_environment_defaults_to_production_and_refuses_the_demo_secret() -> None:
    unset = load_settings({})
    assert unset.environment == "production" and unset.is_production
    with pytest.raises(SettingsError, match="FIELDSALES_JWT_SECRET"):
        create_app(unset)
    with pytest.raises(SettingsError, match="FIELDSALES_JWT_SECRET"):
        create_app(load_settings({"FIELDSALES_JWT_SECRET": DEMO_JWT_SECRET}))
    for environment in ("demo", "dev", "test"):
        assert not load_settings({"FIELDSALES_ENV": environment}).is_production


@pytest.mark.parametrize(
    ("secret", "accepted"),
    [
        ("x" * 64, False),  # long, one character
        ("0123456789" * 8, False),  # long, a pattern
        ("correct-horse-battery-staple", False),  # words
        ("KUJCX9O049BhoGWMKR7w4i6w6tLLEoLORNNvHbJWKSs", True),  # secrets.token_urlsafe(32)
        ("61069008b8766a14592ead2255dfda545189cf6ab20881adf2b03e1f4a7e5a5b", True),  # token_hex(32)
    ],
)
def test_h1_the_jwt_secret_policy_is_by_entropy_not_length(secret: str, accepted: bool) -> None:
    settings = load_settings({"FIELDSALES_JWT_SECRET": secret})
    if accepted:
        settings.check_safe()
        assert secret_entropy_bits(secret) >= 128
    else:
        with pytest.raises(SettingsError, match="guessable"):
            settings.check_safe()


# --- H2: the XLSX that killed the process ----------------------------------------------------------


async def test_h2_a_far_cell_xlsx_is_refused_and_the_process_lives(client: httpx.AsyncClient) -> None:
    admin = await auth_headers(client, "admin@example.com")
    data = far_cell_xlsx()
    files = [("files", ("bomb.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))]
    response = await client.post("/api/v1/imports/accounts", files=files, data={"dry_run": "true"}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "files.bomb.xlsx"
    assert "too large" in response.json()["detail"]
    assert (await client.get("/health")).status_code == 200


# --- H3: dates far outside the business's range ------------------------------------------------------


async def _checked_in_visit(client: httpx.AsyncClient, conn: asyncpg.Connection) -> tuple[dict[str, str], Any, str]:
    rep = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com", 1))[0]
    checked_in = await client.post("/api/v1/visits", json=check_in_body(account, DAY), headers=rep)
    assert checked_in.status_code == 201, checked_in.text
    return rep, account, checked_in.json()["id"]


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]
)
async def test_h3_a_check_out_in_year_1_is_422_naming_the_field(
    client: httpx.AsyncClient, conn: asyncpg.Connection, moment: str
) -> None:
    rep, account, visit_id = await _checked_in_visit(client, conn)
    body = {**check_out_body(account, later(DAY, 30)), "checked_out_at": moment}
    response = await client.post(f"/api/v1/visits/{visit_id}/checkout", json=body, headers=rep)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "checked_out_at"
    assert await conn.fetchval("select checked_out_at from visits where id = $1", uuid.UUID(visit_id)) is None
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get("/api/v1/supervision/visits.geojson", headers=supervisor)).status_code == 200


async def test_h3_a_planning_run_for_year_1_is_422(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    supervisor = await auth_headers(client, "supervisor@example.com")
    for day in ("0001-01-01", "9999-12-31", "1970-01-01"):
        response = await client.post("/api/v1/planning-runs", json={"day": day}, headers=supervisor)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "day"
    assert await conn.fetchval("select count(*) from planning_runs where day < '2000-01-01'") == 0


async def test_h3_a_planning_job_that_fails_records_its_error(conn: asyncpg.Connection, solver: SolverPool) -> None:
    # A run stored before the edge check (or any job that fails unexpectedly) must not stay queued.
    rep_id = await conn.fetchval("select id from users where email = 'rep1@example.com'")
    far_day = dt.date(1, 1, 1)
    run_id, _ = await start_run(conn, far_day, "api", [rep_id])
    with pytest.raises(Exception):  # noqa: B017 - whatever failed, it is recorded
        await plan_rep_day(
            SingleConnectionSource(conn),
            solver,
            HaversineProvider(),
            rep_id,
            far_day,
            run_id=run_id,
            options=PlanningOptions(time_limit_s=0.2, solution_limit=None),
        )
    row = await conn.fetchrow("select status, error from planning_run_reps where run_id = $1", run_id)
    assert row["status"] == "failed" and row["error"]
    assert await conn.fetchval("select status from planning_runs where id = $1", run_id) == "done_with_failures"


@pytest.fixture(scope="module")
def solver() -> Any:
    pool = SolverPool(processes=1)
    yield pool
    pool.close()
