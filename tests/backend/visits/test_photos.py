"""Photo upload through the API: content checks, storage once per content hash, flags, scope."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from PIL import Image

from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, north_of, rep_accounts
from tests.visits.images import exif_bytes, huge_png, jpeg, minimal_pdf, png, shelf_image


async def _visit(client: httpx.AsyncClient, headers: dict[str, str], account: asyncpg.Record, hour: int) -> str:
    body = check_in_body(account, DAY.replace(hour=hour))
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(body["id"])


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    visit_id: str,
    content: bytes,
    *,
    photo_id: str | None = None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    item_key: str | None = None,
) -> httpx.Response:
    form: dict[str, Any] = {"photo_id": photo_id or str(uuid.uuid4())}
    if item_key is not None:
        form["item_key"] = item_key
    return await client.post(
        f"/api/v1/visits/{visit_id}/photos",
        data=form,
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


def stored_files(photo_dir: Path) -> list[Path]:
    return sorted(path for path in photo_dir.rglob("*") if path.is_file()) if photo_dir.exists() else []


async def _counts(conn: asyncpg.Connection) -> tuple[int, int, int]:
    row = await conn.fetchrow(
        "select (select count(*) from visit_photos) as photos, (select count(*) from photo_blobs) as blobs, "
        "(select count(*) from idempotency_keys where scope = 'visit.photo') as keys"
    )
    return row["photos"], row["blobs"], row["keys"]


async def test_a_photo_is_stored_with_facts_and_a_thumbnail_and_replays(
    client: httpx.AsyncClient, conn: asyncpg.Connection, photo_dir: Path
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    visit_id = await _visit(client, headers, account, 9)
    content = jpeg(shelf_image(1, (1600, 1200)))
    photo_id = str(uuid.uuid4())
    response = await upload(client, headers, visit_id, content, photo_id=photo_id, item_key="shelf")
    assert response.status_code == 201, response.text
    photo = response.json()
    assert (photo["width"], photo["height"], photo["media_type"]) == (1600, 1200, "image/jpeg")
    assert photo["flags"] == [] and photo["item_key"] == "shelf"

    original = await client.get(f"/api/v1/photos/{photo_id}", headers=headers)
    assert original.status_code == 200 and original.content == content
    thumbnail = await client.get(f"/api/v1/photos/{photo_id}/thumbnail", headers=headers)
    assert thumbnail.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "JPEG" and small.size == (320, 240)

    again = await upload(client, headers, visit_id, content, photo_id=photo_id, item_key="shelf")
    assert again.status_code == 201 and again.json() == photo
    assert again.headers["idempotent-replayed"] == "true"
    other = await upload(client, headers, visit_id, jpeg(shelf_image(2)), photo_id=photo_id, item_key="shelf")
    assert other.status_code == 409 and other.json()["field"] == "id"
    assert await _counts(conn) == (1, 1, 1)
    assert len(stored_files(photo_dir)) == 2  # the original and its thumbnail

    listed = await client.get(f"/api/v1/visits/{visit_id}/photos", headers=headers)
    assert [item["id"] for item in listed.json()["items"]] == [photo_id]
    other_rep = await auth_headers(client, "rep2@example.com")
    urls = (f"/api/v1/photos/{photo_id}", f"/api/v1/photos/{photo_id}/thumbnail", f"/api/v1/visits/{visit_id}/photos")
    for url in urls:
        assert (await client.get(url, headers=other_rep)).status_code == 404
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get(f"/api/v1/photos/{photo_id}/thumbnail", headers=supervisor)).status_code == 200


async def test_the_same_bytes_are_stored_once_and_a_reused_photo_is_flagged(
    client: httpx.AsyncClient, conn: asyncpg.Connection, photo_dir: Path
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    first_account, second_account = (await rep_accounts(conn, "rep1@example.com", 2))[:2]
    monday = await _visit(client, headers, first_account, 9)
    tuesday = await _visit(client, headers, second_account, 11)
    picture = shelf_image(7, (1200, 900))
    content = jpeg(picture)
    a = await upload(client, headers, monday, content)
    b = await upload(client, headers, monday, content)  # a second photo id, same bytes, same visit
    assert a.status_code == b.status_code == 201
    assert a.json()["sha256"] == b.json()["sha256"] and a.json()["flags"] == b.json()["flags"] == []
    assert await conn.fetchval("select count(*) from photo_blobs") == 1
    assert len(stored_files(photo_dir)) == 2

    # The old photo again at another outlet, re-encoded smaller: other bytes, same picture.
    recycled = jpeg(picture.resize((600, 450)), quality=70)
    c = await upload(client, headers, tuesday, recycled)
    assert c.status_code == 201, c.text
    assert c.json()["flags"] == ["reused"]
    assert c.json()["reused_from_visit_id"] == monday
    fresh = await upload(client, headers, tuesday, jpeg(shelf_image(8, (1200, 900))))
    assert fresh.json()["flags"] == []


async def test_exif_time_and_position_flag_an_old_photo_taken_elsewhere(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep2@example.com")
    account = (await rep_accounts(conn, "rep2@example.com"))[0]
    visit_id = await _visit(client, headers, account, 10)
    old_and_far = exif_bytes(DAY.replace(hour=10) - timedelta(days=3), north_of(account["lat"], account["lon"], 5000))
    response = await upload(client, headers, visit_id, jpeg(shelf_image(3), exif=old_and_far))
    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["flags"] == ["taken_before_visit", "far_from_outlet"]
    assert photo["captured_at"].startswith("2026-11-20T10:00")
    assert abs(photo["gps_lat"] - north_of(account["lat"], account["lon"], 5000)[0]) < 1e-4

    on_the_spot = exif_bytes(DAY.replace(hour=10) + timedelta(minutes=3), north_of(account["lat"], account["lon"], 15))
    ok = await upload(client, headers, visit_id, jpeg(shelf_image(4), exif=on_the_spot))
    assert ok.json()["flags"] == []
    # PNG and WebP are accepted by content too.
    assert (await upload(client, headers, visit_id, png(shelf_image(5)), filename="x.png")).status_code == 201
    webp = io.BytesIO()
    shelf_image(6).save(webp, format="WEBP")
    assert (await upload(client, headers, visit_id, webp.getvalue(), filename="x.webp")).status_code == 201


async def test_bad_photos_get_a_clear_4xx_and_store_nothing(
    client: httpx.AsyncClient, conn: asyncpg.Connection, photo_dir: Path
) -> None:
    headers = await auth_headers(client, "rep3@example.com")
    account = (await rep_accounts(conn, "rep3@example.com"))[0]
    visit_id = await _visit(client, headers, account, 12)
    good = jpeg(shelf_image(9, (1600, 1200)))
    other_rep = await auth_headers(client, "rep1@example.com")
    cases: list[tuple[str, httpx.Response, int, str]] = [
        ("truncated", await upload(client, headers, visit_id, good[: len(good) // 2]), 422, "file"),
        ("pdf named photo.jpg", await upload(client, headers, visit_id, minimal_pdf()), 415, "file"),
        ("30000x30000 png", await upload(client, headers, visit_id, huge_png(), filename="p.png"), 422, "file"),
        ("50 MB body", await upload(client, headers, visit_id, good + b"\0" * (50 * 1024 * 1024)), 413, "body"),
        ("not a uuid", await upload(client, headers, visit_id, good, photo_id="photo-1"), 422, "photo_id"),
        ("another rep's visit", await upload(client, other_rep, visit_id, good), 404, "visit_id"),
    ]
    for name, response, status, field in cases:
        assert response.status_code == status, (name, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), name
        problem = response.json()
        assert problem["field"] == field, (name, problem)
        assert problem["detail"], name
    assert "pixels" in cases[2][1].json()["detail"]
    assert await _counts(conn) == (0, 0, 0)
    assert stored_files(photo_dir) == []
