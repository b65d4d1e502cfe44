"""Account imports against the real database: the messy fixture, idempotency, bad files, the API."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from backend.errors import InvalidInput
from backend.imports.schemas import ImportOptions, UploadedFile
from backend.imports.service import import_accounts
from tests.backend.conftest import auth_headers
from tests.fixtures_customer_base import FixtureTruth, generate

OPTIONS = ImportOptions(region_bbox="19.0,59.0,32.0,70.5")


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory: pytest.TempPathFactory) -> FixtureTruth:
    return generate(tmp_path_factory.mktemp("customer_base"))


def _uploads(truth: FixtureTruth) -> list[UploadedFile]:
    return [UploadedFile(path.name, path.read_bytes()) for path in truth.files]


async def _state(conn: asyncpg.Connection) -> dict[str, Any]:
    """Everything an import may write, to prove that something did not change."""
    return {
        "accounts": await conn.fetchval("select md5(string_agg(a::text, '|' order by a.id)) from accounts a"),
        "sources": await conn.fetchval("select md5(string_agg(s::text, '|' order by s.id)) from account_sources s"),
        "hours": await conn.fetchval("select count(*) from account_opening_hours"),
        "merges": await conn.fetchval("select count(*) from account_merges"),
        "candidates": await conn.fetchval("select count(*) from duplicate_candidates"),
        "imports": await conn.fetchval("select count(*) from imports"),
        "entities": await conn.fetchval("select count(*) from legal_entities"),
    }


def precision_recall(truth: FixtureTruth, account_of: dict[tuple[str, int], int]) -> tuple[float, float]:
    rows = sorted(truth.entity_of)
    tp = fp = fn = 0
    for a, b in itertools.combinations(rows, 2):
        same_truth = truth.entity_of[a] == truth.entity_of[b]
        same_predicted = account_of[a] == account_of[b]
        tp += same_truth and same_predicted
        fp += same_predicted and not same_truth
        fn += same_truth and not same_predicted
    return tp / (tp + fp), tp / (tp + fn)


async def test_messy_fixture_deduplicates_with_known_precision_and_recall(
    conn: asyncpg.Connection, fixture_files: FixtureTruth
) -> None:
    before = await conn.fetchval("select count(*) from accounts")
    report = await import_accounts(conn, _uploads(fixture_files), OPTIONS, None)
    rows = await conn.fetch(
        "select file_name, row_number, account_id from account_sources where import_id = $1", report.import_id
    )
    account_of = {(r["file_name"], r["row_number"]): r["account_id"] for r in rows}
    assert set(account_of) == set(fixture_files.entity_of), "every accepted row keeps its provenance"
    precision, recall = precision_recall(fixture_files, account_of)
    print(f"\nde-duplication on the messy fixture: precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.98 and recall >= 0.95
    # every rejected row is reported with its reason; nothing else is rejected
    assert {(r.file, r.row): r.field for r in report.rejected} == fixture_files.rejected
    assert all(r.reason for r in report.rejected)
    assert report.counts.rejected == len(fixture_files.rejected)
    created = await conn.fetchval("select count(*) from accounts") - before
    assert created == report.counts.created == len(set(account_of.values()))
    # chains: one legal entity per chain, branches stay separate outlets
    for keys in fixture_files.chains.values():
        outlets = {account_of[row] for row, key in fixture_files.entity_of.items() if key in keys}
        assert len(outlets) == len(keys)
        entities = await conn.fetch("select distinct legal_entity_id from accounts where id = any($1)", list(outlets))
        assert len(entities) == 1 and entities[0]["legal_entity_id"] is not None
    # swapped coordinates were corrected, rows without coordinates kept for geocoding
    assert any("swapped" in w.reason for w in report.warnings)
    assert report.counts.needs_geocoding >= 1
    assert (
        await conn.fetchval("select count(*) from accounts where id = any($1) and location is null", report.account_ids)
        == report.counts.needs_geocoding
    )
    # the outlets lie outside the demo territories: all in the unassigned queue
    assert report.counts.unassigned == report.counts.created
    assert "rejected" in report.summary and "north_manager.xlsx row" in report.summary
    # a merge keeps both provenances
    merged = await conn.fetchval(
        "select account_id from account_sources where import_id = $1 group by account_id having count(*) > 1 limit 1",
        report.import_id,
    )
    assert merged is not None


async def test_running_the_same_import_again_changes_nothing(
    conn: asyncpg.Connection, fixture_files: FixtureTruth
) -> None:
    first = await import_accounts(conn, _uploads(fixture_files), OPTIONS, None)
    state = await _state(conn)
    second = await import_accounts(conn, _uploads(fixture_files), OPTIONS, None)
    assert await _state(conn) == state
    assert second.import_id is None and second.counts.created == 0 and second.counts.updated == 0
    assert second.counts.unchanged == first.counts.rows - first.counts.rejected
    assert second.counts.rejected == first.counts.rejected


async def test_dry_run_writes_nothing_and_changed_rows_update(conn: asyncpg.Connection, tmp_path: Path) -> None:
    csv = "id,name,address,phone,lat,lon\n1,Kahvila Testi,Testikatu 1,040 123 4567,60.25,25.05\n"
    state = await _state(conn)
    dry = await import_accounts(conn, [UploadedFile("t.csv", csv.encode())], ImportOptions(dry_run=True), None)
    assert dry.dry_run and dry.counts.created == 1 and await _state(conn) == state
    await import_accounts(conn, [UploadedFile("t.csv", csv.encode())], OPTIONS, None)
    changed = csv.replace("Testikatu 1", "Testikatu 3")
    report = await import_accounts(conn, [UploadedFile("t.csv", changed.encode())], OPTIONS, None)
    assert (report.counts.updated, report.counts.created) == (1, 0)
    address = await conn.fetchval(
        "select a.address from accounts a join account_sources s on s.account_id = a.id "
        "where s.source = 't.csv' and s.external_id = '1'"
    )
    assert address == "Testikatu 3"


BAD_FILES = [
    ("report.xlsx", b"%PDF-1.7 this is a pdf", "files.report.xlsx", "not a spreadsheet"),
    ("broken.csv", b"name;address\n" + bytes(range(0x80, 0x100)) * 12, "files.broken.csv", "encoding"),
    ("nonames.csv", b"street,phone\nTestikatu 1,0401234567\n", "files.nonames.csv.name", "no column for 'name'"),
    ("empty.csv", b"", "files.empty.csv", "0 bytes"),
]


@pytest.mark.parametrize(("name", "data", "field", "words"), BAD_FILES)
async def test_bad_files_leave_the_database_unchanged(
    conn: asyncpg.Connection, name: str, data: bytes, field: str, words: str
) -> None:
    good = UploadedFile("good.csv", b"name,lat,lon\nKahvila Hyva,60.25,25.05\n")
    state = await _state(conn)
    with pytest.raises(InvalidInput) as caught:
        await import_accounts(conn, [good, UploadedFile(name, data)], OPTIONS, None)
    assert caught.value.field == field and words in caught.value.detail and name in caught.value.detail
    assert await _state(conn) == state


async def test_api_import_is_admin_only_and_answers_the_report(
    client: httpx.AsyncClient, conn: asyncpg.Connection, fixture_files: FixtureTruth
) -> None:
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in fixture_files.files]
    rep = await auth_headers(client, "rep1@example.com")
    assert (await client.post("/api/v1/imports/accounts", files=files, headers=rep)).status_code == 403
    admin = await auth_headers(client, "admin@example.com")
    response = await client.post("/api/v1/imports/accounts", files=files, data={"dry_run": "true"}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["import_id"] is None and body["counts"]["created"] > 100
    assert {f["name"] for f in body["files"]} == {p.name for p in fixture_files.files}
    south = next(f for f in body["files"] if f["name"] == "south_manager.csv")
    assert south["encoding"] == "cp1252" and south["columns"]["name"] == "Nimi"
    response = await client.post("/api/v1/imports/accounts", files=files, headers=admin)
    assert response.status_code == 200 and response.json()["import_id"] is not None


async def test_api_bad_files_are_problem_json_naming_the_file(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    admin = await auth_headers(client, "admin@example.com")
    state = await _state(conn)
    for name, data, field, words in BAD_FILES:
        response = await client.post(
            "/api/v1/imports/accounts", files=[("files", (name, data, "text/csv"))], headers=admin
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["field"] == field and words in body["detail"]
    none = await client.post("/api/v1/imports/accounts", data={"source": "x"}, headers=admin)
    assert none.status_code == 422 and none.json()["field"] == "files"
    mapping = await client.post(
        "/api/v1/imports/accounts",
        files=[("files", ("a.csv", b"Outlet,x\nA,1\n", "text/csv"))],
        data={"mapping": "colour = 'Paint'"},
        headers=admin,
    )
    assert mapping.status_code == 422 and mapping.json()["field"] == "mapping"
    # a body over the request limit (16 MiB by default) is refused before it is read
    huge = await client.post(
        "/api/v1/imports/accounts",
        files=[("files", ("huge.csv", b"x" * (17 * 1024 * 1024), "text/csv"))],
        headers=admin,
    )
    assert huge.status_code == 413 and huge.json()["field"] == "body"
    assert await _state(conn) == state


async def test_api_mapping_override(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    admin = await auth_headers(client, "admin@example.com")
    response = await client.post(
        "/api/v1/imports/accounts",
        files=[("files", ("odd.csv", b"Outlet title;Tel no\nKahvila Kummallinen;040 765 4321\n", "text/csv"))],
        data={"mapping": '{"name": "Outlet title", "phone": ["Tel no"]}'},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"]["created"] == 1 and body["counts"]["needs_geocoding"] == 1
    phones = await conn.fetchval("select phones from accounts where id = $1", body["account_ids"][0])
    assert phones == ["+358407654321"]
