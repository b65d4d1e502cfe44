"""Visit rules a supervisor relies on: a required checklist at check-out, a retried check-in under a
new id, a shelf photo that cannot show a shelf, the reuse flag on the upload that reuses."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar
from PIL import Image

from backend.app import create_app
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.visits.conftest import day_clock
from tests.backend.visits.helpers import DAY, check_in_body, check_out_body, later, rep_accounts
from tests.backend.visits.test_checklists import STORE_CHECK, create_template, good_answers
from tests.backend.visits.test_photos import upload
from tests.visits.images import jpeg, shelf_image


async def _check_in(client: httpx.AsyncClient, headers: dict[str, str], account: asyncpg.Record, hour: int) -> str:
    body = check_in_body(account, DAY.replace(hour=hour))
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(body["id"])


async def test_a_check_out_with_the_required_checklist_unanswered_is_accepted_and_flagged(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    template = await create_template(client)  # applies to every account; two required items
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    visit_id = await _check_in(client, headers, account, 9)
    out = await client.post(
        f"/api/v1/visits/{visit_id}/checkout",
        json=check_out_body(account, DAY.replace(hour=9, minute=30)),
        headers=headers,
    )
    assert out.status_code == 200, out.text
    assert out.json()["flags"] == ["checklist_missing"]
    # The phone was offline: the answers arrive after the check-out, and the flag goes.
    answered = await client.put(
        f"/api/v1/visits/{visit_id}/checklist", json=good_answers(template["id"]), headers=headers
    )
    assert answered.status_code == 200, answered.text
    visit = await client.get(f"/api/v1/visits/{visit_id}", headers=headers)
    assert visit.json()["flags"] == []


async def test_a_template_without_required_items_does_not_hold_a_check_out(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    optional = {
        **STORE_CHECK,
        "code": "optional-check",
        "items": [{**item, "required": False} for item in STORE_CHECK["items"]],
    }
    await create_template(client, optional)
    headers = await auth_headers(client, "rep2@example.com")
    account = (await rep_accounts(conn, "rep2@example.com"))[0]
    visit_id = await _check_in(client, headers, account, 10)
    out = await client.post(
        f"/api/v1/visits/{visit_id}/checkout",
        json=check_out_body(account, DAY.replace(hour=10, minute=20)),
        headers=headers,
    )
    assert out.status_code == 200 and out.json()["flags"] == []


@pytest.fixture
def strict_app(settings: Settings, conn: asyncpg.Connection, photo_dir: Path) -> Litestar:
    strict = msgspec.structs.replace(settings, photo_dir=str(photo_dir), checkout_requires_checklist=True)
    return create_app(strict, pool=SingleConnectionSource(conn), clock=day_clock())


async def test_with_the_setting_a_check_out_before_the_checklist_is_refused_naming_it(
    strict_app: Litestar, conn: asyncpg.Connection
) -> None:
    transport = httpx.ASGITransport(app=strict_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        template = await create_template(client)
        headers = await auth_headers(client, "rep1@example.com")
        account = (await rep_accounts(conn, "rep1@example.com"))[0]
        visit_id = await _check_in(client, headers, account, 11)
        body = check_out_body(account, DAY.replace(hour=11, minute=30))
        refused = await client.post(f"/api/v1/visits/{visit_id}/checkout", json=body, headers=headers)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["field"] == "checklist"
        assert await conn.fetchval("select checked_out_at from visits where id = $1", uuid.UUID(visit_id)) is None
        await client.put(f"/api/v1/visits/{visit_id}/checklist", json=good_answers(template["id"]), headers=headers)
        accepted = await client.post(f"/api/v1/visits/{visit_id}/checkout", json=body, headers=headers)
        assert accepted.status_code == 200 and accepted.json()["flags"] == []


async def test_a_retry_under_a_new_id_is_answered_with_the_first_visit(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep3@example.com")
    account, other = (await rep_accounts(conn, "rep3@example.com", 2))[:2]
    at = DAY.replace(hour=12)
    first = check_in_body(account, at)
    assert (await client.post("/api/v1/visits", json=first, headers=headers)).status_code == 201
    retry = check_in_body(account, later(at, 2))  # the app lost the answer and made a new id
    answered = await client.post("/api/v1/visits", json=retry, headers=headers)
    assert answered.status_code == 200, answered.text
    assert answered.headers["idempotent-replayed"] == "true"
    assert answered.json()["id"] == first["id"]
    again = await client.post("/api/v1/visits", json=retry, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    rep_visits = "select count(*) from visits v join users u on u.id = v.rep_id where u.email = 'rep3@example.com'"
    assert await conn.fetchval(rep_visits) == 1
    # Another account at the same time is another visit; so is the same account after the window.
    assert (
        await client.post("/api/v1/visits", json=check_in_body(other, later(at, 3)), headers=headers)
    ).status_code == 201
    late = await client.post("/api/v1/visits", json=check_in_body(account, later(at, 11)), headers=headers)
    assert late.status_code == 201
    assert await conn.fetchval(rep_visits) == 3


async def test_a_checked_out_visit_is_not_a_retry_target(client: httpx.AsyncClient, conn: asyncpg.Connection) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[1]
    at = DAY.replace(hour=14)
    first = check_in_body(account, at)
    assert (await client.post("/api/v1/visits", json=first, headers=headers)).status_code == 201
    out = await client.post(
        f"/api/v1/visits/{first['id']}/checkout", json=check_out_body(account, later(at, 4)), headers=headers
    )
    assert out.status_code == 200
    back = await client.post("/api/v1/visits", json=check_in_body(account, later(at, 6)), headers=headers)
    assert back.status_code == 201 and back.json()["id"] != first["id"]


async def test_a_dark_or_blank_photo_is_flagged_on_its_upload(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep2@example.com")
    account = (await rep_accounts(conn, "rep2@example.com"))[1]
    visit_id = await _check_in(client, headers, account, 13)
    pocket = await upload(client, headers, visit_id, jpeg(Image.new("RGB", (1600, 1200), (6, 6, 6))))
    assert pocket.status_code == 201, pocket.text
    assert pocket.json()["flags"] == ["too_dark", "too_uniform"]
    tiny = await upload(client, headers, visit_id, jpeg(shelf_image(21, (300, 200))))
    assert tiny.json()["flags"] == ["too_small"]
    good = await upload(client, headers, visit_id, jpeg(shelf_image(22, (1600, 1200))))
    assert good.json()["flags"] == []


async def test_the_reused_flag_is_on_the_upload_that_reuses_and_names_no_other_reps_visit(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    picture = shelf_image(31, (1200, 900))
    rep1 = await auth_headers(client, "rep1@example.com")
    rep2 = await auth_headers(client, "rep2@example.com")
    account1 = (await rep_accounts(conn, "rep1@example.com"))[2]
    account2 = (await rep_accounts(conn, "rep2@example.com"))[2]
    early_visit = await _check_in(client, rep1, account1, 8)
    late_visit = await _check_in(client, rep2, account2, 16)
    original = await upload(client, rep1, early_visit, jpeg(picture))
    assert original.json()["flags"] == []
    # rep2 sends rep1's picture, re-encoded smaller: the answer to that upload carries the flag.
    copy = await upload(client, rep2, late_visit, jpeg(picture.resize((900, 675)), quality=70))
    assert copy.status_code == 201
    assert copy.json()["flags"] == ["reused"]
    assert copy.json()["reused_from_visit_id"] is None  # rep1's visit is not rep2's to see
    listed = await client.get(f"/api/v1/visits/{late_visit}/photos", headers=rep2)
    assert listed.json()["items"][0]["reused_from_visit_id"] is None
    supervisor = await auth_headers(client, "supervisor@example.com")
    seen = await client.get(f"/api/v1/photos/{copy.json()['id']}/info", headers=supervisor)
    assert seen.json()["reused_from_visit_id"] == early_visit
