"""Photo bytes behind one protocol: a local directory by default, S3-compatible object storage
(via obstore) when `photo_store_url` is set. Keys are content-addressed (sha256), so a put of an
existing key writes the same bytes again and is harmless."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from backend.settings import Settings

_KEY = re.compile(r"^[a-z]+/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z]+)?$")


class PhotoMissing(Exception):
    """The key has no bytes in the store."""


@runtime_checkable
class PhotoStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256[:2]}/{sha256}.jpg"


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a photo key: {key!r}")
    return key


class LocalPhotoStore:
    """Files under `root`; each write goes to a temporary file and is renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise PhotoMissing(key) from exc

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


class ObstorePhotoStore:
    """S3-compatible (or GCS/Azure) object storage through obstore: `url` like s3://bucket/prefix;
    credentials and endpoint come from obstore's usual environment variables (AWS_ACCESS_KEY_ID,
    AWS_ENDPOINT, ...) or `config`. Not exercised by the test suite (no object store here)."""

    def __init__(self, url: str, **config: Any) -> None:
        import obstore.store  # imported only when configured

        self._store: Any = obstore.store.from_url(url, **config)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        import obstore

        await obstore.put_async(self._store, _checked(key), data, attributes={"Content-Type": content_type})

    async def get(self, key: str) -> bytes:
        import obstore

        try:
            result = await obstore.get_async(self._store, _checked(key))
        except FileNotFoundError as exc:
            raise PhotoMissing(key) from exc
        return bytes(await result.bytes_async())

    async def exists(self, key: str) -> bool:
        import obstore

        try:
            await obstore.head_async(self._store, _checked(key))
        except FileNotFoundError:
            return False
        return True


def store_from_settings(settings: Settings) -> PhotoStore:
    if settings.photo_store_url:
        return ObstorePhotoStore(settings.photo_store_url)
    return LocalPhotoStore(settings.photo_dir)
