"""Every pipeline figure recomputed by hand on the small fixture (tests/backend/pipeline_reports/fixture.py),
its scope, its exports and its refusals."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from openpyxl import load_workbook

from tests.backend.conftest import auth_headers
from tests.backend.pipeline_reports.fixture import Fixture, at, build

API = "/api/v1/reports/pipeline"
OCT = {"from": "2026-10-01", "to": "2026-10-31"}


@pytest.fixture
async def fixture(conn: asyncpg.Connection) -> Fixture:
    return await build(conn)


async def _get(client: httpx.AsyncClient, path: str, email: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}{path}", params=params, headers=await auth_headers(client, email))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


async def test_funnel_per_stage_and_for_the_pipeline(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/funnel", "supervisor@example.com", pipeline_id=fixture.pipeline_id, **OCT)
    stages = {row["stage_code"]: row for row in report["rows"]}
    assert list(stages) == ["new", "contacted", "qualified", "offer", "won", "lost"]
    # The cohort: D1..D8 (created in October); D9 was created in September.
    # new: all 8 entered; 7 moved on (D6 is still there) -> 87.5 %.
    # contacted: D1 D2 D4 D5 D7 D8 entered (D3 skipped it, D6 never came); D1 D2 D7 D8 moved on -> 4/6.
    # qualified: D1 D2 D3 D7 D8; moved on D1 D2 D3 D8 -> 80 %.
    # offer (key): D1 D2 D3 D8; moved on D1 D3 D8 (D2 was lost) -> 75 %.
    # won: D1 D3 D8; lost: D2 D4 (terminal: no conversion).
    counts = {code: (r["entered"], r["moved_on"], r["conversion_pct"]) for code, r in stages.items()}
    assert counts == {
        "new": (8, 7, 87.5),
        "contacted": (6, 4, 66.7),
        "qualified": (5, 4, 80.0),
        "offer": (4, 3, 75.0),
        "won": (3, 0, None),
        "lost": (2, 0, None),
    }
    assert stages["offer"]["is_key"] is True and stages["qualified"]["is_qualified"] is True
    # Days in a stage, completed stays only:
    # new: D1 2, D2 3, D3 1, D4 1, D5 4, D7 2, D8 1 -> 1 1 1 2 2 3 4: median 2, p80 at 4.8 -> 2 + 0.8 x 1 = 2.8
    # contacted: D1 2, D2 3, D4 2, D7 3, D8 2 -> 2 2 2 3 3: median 2, p80 at 3.2 -> 3
    # qualified: D1 3, D2 2, D3 3, D8 2 -> 2 2 3 3: median 2.5, p80 at 2.4 -> 3
    # offer: D1 4, D2 5, D3 11, D8 5 -> 4 5 5 11: median 5, p80 at 2.4 -> 5 + 0.4 x 6 = 7.4
    days = {code: (r["median_days"], r["p80_days"]) for code, r in stages.items()}
    assert days == {
        "new": (2.0, 2.8),
        "contacted": (2.0, 3.0),
        "qualified": (2.5, 3.0),
        "offer": (5.0, 7.4),
        "won": (None, None),
        "lost": (None, None),
    }
    total = report["total"]
    assert total["row"] == "pipeline"
    # leads 8; reached qualified D1 D2 D3 D7 D8 = 5 -> cv1 62.5 %; won D1 D3 D8 = 3 -> cv2 3/5 = 60 %;
    # reached the key stage D1 D2 D3 D8 = 4 -> 50 %; the key stage's conversion is offer's 75 %.
    assert (total["leads"], total["qualified"], total["reached_key"], total["won"]) == (8, 5, 4, 3)
    assert (total["cv1_pct"], total["cv2_pct"], total["key_reached_pct"], total["key_conversion_pct"]) == (
        62.5,
        60.0,
        50.0,
        75.0,
    )
    # Cycle created -> won: D1 11, D3 15, D8 10 days -> median 11, p80 at 1.6 -> 11 + 0.6 x 4 = 13.4.
    assert (total["cycle_median_days"], total["cycle_p80_days"]) == (11.0, 13.4)


async def test_funnel_exports_carry_the_same_rows(client: httpx.AsyncClient, fixture: Fixture) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    params = {"pipeline_id": fixture.pipeline_id, **OCT}
    as_csv = await client.get(f"{API}/funnel", params={**params, "format": "csv"}, headers=headers)
    as_xlsx = await client.get(f"{API}/funnel", params={**params, "format": "xlsx"}, headers=headers)
    assert as_csv.status_code == as_xlsx.status_code == 200
    assert 'filename="funnel-newbiz-2026-10-01-2026-10-31.csv"' in as_csv.headers["content-disposition"]
    rows, sheet = _csv(as_csv.content), _xlsx(as_xlsx.content)
    assert [r["stage_code"] for r in rows] == ["new", "contacted", "qualified", "offer", "won", "lost", ""]
    assert rows[3]["conversion_pct"] == "75.0" and sheet[3]["conversion_pct"] == 75.0
    assert rows[-1]["row"] == "pipeline" and rows[-1]["cv2_pct"] == "60.0" and sheet[-1]["cv1_pct"] == 62.5


async def test_the_default_pipeline_is_the_first_active_one(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/funnel", "supervisor@example.com", **OCT)
    assert report["pipeline_id"] == fixture.pipeline_id and report["total"]["leads"] == 8


async def test_sources_leads_cost_and_quality(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/sources", "supervisor@example.com", **OCT)
    rows = {row["source"]: row for row in report["rows"]}
    # field: D1 D2 D6 D8; reached the key stage D1 D2 D8; won D1 D8; cost 400 (October only) ->
    # 400 / 4 = 100 per lead, 400 / 2 = 200 per won deal, quality 3/4 = 75 %.
    assert rows["field"] == {
        "source": "field",
        "leads": 4,
        "reached_key": 3,
        "won": 2,
        "cost": 400.0,
        "cost_per_lead": 100.0,
        "cost_per_won_deal": 200.0,
        "quality_pct": 75.0,
    }
    # web_form: D3 D7; key D3; won D3; 300 -> 150 per lead, 300 per won, 50 %.
    assert (rows["web_form"]["leads"], rows["web_form"]["cost_per_lead"], rows["web_form"]["cost_per_won_deal"]) == (
        2,
        150.0,
        300.0,
    )
    assert rows["web_form"]["quality_pct"] == 50.0
    # telemarketing: D4 D5, none reached the key stage, none won: 200 -> 100 per lead, none per won.
    assert (rows["telemarketing"]["cost_per_lead"], rows["telemarketing"]["cost_per_won_deal"]) == (100.0, None)
    assert rows["telemarketing"]["quality_pct"] == 0.0
    assert (rows["import"]["leads"], rows["import"]["cost"], rows["import"]["cost_per_lead"]) == (0, 0.0, None)
    # total: 8 leads, 4 reached the key stage, 3 won, 900 -> 112.5 per lead, 300 per won deal, 50 %.
    total = report["total"]
    assert (total["leads"], total["cost"], total["cost_per_lead"], total["cost_per_won_deal"]) == (
        8,
        900.0,
        112.5,
        300.0,
    )
    assert total["quality_pct"] == 50.0


async def test_a_part_of_a_month_costs_its_share_of_days(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/sources", "supervisor@example.com", **{"from": "2026-10-01", "to": "2026-10-15"})
    rows = {row["source"]: row for row in report["rows"]}
    # 15 of October's 31 days: field 400 x 15 / 31 = 193.548..; leads D1 D2 D6 -> 64.52 per lead.
    assert rows["field"]["cost"] == 193.55 and rows["field"]["leads"] == 3
    assert rows["field"]["cost_per_lead"] == round(400 * 15 / 31 / 3, 2)


async def test_a_rep_sees_the_cost_of_their_own_leads_only(client: httpx.AsyncClient, fixture: Fixture) -> None:
    """closer@ sees the deals they own (D1 D2 D3 D7 D8): field 3 of its 4 leads, web_form both."""
    report = await _get(client, "/sources", "closer@example.com", **OCT)
    rows = {row["source"]: row for row in report["rows"]}
    assert (rows["field"]["leads"], rows["field"]["cost"]) == (3, 300.0)  # 400 x 3 / 4
    assert (rows["web_form"]["leads"], rows["web_form"]["cost"]) == (2, 300.0)
    assert (rows["telemarketing"]["leads"], rows["telemarketing"]["cost"]) == (0, 0.0)
    funnel = await _get(client, "/funnel", "closer@example.com", **OCT)
    assert funnel["total"]["leads"] == 5 and funnel["total"]["won"] == 3


async def test_telemarketer_and_hunter(client: httpx.AsyncClient, fixture: Fixture) -> None:
    tele = (await _get(client, "/roles/telemarketer", "supervisor@example.com", **OCT))["rows"]
    assert [r["name"] for r in tele] == ["Tele"]
    # 6 calls in October; working days: 22 weekdays - Friday 16th (everyone's holiday) - absent Monday
    # 26th and Tuesday 27th = 19 (the regional holiday of the 19th is not everyone's) -> 6 / 19 = 0.32.
    assert (tele[0]["calls"], tele[0]["working_days"], tele[0]["calls_per_working_day"]) == (6, 19, 0.32)
    # leads created D3 D4 D5 D7 = 4 over 31 days -> 4 x 7 / 31 = 0.90 a week.
    assert (tele[0]["leads_created"], tele[0]["leads_per_week"]) == (4, 0.9)
    hunters = (await _get(client, "/roles/hunter", "supervisor@example.com", **OCT))["rows"]
    hunter = next(r for r in hunters if r["name"] == "Hunter")
    # D1 D2 D6 D8 created; D1 D2 D8 reached the qualified stage -> cv1 75 %.
    assert (hunter["leads_created"], hunter["leads_qualified"], hunter["cv1_pct"]) == (4, 3, 75.0)


async def test_closer(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/roles/closer", "supervisor@example.com", **OCT)
    assert report["columns"][:3] == ["deals_owned", "deals_qualified", "deals_won"]
    closer = next(r for r in report["rows"] if r["name"] == "Closer")
    # Owns D1 D2 D3 D7 D8, all reached the qualified stage; won D1 D3 D8 -> cv2 3/5 = 60 %.
    assert (closer["deals_owned"], closer["deals_qualified"], closer["deals_won"], closer["cv2_pct"]) == (
        5,
        5,
        3,
        60.0,
    )
    # Accounts won: A1 (won Oct 12): 120 + 80 (the order of the 10th came before the win); A3 (won Oct
    # 20): 100 (cancelled and draft orders are not fact); A8: none -> 300 / 3 orders = 100.
    assert (closer["won_account_orders"], closer["average_check"]) == (3, 100.0)
    assert (closer["cycle_median_days"], closer["cycle_p80_days"]) == (11.0, 13.4)
    assert closer["accounts"] is None  # not a farmer's figure


async def test_closer_weekly_cv2(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, f"/people/{fixture.users['closer']}", "supervisor@example.com", by="week", **OCT)
    weekly = {r["week_start"]: (r["deals_qualified"], r["deals_won"], r["cv2_pct"]) for r in report["rows"]}
    # Weeks (Monday to Sunday, clipped to October) of the deals' creation: 1-4 D1 D2 (D1 won) -> 1/2;
    # 5-11 D3 won; 12-18 D7 open; 19-25 D8 won; 26-31 none.
    assert weekly == {
        "2026-10-01": (2, 1, 50.0),
        "2026-10-05": (1, 1, 100.0),
        "2026-10-12": (1, 0, 0.0),
        "2026-10-19": (1, 1, 100.0),
        "2026-10-26": (0, 0, None),
    }


async def test_farmer_and_key_account_manager(client: httpx.AsyncClient, fixture: Fixture) -> None:
    farmers = (await _get(client, "/roles/farmer", "supervisor@example.com", **OCT))["rows"]
    farmer = next(r for r in farmers if r["name"] == "Farmer")
    # The previous period is the 31 days before October: August 31 - September 30.
    # Active then: F1 F2 F4; now: F1 F3 F4; retained F1 F4; churned F2.
    assert (farmer["accounts"], farmer["active_previous"], farmer["active_now"]) == (4, 3, 3)
    assert (farmer["retained"], farmer["churned"], farmer["retention_pct"], farmer["churn_pct"]) == (2, 1, 66.7, 33.3)
    # LTV to date (up to October 31): F1 50 + 100 + 150 (not November's 1000), F2 200, F3 80, F4 60 + 45
    # = 685 over 4 customers = 171.25.
    assert farmer["ltv_to_date"] == 171.25
    # Upsell over the retained F1 F4: now 150 + 45 = 195, before 100 + 60 = 160 -> +35 / 2 = 17.5 an
    # account, 35 / 160 = 21.875 -> 21.9 %.
    assert (farmer["upsell_per_account"], farmer["upsell_pct"]) == (17.5, 21.9)
    # New categories: F1 beer (wine bought before), F3 wine and spirits (never bought), F4 sparkling
    # -> 4 over the 3 accounts active now = 1.333.
    assert farmer["new_categories_per_account"] == 1.333
    empty = next(r for r in farmers if r["name"] == "Farmer2")
    assert (empty["accounts"], empty["retention_pct"]) == (0, None)
    kam = (await _get(client, "/roles/key_account_manager", "supervisor@example.com", **OCT))["rows"][0]
    # K1: 300 in September, 330 in October -> retained, +30 (10 %), LTV 630, nothing new.
    assert (kam["retention_pct"], kam["churn_pct"], kam["ltv_to_date"]) == (100.0, 0.0, 630.0)
    assert (kam["upsell_per_account"], kam["upsell_pct"], kam["new_categories_per_account"]) == (30.0, 10.0, 0.0)


async def test_role_export_has_the_roles_columns(client: httpx.AsyncClient, fixture: Fixture) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.get(f"{API}/roles/farmer", params={**OCT, "format": "xlsx"}, headers=headers)
    assert response.status_code == 200
    rows = _xlsx(response.content)
    assert list(rows[0])[:6] == ["user_id", "name", "sales_role", "from_day", "to_day", "week_start"]
    assert "deals_won" not in rows[0] and "retention_pct" in rows[0]
    assert {r["name"]: r["ltv_to_date"] for r in rows} == {"Farmer": 171.25, "Farmer2": None}


async def test_leaderboard_ranks_each_role_by_its_main_figure(client: httpx.AsyncClient, fixture: Fixture) -> None:
    report = await _get(client, "/leaderboard", "supervisor@example.com", **OCT)
    assert report["main_figures"]["closer"] == "deals_won"
    ranked = [(r["sales_role"], r["name"], r["rank"], r["main_value"]) for r in report["rows"]]
    assert ranked == [
        ("hunter", "Hunter", 1, 3.0),  # leads reaching the qualified stage
        ("hunter", "Hunter2", 2, 0.0),
        ("telemarketer", "Tele", 1, 4.0),  # leads created
        ("closer", "Closer", 1, 3.0),  # deals won
        ("closer", "Closer2", 2, 0.0),
        ("farmer", "Farmer", 1, 66.7),  # retention %
        ("farmer", "Farmer2", 2, None),  # no book: no retention, ranked last
        ("key_account_manager", "Kam", 1, 100.0),
    ]
    csv_rows = _csv(
        (
            await client.get(
                f"{API}/leaderboard",
                params={**OCT, "format": "csv"},
                headers=await auth_headers(client, "supervisor@example.com"),
            )
        ).content
    )
    assert [(r["name"], r["rank"]) for r in csv_rows][:2] == [("Hunter", "1"), ("Hunter2", "2")]


async def test_territory_potential_per_active(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fixture: Fixture
) -> None:
    report = await _get(client, "/territories", "supervisor@example.com", territory_id=fixture.territory_id, **OCT)
    (row,) = report["rows"]
    # The potential base of the territory counted here by its definition (HoReCa or retail, not
    # closed, located); active in October: A1 F1 F3 F4 K1 (A3's fact order is confirmed: also active) = 6.
    potential = await conn.fetchval(
        "select count(*) from accounts where territory_id = $1 and channel in ('horeca', 'retail') "
        "and status <> 'closed' and location is not null",
        fixture.territory_id,
    )
    assert (row["potential"], row["active"]) == (potential, 6)
    assert row["potential_per_active"] == round(potential / 6, 3)


async def test_a_rep_sees_only_themselves(client: httpx.AsyncClient, fixture: Fixture) -> None:
    board = await _get(client, "/leaderboard", "closer@example.com", **OCT)
    assert [r["name"] for r in board["rows"]] == ["Closer"]
    assert (await _get(client, "/roles/hunter", "closer@example.com", **OCT))["rows"] == []
    headers = await auth_headers(client, "closer@example.com")
    other = await client.get(f"{API}/people/{fixture.users['hunter']}", params=OCT, headers=headers)
    assert other.status_code == 404 and other.json()["field"] == "user_id"


async def test_another_teams_supervisor_sees_none_of_ours(client: httpx.AsyncClient, fixture: Fixture) -> None:
    board = await _get(client, "/leaderboard", "other-sup@example.com", **OCT)
    assert [r["name"] for r in board["rows"]] == ["Oc"]
    funnel = await _get(client, "/funnel", "other-sup@example.com", pipeline_id=fixture.pipeline_id, **OCT)
    assert funnel["total"]["leads"] == 0 and all(r["entered"] == 0 for r in funnel["rows"])
    sources = await _get(client, "/sources", "other-sup@example.com", **OCT)
    assert sources["total"]["leads"] == 0 and sources["total"]["cost"] == 0.0
    assert (await _get(client, "/territories", "other-sup@example.com", **OCT))["rows"] == []
    headers = await auth_headers(client, "other-sup@example.com")
    for path in (f"/people/{fixture.users['closer']}", f"/territories?territory_id={fixture.territory_id}"):
        response = await client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/roles/astronaut", OCT, 422, "role"),
        ("/roles/closer", {"from": "2026-10-31", "to": "2026-10-01"}, 422, "to"),
        ("/funnel", {"from": "2026-10-31", "to": "2026-10-01"}, 422, "to"),
        ("/funnel", {"pipeline_id": "999999", **OCT}, 404, "pipeline_id"),
        ("/sources", {"pipeline_id": "999999", **OCT}, 404, "pipeline_id"),
        ("/leaderboard", {"from": "yesterday"}, 422, "from"),
        ("/leaderboard", {"from": "2020-01-01", "to": "2026-10-01"}, 422, "from"),
        ("/territories", {"from": "2026-10-31", "to": "2026-10-01"}, 422, "to"),
        ("/funnel", {"format": "pdf"}, 422, "format"),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, fixture: Fixture, path: str, params: dict[str, str], status: int, field: str
) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    response = await client.get(f"{API}{path}", params=params, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_a_pipeline_without_key_or_qualified_stage(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fixture: Fixture
) -> None:
    """No key stage, no qualified stage: the stage figures stand, cv1, cv2 and the key figures are none."""
    pipeline = await conn.fetchval(
        "insert into pipelines (code, name, goal) values ('promo', 'Promotion', 'promotion') returning id"
    )
    first = await conn.fetchval(
        "insert into pipeline_stages (pipeline_id, position, code, name) values ($1, 0, 'open', 'Open') returning id",
        pipeline,
    )
    done = await conn.fetchval(
        "insert into pipeline_stages (pipeline_id, position, code, name, outcome) "
        "values ($1, 1, 'done', 'Done', 'won') returning id",
        pipeline,
    )
    # One deal on A6: opened October 3rd, won the 4th.
    deal = uuid.uuid4()
    await conn.execute(
        "insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, created_by, created_at, "
        "stage_entered_at, closed_at) values ($1, $2, $3, $4, 'won', $5, 'import', $5, $6, $7, $7)",
        deal,
        pipeline,
        fixture.accounts["A6"],
        done,
        fixture.users["closer"],
        at(10, 3),
        at(10, 4),
    )
    await conn.executemany(
        "insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_at) values ($1, $2, $3, $4)",
        [(deal, None, first, at(10, 3)), (deal, first, done, at(10, 4))],
    )
    report = await _get(client, "/funnel", "supervisor@example.com", pipeline_id=pipeline, **OCT)
    # open: entered 1, moved on 1 (100 %, 1 day); done: entered 1.
    stages = [
        (r["stage_code"], r["entered"], r["moved_on"], r["conversion_pct"], r["median_days"]) for r in report["rows"]
    ]
    assert stages == [("open", 1, 1, 100.0, 1.0), ("done", 1, 0, None, None)]
    total = report["total"]
    assert (total["leads"], total["won"], total["cycle_median_days"]) == (1, 1, 1.0)
    assert (total["cv1_pct"], total["cv2_pct"], total["key_reached_pct"], total["key_conversion_pct"]) == (
        None,
        None,
        None,
        None,
    )
