"""Faults in-process: the photo store failing mid-upload leaves no half photo and the phone can retry.

(PostgreSQL restarted under load is benchmarks/load_morning.py --restart-postgres-at; a worker killed
mid-nightly is tests/backend/planning/test_worker_kill.py.)"""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from litestar import Litestar

from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, rep_accounts
from tests.backend.visits.test_photos import upload
from tests.visits.images import jpeg, shelf_image

pytestmark = pytest.mark.db


class FlakyStore:
    """In memory; the first thumbnail write fails (the original was already written)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.failures_left = 1

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if key.startswith("thumbnails/") and self.failures_left:
            self.failures_left -= 1
            raise OSError("connection reset by the object store")
        self.data[key] = data

    async def get(self, key: str) -> bytes:
        return self.data[key]

    async def exists(self, key: str) -> bool:
        return key in self.data


async def test_a_store_failure_mid_upload_keeps_no_half_photo_and_a_retry_succeeds(
    app: Litestar, client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    store = FlakyStore()
    app.state.photo_store = store
    headers = await auth_headers(client, "rep1@example.com")
    account = (await rep_accounts(conn, "rep1@example.com"))[0]
    body = check_in_body(account, DAY.replace(hour=9))
    assert (await client.post("/api/v1/visits", json=body, headers=headers)).status_code == 201
    visit_id, photo_id = str(body["id"]), str(uuid.uuid4())
    content = jpeg(shelf_image(33))

    failed = await upload(client, headers, visit_id, content, photo_id=photo_id)
    assert failed.status_code == 503, failed.text
    assert failed.headers["retry-after"]
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert await conn.fetchval("select count(*) from visit_photos where visit_id = $1", uuid.UUID(visit_id)) == 0
    assert await conn.fetchval("select count(*) from photo_blobs") == 0
    listed = await client.get(f"/api/v1/visits/{visit_id}/photos", headers=headers)
    assert listed.status_code == 200 and listed.json()["items"] == []

    retried = await upload(client, headers, visit_id, content, photo_id=photo_id)
    assert retried.status_code == 201, retried.text
    again = await upload(client, headers, visit_id, content, photo_id=photo_id)
    assert again.status_code in (200, 201) and again.json()["id"] == photo_id  # replayed, not stored twice
    assert await conn.fetchval("select count(*) from visit_photos where visit_id = $1", uuid.UUID(visit_id)) == 1
    fetched = await client.get(f"/api/v1/photos/{photo_id}", headers=headers)
    assert fetched.status_code == 200 and fetched.content == content
