"""Sales plans and actuals: import (CSV, XLSX, CLI), completion and below-plan flags, seasonality, scope."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
from openpyxl import Workbook, load_workbook

from backend.app import create_app
from backend.db.migrate import migrate
from backend.errors import InvalidInput
from backend.sales.service import import_sales
from backend.settings import Settings
from benchmarks.live_server import recreate_database
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.supervision.known_day import OTHER_SUPERVISOR, KnownDay

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))
CSV = """rep,category,region,month,plan,actual
rep1@example.com,beer,Helsinki,2026-10,"1 000,00",900
rep1@example.com,beer,Helsinki,2026-11,1000,700
rep1@example.com,cider,Helsinki,2026-11,200,200
rep2@example.com,beer,Helsinki,2026-11,1000,950
REP2@example.com,beer,Espoo,2026-11,500,
rep3@example.com,beer,Helsinki,2026-11,1000,1000
nobody@example.com,beer,Helsinki,2026-11,1,1
rep1@example.com,beer,Helsinki,November,1,1
rep1@example.com,beer,Helsinki,2026-11,-5,1
rep1@example.com,,Helsinki,2026-11,1,1
rep1@example.com,wine,Helsinki,2026-11,,
"""
LIMIT = 10 * 1024 * 1024


async def test_import_stores_good_rows_and_rejects_the_rest_by_row_and_field(
    conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    report = await import_sales(conn, CSV.encode(), "plan.csv", max_bytes=LIMIT)
    assert (report.rows_read, report.rows_stored) == (11, 6)
    assert [(item.row_number, item.field) for item in report.rejected] == [
        (8, "rep"),
        (9, "month"),
        (10, "plan"),
        (11, "category"),
        (12, "plan"),
    ]
    stored = await conn.fetchrow(
        "select plan_amount::float8 as plan, actual_amount::float8 as actual from sales_monthly "
        "where rep_id = $1 and month = '2026-10-01'",
        known_day.reps["rep1"],
    )
    assert (stored["plan"], stored["actual"]) == (1000.0, 900.0)
    # A later file replaces values of the same key; an empty cell keeps what is stored.
    await import_sales(
        conn,
        b"rep,category,region,month,plan,actual\nrep1@example.com,beer,Helsinki,2026-10,,950\n",
        "fix.csv",
        max_bytes=LIMIT,
    )
    stored = await conn.fetchrow(
        "select plan_amount::float8 as plan, actual_amount::float8 as actual from sales_monthly "
        "where rep_id = $1 and month = '2026-10-01'",
        known_day.reps["rep1"],
    )
    assert (stored["plan"], stored["actual"]) == (1000.0, 950.0)


async def test_an_xlsx_file_imports_like_csv(conn: asyncpg.Connection, known_day: KnownDay) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Rep", "Product category", "Region", "Month", "Plan", "Actual"])
    sheet.append(["rep1@example.com", "beer", "Helsinki", "2026-11", 1000, 700.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = await import_sales(conn, buffer.getvalue(), "plan.xlsx", max_bytes=LIMIT)
    assert report.rows_stored == 1 and report.rejected == []
    actual = await conn.fetchval(
        "select actual_amount::float8 from sales_monthly where rep_id = $1", known_day.reps["rep1"]
    )
    assert actual == 700.5


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"rep,region,month,plan\nx,y,2026-01,1\n", "no-category.csv"), (b"", "empty.csv"), (b"%PDF-1.4", "x.pdf")],
)
async def test_unusable_files_are_invalid_input_on_the_file(
    conn: asyncpg.Connection, content: bytes, name: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await import_sales(conn, content, name, max_bytes=LIMIT)
    assert raised.value.field == "file"


async def test_completion_and_reps_below_plan_over_the_team_only(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    await import_sales(conn, CSV.encode(), "plan.csv", max_bytes=LIMIT)
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.get("/api/v1/reports/sales?from=2026-11&group_by=rep", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {row["key"]: row for row in body["rows"]}
    rep1, rep2 = rows[str(known_day.reps["rep1"])], rows[str(known_day.reps["rep2"])]
    assert str(known_day.reps["rep3"]) not in rows
    assert (rep1["plan"], rep1["actual"], rep1["completion_pct"], rep1["below_plan"]) == (1200, 900, 75.0, True)
    assert (rep2["plan"], rep2["actual"], rep2["completion_pct"], rep2["below_plan"]) == (1500, 950, 63.3, True)
    assert body["total"]["plan"] == 2700 and body["total"]["actual"] == 1850
    assert {row["key"] for row in body["reps_below_plan"]} == {str(known_day.reps["rep1"]), str(known_day.reps["rep2"])}
    by_region = (
        await client.get("/api/v1/reports/sales?from=2026-10&to=2026-11&group_by=region", headers=headers)
    ).json()
    assert {row["key"]: row["plan"] for row in by_region["rows"]} == {"Espoo": 500, "Helsinki": 3200}
    assert all(row["below_plan"] is None for row in by_region["rows"])
    other = (
        await client.get("/api/v1/reports/sales?from=2026-11", headers=await auth_headers(client, OTHER_SUPERVISOR))
    ).json()
    assert [row["key"] for row in other["rows"]] == [str(known_day.reps["rep3"])]
    assert other["rows"][0]["completion_pct"] == 100.0 and other["reps_below_plan"] == []
    exported = await client.get("/api/v1/reports/sales?from=2026-11&group_by=category&format=csv", headers=headers)
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["key"], row["plan"]) for row in table] == [("beer", "2500.0"), ("cider", "200.0"), ("total", "2700.0")]
    workbook = await client.get("/api/v1/reports/sales?from=2026-11&format=xlsx", headers=headers)
    assert len(list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows())) == 1 + 2 + 1


async def test_seasonality_needs_two_prior_years_and_follows_the_formula(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    rows = ["rep,category,region,month,actual"]
    for year, value in ((2023, 300), (2024, 330), (2025, 360)):
        rows.append(f"rep1@example.com,beer,Helsinki,{year}-12,{value}")
    for month, value in (("2026-09", 200), ("2026-10", 200), ("2026-11", 230)):
        rows.append(f"rep1@example.com,beer,Helsinki,{month},{value}")
        rows.append(f"rep1@example.com,wine,Helsinki,{month},{value}")
    rows.append("rep1@example.com,wine,Helsinki,2025-12,100")
    await import_sales(conn, "\n".join(rows).encode(), "history.csv", max_bytes=LIMIT)
    response = await client.get(
        "/api/v1/reports/seasonality?from=2026-12", headers=await auth_headers(client, "supervisor@example.com")
    )
    assert response.status_code == 200, response.text
    by_category = {row["category"]: row for row in response.json()["rows"]}
    # (300 + 330 + 360) / 3 = 330 over the last 3 months' mean (200 + 200 + 230) / 3 = 210
    assert by_category["beer"]["coefficient"] == pytest.approx(330 / 210, abs=1e-3)
    assert by_category["beer"]["years_used"] == 3
    assert by_category["wine"]["coefficient"] is None and by_category["wine"]["years_used"] == 1
    assert "2 previous years" in by_category["wine"]["reason"]
    exported = await client.get(
        "/api/v1/reports/seasonality?from=2026-12&format=xlsx",
        headers=await auth_headers(client, "supervisor@example.com"),
    )
    values = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert values[0] == ("category", "coefficient", "years_used", "reason")
    assert values[1][:3] == ("beer", round(330 / 210, 3), 3)
    other = await client.get(
        "/api/v1/reports/seasonality?from=2026-12", headers=await auth_headers(client, OTHER_SUPERVISOR)
    )
    assert other.status_code == 200 and other.json()["rows"] == []  # rep1's history is not their team's


@pytest.mark.parametrize(
    ("query", "field"), [("from=2026-13", "from"), ("from=2026-11&to=soon", "to"), ("from=2026-11&to=2026-01", "to")]
)
async def test_bad_months_are_422_naming_the_field(client: httpx.AsyncClient, query: str, field: str) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    for report in ("sales", "seasonality"):
        response = await client.get(f"/api/v1/reports/{report}?{query}", headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
    missing = await client.get("/api/v1/reports/sales", headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "from"


async def test_the_cli_imports_a_file_into_its_database(settings: Settings, tmp_path: Path) -> None:
    server, name = settings.database_url.rsplit("/", 1)
    database = f"{name}_sales"
    await recreate_database(f"{server}/{database}", migrated=False)
    url = f"{server}/{database}"
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        await conn.execute(
            "insert into users (email, name, role, password_hash) values ('rep1@example.com', 'Rep', 'rep', 'x')"
        )
        path = tmp_path / "sales.csv"
        path.write_text(CSV, encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": url, "FIELDSALES_ENV": "test"}
        done = subprocess.run(
            [FIELDSALES, "import", "sales", str(path)], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "read 11 rows, stored 3, rejected 8" in done.stdout
        assert await conn.fetchval("select count(*) from sales_monthly") == 3
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n", encoding="utf-8")
        refused = subprocess.run(
            [FIELDSALES, "import", "sales", str(bad)], env=env, capture_output=True, text=True, timeout=60
        )
        assert refused.returncode == 2 and "missing column" in refused.stderr
    finally:
        await conn.close()


async def test_the_below_plan_threshold_is_a_setting(
    settings: Settings, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    await import_sales(conn, CSV.encode(), "plan.csv", max_bytes=LIMIT)
    lenient = msgspec.structs.replace(settings, sales_below_plan_pct=70.0)
    app = create_app(lenient, pool=SingleConnectionSource(conn))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = (
            await client.get(
                "/api/v1/reports/sales?from=2026-11", headers=await auth_headers(client, "supervisor@example.com")
            )
        ).json()
    assert body["below_plan_pct"] == 70.0
    flags = {row["key"]: row["below_plan"] for row in body["rows"]}
    # rep1 at 75 % is fine at 70 %, rep2 at 63.3 % is still below
    assert flags == {str(known_day.reps["rep1"]): False, str(known_day.reps["rep2"]): True}
    assert [row["key"] for row in body["reps_below_plan"]] == [str(known_day.reps["rep2"])]
