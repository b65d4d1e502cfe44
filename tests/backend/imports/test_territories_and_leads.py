"""Territory boundaries (PUT GeoJSON, file import), coverage, lead distribution and the unassigned queue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg
import geopandas
import httpx
from click.testing import CliRunner
from shapely.geometry import Polygon, box, mapping

from backend.cli.main import cli
from backend.settings import Settings
from backend.territories.service import import_territories
from geo_data.territory_files import read_territory_file
from tests.backend.conftest import auth_headers


async def _territory(conn: asyncpg.Connection, email: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        "select t.id, t.code, ST_XMin(t.geom) as xmin, ST_YMin(t.geom) as ymin, ST_XMax(t.geom) as xmax, "
        "ST_YMax(t.geom) as ymax from territories t join users u on u.id = t.owner_rep_id where u.email = $1",
        email,
    )
    assert row is not None
    return dict(row)


async def _my_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> set[int]:
    response = await client.get("/api/v1/me/accounts?limit=500", headers=headers)
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


async def test_moving_a_boundary_moves_accounts_and_the_reps_lists_follow(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    west, centre = await _territory(conn, "rep1@example.com"), await _territory(conn, "rep2@example.com")
    admin = await auth_headers(client, "admin@example.com")
    rep1, rep2 = await auth_headers(client, "rep1@example.com"), await auth_headers(client, "rep2@example.com")
    before1, before2 = await _my_ids(client, rep1), await _my_ids(client, rep2)
    # West grows east by a third of the centre strip; centre shrinks to match (no overlap, no gap).
    cut = centre["xmin"] + (centre["xmax"] - centre["xmin"]) / 3
    grown = box(west["xmin"], west["ymin"], cut, west["ymax"])
    shrunk = box(cut, centre["ymin"], centre["xmax"], centre["ymax"])
    response = await client.put(
        f"/api/v1/territories/{centre['id']}", json={"geometry": mapping(shrunk)}, headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    moved = set(body["accounts_moved_out"])
    assert moved and not body["accounts_moved_in"]
    assert any(p["kind"] == "gap" for p in body["problems"])  # until the west strip grows into it
    response = await client.put(
        f"/api/v1/territories/{west['id']}",
        json={"geometry": {"type": "Feature", "properties": {}, "geometry": mapping(grown)}},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["accounts_moved_in"]) == moved
    assert not [p for p in response.json()["problems"] if p["kind"] == "overlap"]
    after1, after2 = await _my_ids(client, rep1), await _my_ids(client, rep2)
    assert after1 == before1 | moved and after2 == before2 - moved


async def test_put_reports_repairs_and_overlaps_and_refuses_non_polygons(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    west, centre = await _territory(conn, "rep1@example.com"), await _territory(conn, "rep2@example.com")
    admin = await auth_headers(client, "admin@example.com")
    x0, x1, y0, y1 = west["xmin"], west["xmax"] + 0.001, west["ymin"], west["ymax"]
    bow_tie = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # self-intersecting, reaches into centre
    response = await client.put(f"/api/v1/territories/{west['id']}", json={"geometry": mapping(bow_tie)}, headers=admin)
    assert response.status_code == 200, response.text
    kinds = {p["kind"]: p for p in response.json()["problems"]}
    assert "repaired" in kinds and "Self-intersection" in kinds["repaired"]["detail"]
    assert kinds["overlap"]["codes"] == [west["code"], centre["code"]]
    line = {"type": "LineString", "coordinates": [[24.9, 60.1], [24.95, 60.2]]}
    refused = await client.put(f"/api/v1/territories/{west['id']}", json={"geometry": line}, headers=admin)
    assert refused.status_code == 422 and refused.json()["field"] == "geometry"
    supervisor = await auth_headers(client, "supervisor@example.com")
    forbidden = await client.put(f"/api/v1/territories/{west['id']}", json={"name": "x"}, headers=supervisor)
    assert forbidden.status_code == 403
    not_rep = await client.put(f"/api/v1/territories/{west['id']}", json={"backup_rep_id": 1}, headers=admin)
    assert not_rep.status_code == 422 and not_rep.json()["field"] == "backup_rep_id"
    missing = await client.put("/api/v1/territories/99999", json={"name": "x"}, headers=admin)
    assert missing.status_code == 404


async def test_territory_file_with_overlap_self_intersection_and_hole(conn: asyncpg.Connection, tmp_path: Path) -> None:
    west, centre = await _territory(conn, "rep1@example.com"), await _territory(conn, "rep2@example.com")
    x0, y0, y1 = west["xmin"], west["ymin"], west["ymax"]
    mid_x = (west["xmin"] + west["xmax"]) / 2
    with_hole = Polygon(
        [(x0, y0), (centre["xmin"] + 0.001, y0), (centre["xmin"] + 0.001, y1), (x0, y1)],
        [
            [
                (mid_x - 0.0005, (y0 + y1) / 2 - 0.0005),
                (mid_x + 0.0005, (y0 + y1) / 2 - 0.0005),
                (mid_x + 0.0005, (y0 + y1) / 2 + 0.0005),
                (mid_x - 0.0005, (y0 + y1) / 2 + 0.0005),
            ]
        ],
    )
    bow_tie = Polygon([(25.10, 60.10), (25.12, 60.12), (25.12, 60.10), (25.10, 60.12)])
    frame = geopandas.GeoDataFrame(
        {"code": [west["code"], "NEW"], "name": ["West", "New area"], "owner": ["rep1@example.com", "nobody@x.fi"]},
        geometry=[with_hole, bow_tie],
        crs="EPSG:4326",
    ).to_crs("EPSG:3067")
    path = tmp_path / "territories.gpkg"
    frame.to_file(path, driver="GPKG")
    parsed = read_territory_file(path)
    inside_hole = await conn.fetch(
        "select id from accounts where territory_id = $1 and ST_Covers(ST_GeomFromText($2, 4326), location)",
        west["id"],
        Polygon(with_hole.interiors[0]).wkt,
    )
    report = await import_territories(conn, parsed)
    assert report.updated == [west["code"]] and report.created == ["NEW"]
    kinds = {p.kind for p in report.problems}
    assert {"hole", "repaired", "unknown_rep"} <= kinds
    # the overlap with the centre strip is stored as drawn: border accounts go to the lower id
    overlap_db = await conn.fetchval(
        "select ST_Area(ST_Intersection(a.geom, b.geom)) > 0 from territories a, territories b "
        "where a.id = $1 and b.id = $2",
        west["id"],
        centre["id"],
    )
    assert overlap_db
    hole_ids = [r["id"] for r in inside_hole]
    if hole_ids:  # accounts in the new hole left the territory
        assert (
            await conn.fetchval(
                "select count(*) from accounts where id = any($1) and territory_id = $2", hole_ids, west["id"]
            )
            == 0
        )
    assert report.unassigned_accounts >= len(hole_ids)
    assert "1 created, 1 updated" in report.summary


def test_cli_territories_dry_run_and_bad_file(settings: Settings, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FIELDSALES_ENV", "test")
    path = tmp_path / "t.geojson"
    geopandas.GeoDataFrame({"code": ["X"]}, geometry=[box(25.2, 60.3, 25.3, 60.4)], crs="EPSG:4326").to_file(path)
    result = CliRunner().invoke(cli, ["import", "territories", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "1 created" in result.output
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["import", "territories", str(empty)])
    assert result.exit_code == 2 and "empty" in result.output


def test_cli_accounts_bad_files_exit_non_zero(settings: Settings, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FIELDSALES_ENV", "test")
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # a sparse 200 MB file: refused by its size, never read
        handle.truncate(200 * 1024 * 1024)
    result = CliRunner().invoke(cli, ["import", "accounts", str(huge)])
    assert result.exit_code == 2 and "200.0 MiB" in result.output and "huge.csv" in result.output
    pdf = tmp_path / "customers.xlsx"
    pdf.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(cli, ["import", "accounts", str(pdf)])
    assert result.exit_code == 2 and "customers.xlsx" in result.output and "PDF" in result.output
    good = tmp_path / "good.csv"
    good.write_text("name,lat,lon\nKahvila Kokeilu,60.25,25.05\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('name = "name"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "accounts", str(good), "--dry-run", "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "Dry run: would import 1 file(s)" in result.output and "1 account(s) created" in result.output


async def test_coverage_per_territory_and_channel(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    rep1 = await auth_headers(client, "rep1@example.com")
    west = await _territory(conn, "rep1@example.com")
    # a potential account visited yesterday counts as active and visited in this cycle
    visited = await conn.fetchval(
        "select id from accounts where territory_id = $1 and status = 'potential' order by id limit 1", west["id"]
    )
    await conn.execute(
        "insert into visits (id, rep_id, account_id, checked_in_at, check_in_location, check_in_accuracy_m, "
        "check_in_mock, check_in_distance_m) select gen_random_uuid(), t.owner_rep_id, a.id, now() - interval '1 day', "
        "a.location, 10, false, 5 from accounts a join territories t on t.id = a.territory_id where a.id = $1",
        visited,
    )
    ordered = await conn.fetch(
        "select id from accounts where territory_id = $1 and status <> 'closed' and location is not null "
        "and channel in ('horeca', 'retail') order by id limit 2",
        west["id"],
    )
    for row in ordered:
        await conn.execute(
            "insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, total_amount, "
            "total_units, line_count) values (gen_random_uuid(), $1, (select owner_rep_id from territories "
            "where id = $2), $2, 'delivered', now(), current_date - 1, 10, 1, 1)",
            row["id"],
            west["id"],
        )
    response = await client.get(f"/api/v1/territories/{west['id']}/coverage?active_days=30", headers=rep1)
    assert response.status_code == 200, response.text
    body = response.json()
    # One definition (docs/architecture.md, "Coverage"): a visit makes an outlet visited, not active;
    # active = of the potential base, an order submitted, confirmed or delivered in the period.
    counts = await conn.fetchrow(
        "select count(*) as total, "
        "count(*) filter (where channel in ('horeca', 'retail') and status <> 'closed' and location is not null) "
        "as potential, count(*) filter (where channel in ('horeca', 'retail') and status <> 'closed' "
        "and location is not null and exists (select 1 from orders o where o.account_id = accounts.id "
        "and o.status in ('submitted', 'confirmed', 'delivered') and o.order_day >= current_date - 29)) as active "
        "from accounts where territory_id = $1",
        west["id"],
    )
    assert (body["total"], body["potential"], body["active"]) == tuple(counts)
    assert body["potential_per_active"] == round(counts["potential"] / counts["active"], 3)
    assert body["visited"] == 1
    assert dt.date.fromisoformat(body["to_day"]) - dt.date.fromisoformat(body["from_day"]) == dt.timedelta(days=29)
    assert sum(c["total"] for c in body["by_channel"]) == body["total"]
    assert {c["channel"] for c in body["by_channel"]} == {"horeca", "retail"}
    mine = (await client.get("/api/v1/territories/coverage", headers=rep1)).json()
    assert [c["territory_id"] for c in mine] == [west["id"]]
    supervisor = await auth_headers(client, "supervisor@example.com")
    everything = (await client.get("/api/v1/territories/coverage", headers=supervisor)).json()
    assert len(everything) == 4 and everything[-1]["territory_id"] is None  # three strips + unassigned
    assert sum(c["total"] for c in everything) == await conn.fetchval("select count(*) from accounts")
    other = await _territory(conn, "rep2@example.com")
    assert (await client.get(f"/api/v1/territories/{other['id']}/coverage", headers=rep1)).status_code == 404


async def test_a_new_lead_lands_in_its_reps_list_or_the_unassigned_queue(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    west = await _territory(conn, "rep1@example.com")
    rep1 = await auth_headers(client, "rep1@example.com")
    lat, lon = (west["ymin"] + west["ymax"]) / 2, (west["xmin"] + west["xmax"]) / 2
    response = await client.post(
        "/api/v1/leads",
        json={
            "name": "Uusi Kahvila Oy",
            "channel": "horeca",
            "phone": "040 765 4321",
            "lat": lat,
            "lon": lon,
            "opening_hours": "09:00-18:00",
        },
        headers=rep1,
    )
    assert response.status_code == 201, response.text
    lead = response.json()
    assert lead["territory_id"] == west["id"] and lead["status"] == "potential" and lead["name"] == "Uusi Kahvila"
    assert lead["id"] in await _my_ids(client, rep1)
    duplicate = await client.post(
        "/api/v1/leads", json={"name": "UUSI KAHVILA", "phone": "+358407654321", "lat": lat, "lon": lon}, headers=rep1
    )
    assert duplicate.status_code == 409 and str(lead["id"]) in duplicate.json()["detail"]

    outside = await client.post(
        "/api/v1/leads",
        json={"name": "Kaukainen Kioski", "channel": "retail", "lat": 60.30, "lon": 25.20},
        headers=rep1,
    )
    assert outside.status_code == 201 and outside.json()["territory_id"] is None
    far_id = outside.json()["id"]
    supervisor = await auth_headers(client, "supervisor@example.com")
    queue = (await client.get("/api/v1/leads/unassigned?limit=500", headers=supervisor)).json()
    assert far_id in [item["id"] for item in queue["items"]]
    assert (await client.get("/api/v1/leads/unassigned", headers=rep1)).status_code == 403
    assigned = await client.post(
        f"/api/v1/leads/{far_id}/assign", json={"territory_id": west["id"]}, headers=supervisor
    )
    assert assigned.status_code == 200, assigned.text
    assert far_id in await _my_ids(client, rep1)
    queue = (await client.get("/api/v1/leads/unassigned?limit=500", headers=supervisor)).json()
    assert far_id not in [item["id"] for item in queue["items"]]
    inside = await client.post(
        f"/api/v1/leads/{lead['id']}/assign", json={"territory_id": west["id"]}, headers=supervisor
    )
    assert inside.status_code == 409
    bad = await client.post("/api/v1/leads", json={"name": "X", "lat": 0, "lon": 0}, headers=rep1)
    assert bad.status_code == 422 and bad.json()["field"] == "lat"
