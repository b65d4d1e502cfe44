"""Photo storage behind one protocol: the local directory, and obstore (its in-memory store stands
in for S3 here: same API, no network)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.photos.storage import (
    LocalPhotoStore,
    ObstorePhotoStore,
    PhotoMissing,
    PhotoStore,
    original_key,
    store_from_settings,
    thumbnail_key,
)
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource, auth_headers
from tests.backend.visits.helpers import DAY, check_in_body, rep_accounts
from tests.backend.visits.test_photos import upload
from tests.visits.images import jpeg, shelf_image


@pytest.mark.parametrize("kind", ["local", "obstore"])
async def test_both_stores_keep_bytes_by_content_key(kind: str, tmp_path: Path) -> None:
    store: PhotoStore = LocalPhotoStore(tmp_path) if kind == "local" else ObstorePhotoStore("memory:///")
    data = b"\xff\xd8\xff" + b"pixels" * 1000
    sha = hashlib.sha256(data).hexdigest()
    assert not await store.exists(original_key(sha))
    await store.put(original_key(sha), data, "image/jpeg")
    await store.put(original_key(sha), data, "image/jpeg")  # idempotent by content
    await store.put(thumbnail_key(sha), b"thumb", "image/jpeg")
    assert await store.exists(original_key(sha))
    assert await store.get(original_key(sha)) == data
    assert await store.get(thumbnail_key(sha)) == b"thumb"
    with pytest.raises(PhotoMissing):
        await store.get(original_key("0" * 64))
    with pytest.raises(ValueError, match="not a photo key"):
        await store.put("../../etc/passwd", b"x", "text/plain")
    if kind == "local":
        assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == [sha, f"{sha}.jpg"]


def test_the_setting_chooses_the_store(settings: Settings) -> None:
    assert isinstance(store_from_settings(msgspec.structs.replace(settings, photo_dir="/tmp/x")), LocalPhotoStore)
    s3_like = msgspec.structs.replace(settings, photo_store_url="memory:///")
    assert isinstance(store_from_settings(s3_like), ObstorePhotoStore)


async def test_the_api_works_on_an_object_store(settings: Settings, conn: asyncpg.Connection) -> None:
    app: Litestar = create_app(
        msgspec.structs.replace(settings, photo_store_url="memory:///"), pool=SingleConnectionSource(conn)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        headers = await auth_headers(client, "rep1@example.com")
        account = (await rep_accounts(conn, "rep1@example.com"))[0]
        body = check_in_body(account, DAY.replace(hour=9))
        assert (await client.post("/api/v1/visits", json=body, headers=headers)).status_code == 201
        content = jpeg(shelf_image(21))
        response = await upload(client, headers, str(body["id"]), content)
        assert response.status_code == 201, response.text
        photo_id = response.json()["id"]
        assert (await client.get(f"/api/v1/photos/{photo_id}", headers=headers)).content == content
        thumbnail = await client.get(f"/api/v1/photos/{photo_id}/thumbnail", headers=headers)
        assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"
