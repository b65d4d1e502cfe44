"""Plan vs fact reconciles with the raw tables on the known day; grouping, scope, errors, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import asyncpg
import httpx
import pytest
from openpyxl import load_workbook

from backend.reports.schemas import DroppedFact, PlannedStopFact, PublishedRoute, VisitFact, VisitGroup
from backend.reports.service import build_visits_report
from tests.backend.conftest import auth_headers
from tests.backend.supervision.known_day import DAY, OTHER_SUPERVISOR, KnownDay

URL = f"/api/v1/reports/visits?from={DAY}&to={DAY}"

# The same definitions as the service, written independently against the raw tables.
RAW = """
with team as (select id from users where role = 'rep' and supervisor_id = $1),
published as (
    select distinct on (r.rep_id) r.* from routes r join team on team.id = r.rep_id
    where r.day = $2 order by r.rep_id, r.version desc),
stops as (select p.rep_id, p.day, s.* from published p join route_stops s on s.route_id = p.id),
day_visits as (
    select v.*, (v.checked_in_at at time zone 'Europe/Helsinki') as local_at
    from visits v join team on team.id = v.rep_id
    where (v.checked_in_at at time zone 'Europe/Helsinki')::date = $2),
matched as (
    select s.*, (select dv.id from day_visits dv where dv.rep_id = s.rep_id and dv.account_id = s.account_id
                 order by dv.checked_in_at limit 1) as visit_id
    from stops s)
select
    (select count(*) from stops) as planned,
    (select count(*) from matched where visit_id is not null) as done,
    (select count(*) from matched where visit_id is null) as not_visited,
    (select count(*) from published p, jsonb_array_elements(p.unassigned) d where d ->> 'reason' = 'closed') as closed,
    (select count(*) from day_visits) as visits,
    (select count(*) from day_visits where not exists (select 1 from matched m where m.visit_id = day_visits.id))
        as off_plan,
    (select count(*) from day_visits where not 'out_of_range' = any(flags)) as in_range,
    (select avg(extract(epoch from checked_out_at - checked_in_at)) from day_visits where checked_out_at is not null)
        as avg_visit_s,
    (select count(*) from matched m join day_visits dv on dv.id = m.visit_id
     where extract(epoch from dv.local_at - dv.local_at::date) between m.window_start_s and m.window_end_s) as on_time,
    (select sum(travel_s) from published) as travel_s,
    (select sum(distance_m) from published) as travel_m,
    (select avg(c.score_pct)::float8 from visit_checklists c join day_visits dv on dv.id = c.visit_id) as score,
    (select coalesce(sum(ST_Distance(a.check_in_location::geography, b.check_in_location::geography)), 0)
     from day_visits a join lateral (
         select n.check_in_location from day_visits n where n.rep_id = a.rep_id and n.checked_in_at > a.checked_in_at
         order by n.checked_in_at limit 1) b on true) as actual_m
"""


async def test_the_report_reconciles_with_the_raw_tables(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    raw = await conn.fetchrow(RAW, known_day.supervisor_id, DAY)
    response = await client.get(f"{URL}&group_by=rep", headers=await auth_headers(client, "supervisor@example.com"))
    assert response.status_code == 200, response.text
    total = response.json()["total"]
    assert total["planned"] == raw["planned"]
    assert total["done_on_plan"] == raw["done"] == 4
    assert total["missed_not_visited"] == raw["not_visited"] == raw["planned"] - 4
    # The account closed on Tuesdays was never on the plan: dropped by the planner, not missed.
    assert total["dropped_by_planner"] == raw["closed"] == 1 and total["missed_closed"] == 0
    assert total["missed"] == total["missed_not_visited"] + total["missed_closed"]
    assert total["planned"] == total["done_on_plan"] + total["missed"]
    assert total["done_off_plan"] == raw["off_plan"] == 1
    assert total["done"] == total["done_on_plan"] + total["done_added"] + total["done_off_plan"] == 5
    assert total["visits"] == raw["visits"] == 5
    assert total["geofence_compliance"] == pytest.approx(raw["in_range"] / raw["visits"], abs=1e-4)
    assert total["geofence_compliance"] == pytest.approx(0.8)
    assert total["on_time_share"] == pytest.approx(raw["on_time"] / raw["done"], abs=1e-4)
    assert total["avg_visit_s"] == pytest.approx(float(raw["avg_visit_s"]), abs=0.1)
    assert total["avg_visit_s"] == pytest.approx((20 + 30 + 10 + 20) * 60 / 4)
    assert total["travel_planned_s"] == raw["travel_s"]
    assert total["travel_planned_m"] == pytest.approx(raw["travel_m"], abs=0.1)
    # Haversine (sphere) against PostGIS's spheroid: the same to well under 1 %.
    assert total["travel_actual_m"] == pytest.approx(raw["actual_m"], rel=0.005)
    assert total["avg_checklist_score"] == pytest.approx(raw["score"]) == 70.0
    rows = {row["key"]: row for row in response.json()["rows"]}
    assert set(rows) == {str(known_day.reps["rep1"]), str(known_day.reps["rep2"])}
    rep1 = rows[str(known_day.reps["rep1"])]
    assert (rep1["done_on_plan"], rep1["done_off_plan"], rep1["dropped_by_planner"], rep1["visits"]) == (3, 1, 1, 4)
    assert sum(row["planned"] for row in rows.values()) == total["planned"]


@pytest.mark.parametrize("group", ["territory", "region", "channel", "day"])
async def test_every_grouping_adds_up_to_the_same_total(
    client: httpx.AsyncClient, known_day: KnownDay, group: str
) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    by_rep = (await client.get(f"{URL}&group_by=rep", headers=headers)).json()["total"]
    response = await client.get(f"{URL}&group_by={group}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    for name in ("planned", "done", "missed", "done_off_plan", "visits", "geofence_compliance", "avg_checklist_score"):
        assert body["total"][name] == by_rep[name], name
        if name in ("planned", "done", "missed", "done_off_plan", "visits"):
            assert sum(row[name] for row in body["rows"]) == by_rep[name], name
    if group == "day":
        assert [row["key"] for row in body["rows"]] == [DAY.isoformat()]
        assert body["rows"][0]["travel_actual_m"] == by_rep["travel_actual_m"]
    else:
        assert body["rows"][0]["travel_planned_s"] is None


async def test_another_team_never_counts(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    mine = (await client.get(URL, headers=await auth_headers(client, "supervisor@example.com"))).json()
    other = (await client.get(URL, headers=await auth_headers(client, OTHER_SUPERVISOR))).json()
    admin = (await client.get(URL, headers=await auth_headers(client, "admin@example.com"))).json()
    assert str(known_day.reps["rep3"]) not in {row["key"] for row in mine["rows"]}
    assert [row["key"] for row in other["rows"]] == [str(known_day.reps["rep3"])]
    assert other["total"]["visits"] == 2
    for name in ("planned", "done", "visits", "missed"):
        assert admin["total"][name] == mine["total"][name] + other["total"][name], name


async def test_exports_hold_the_same_rows(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    headers = await auth_headers(client, "supervisor@example.com")
    body = (await client.get(URL, headers=headers)).json()
    exported = await client.get(f"{URL}&format=csv", headers=headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["key"] for row in rows] == [row["key"] for row in body["rows"]] + ["total"]
    assert int(rows[-1]["planned"]) == body["total"]["planned"]
    workbook = await client.get(f"{URL}&format=xlsx", headers=headers)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("key", "label", "planned")
    assert values[-1][0] == "total" and values[-1][2] == body["total"]["planned"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2026-12-40", 422, "from"),
        ("from=2026-12-01&to=yesterday", 422, "to"),
        ("from=2026-12-05&to=2026-12-01", 422, "to"),
        ("from=2020-01-01&to=2026-12-01", 422, "to"),
        ("group_by=planet", 400, "group_by"),
        ("format=pdf", 400, "format"),
    ],
)
async def test_bad_parameters_are_problems_naming_the_field(
    client: httpx.AsyncClient, query: str, status: int, field: str
) -> None:
    response = await client.get(
        f"/api/v1/reports/visits?{query}", headers=await auth_headers(client, "supervisor@example.com")
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


@pytest.mark.parametrize("report", ["visits", "coverage", "sales?from=2026-01", "seasonality?from=2026-01"])
async def test_reps_get_403(client: httpx.AsyncClient, report: str) -> None:
    response = await client.get(f"/api/v1/reports/{report}", headers=await auth_headers(client, "rep1@example.com"))
    assert response.status_code == 403


def _keys(rep_id: int = 1, day: dt.date = DAY) -> dict[str, object]:
    return {
        "rep_id": rep_id,
        "rep_name": "R",
        "day": day,
        "channel": "horeca",
        "territory_id": 1,
        "territory_code": "T",
        "territory_name": "T",
        "region": None,
    }


def test_causes_of_missed_visits_and_on_time_rules() -> None:
    """Pure: every cause, a dropped visit done anyway, a stop without a window."""

    def stop(seq: int, account: int, status: str = "active", window: tuple[int, int] | None = (36000, 39600)):
        return PlannedStopFact(
            route_id=1,
            seq=seq,
            account_id=account,
            account_status=status,
            start_s=36000,
            window_start_s=None if window is None else window[0],
            window_end_s=None if window is None else window[1],
            **_keys(),  # type: ignore[arg-type]
        )

    def visit(account: int, local_s: int, flags: list[str] | None = None) -> VisitFact:
        at = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC) + dt.timedelta(seconds=local_s - 36000)
        return VisitFact(
            id=uuid.uuid4(),
            account_id=account,
            local_start_s=local_s,
            checked_in_at=at,
            checked_out_at=None,
            flags=flags or [],
            lat=60.17,
            lon=24.94 + account / 1000,
            score_sum=0,
            score_count=0,
            **_keys(),  # type: ignore[arg-type]
        )

    def dropped(account: int, reason: str) -> DroppedFact:
        return DroppedFact(route_id=1, account_id=account, reason=reason, **_keys())  # type: ignore[arg-type]

    stops = [stop(0, 1), stop(1, 2, window=None), stop(2, 3), stop(3, 4, status="closed")]
    visits = [visit(1, 37000), visit(2, 36000 + 1900), visit(5, 50000, ["out_of_range"]), visit(6, 51000)]
    drops = [dropped(6, "capacity"), dropped(7, "capacity"), dropped(8, "closed")]
    routes = [PublishedRoute(route_id=1, rep_id=1, rep_name="R", day=DAY, travel_s=600, distance_m=3000.0)]
    report = build_visits_report(DAY, DAY, VisitGroup.REP, routes, stops, drops, visits, 1800)
    total = report.total
    assert (total.planned, total.done_on_plan, total.missed_not_visited, total.missed_closed) == (4, 2, 1, 1)
    assert total.planned == total.done_on_plan + total.missed
    assert total.dropped_by_planner == 2  # accounts 7 and 8; account 6 was visited anyway (off-plan)
    assert total.done_off_plan == 2 and total.done == 4
    assert total.on_time_share == 0.5  # account 2 started 1900 s after its planned start, no window
    assert total.geofence_compliance == 0.75
    assert total.travel_planned_s == 600 and total.travel_actual_m is not None and total.travel_actual_m > 0
