"""HTTP: photo upload (multipart), photo and thumbnail download, a visit's photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, Caller, Conn
from backend.http.security import requires_role
from backend.photos import service
from backend.photos.schemas import Photo, PhotoList
from backend.photos.storage import PhotoStore, store_from_settings
from backend.settings import Settings


def provide_photo_store(state: State) -> PhotoStore:
    """One store per app, made from the settings on first use."""
    store: PhotoStore | None = state.get("photo_store")
    if store is None:
        settings: Settings = state.settings
        store = store_from_settings(settings)
        state.photo_store = store
    return store


Store = NamedDependency[PhotoStore]


@dataclass
class PhotoUpload:
    """multipart/form-data: `photo_id` (the phone's UUID for this photo), `file`, optional `item_key`
    (the checklist photo item it belongs to)."""

    photo_id: str
    file: UploadFile
    item_key: str | None = None


class PhotosController(Controller):
    path = "/api/v1"
    tags = ["photos"]
    dependencies = {"photo_store": Provide(provide_photo_store, sync_to_thread=False)}

    @post("/visits/{visit_id:uuid}/photos", status_code=201, guards=[requires_role(Role.REP)], summary="Upload a photo")
    async def upload(
        self,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        photo_store: Store,
        visit_id: FromPath[uuid.UUID],
    ) -> Response[Photo]:
        """Checked by content (JPEG, PNG, WebP), size and pixel caps; stored once per content hash.
        Idempotent by `photo_id`: the same photo again replays the 201 (`Idempotent-Replayed: true`),
        other content under the same id is a 409. 413 too large, 415 not an image, 422 damaged or
        too many pixels; another rep's visit is 404."""
        photo_id = service.parse_photo_id(data.photo_id)
        content = await data.file.read(settings.max_photo_bytes + 1)
        await data.file.close()
        photo, replayed = await service.upload(
            conn, settings, photo_store, principal, visit_id, photo_id, data.item_key, content
        )
        return Response(content=photo, status_code=201, headers={"Idempotent-Replayed": "true"} if replayed else {})

    @get("/visits/{visit_id:uuid}/photos", summary="The photos of a visit in the caller's scope")
    async def list_photos(self, conn: Conn, principal: Caller, visit_id: FromPath[uuid.UUID]) -> PhotoList:
        return await service.photos_of_visit(conn, principal, visit_id)

    @get(
        "/photos/{photo_id:uuid}",
        summary="A photo's bytes",
        media_type="application/octet-stream",
        opt={"media_types": ["image/jpeg", "image/png", "image/webp", "image/heic"]},  # as uploaded
    )
    async def get_photo(
        self, conn: Conn, principal: Caller, photo_store: Store, photo_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        photo, content = await service.photo_bytes(conn, photo_store, principal, photo_id, thumbnail=False)
        return Response(content=content, media_type=photo.media_type, headers=_cache_headers(photo.sha256))

    @get("/photos/{photo_id:uuid}/thumbnail", summary="A photo's JPEG thumbnail", media_type="image/jpeg")
    async def get_thumbnail(
        self, conn: Conn, principal: Caller, photo_store: Store, photo_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        photo, content = await service.photo_bytes(conn, photo_store, principal, photo_id, thumbnail=True)
        return Response(content=content, media_type="image/jpeg", headers=_cache_headers(photo.sha256))

    @get("/photos/{photo_id:uuid}/info", summary="A photo's facts and flags")
    async def get_info(self, conn: Conn, principal: Caller, photo_id: FromPath[uuid.UUID]) -> Photo:
        return await service.get_photo(conn, principal, photo_id)


def _cache_headers(sha256: str) -> dict[str, str]:
    return {"ETag": f'"{sha256}"', "Cache-Control": "private, max-age=86400"}
