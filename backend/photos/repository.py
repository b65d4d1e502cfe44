"""SQL for photos: content-addressed blobs and the visit photos that point at them."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.photos.schemas import Photo, SimilarPhoto, VisitForPhoto
from visits.photos import PhotoFacts

Q = load_queries("backend.photos")


async def visit_for_photo(conn: asyncpg.Connection, visit_id: uuid.UUID, rep_id: int) -> VisitForPhoto | None:
    row = await conn.fetchrow(Q["visit_for_photo"], visit_id, rep_id)
    return None if row is None else msgspec.convert(dict(row), VisitForPhoto)


async def similar_photos(
    conn: asyncpg.Connection, phash: int, max_hamming: int, visit_id: uuid.UUID, sha256: str
) -> list[SimilarPhoto]:
    rows = await conn.fetch(Q["similar_photos"], phash, max_hamming, visit_id, sha256)
    return [msgspec.convert(dict(row), SimilarPhoto) for row in rows]


async def mark_reused(conn: asyncpg.Connection, photo_id: uuid.UUID, from_visit_id: uuid.UUID) -> None:
    await conn.execute(Q["mark_reused"], photo_id, from_visit_id)


async def blob_exists(conn: asyncpg.Connection, sha256: str) -> bool:
    return bool(await conn.fetchval(Q["blob_exists"], sha256))


async def insert_blob(conn: asyncpg.Connection, facts: PhotoFacts) -> None:
    await conn.execute(
        Q["insert_blob"],
        facts.sha256,
        facts.media_type,
        facts.size_bytes,
        facts.width,
        facts.height,
        facts.phash,
        facts.captured_at,
        facts.gps_lat,
        facts.gps_lon,
    )


async def insert_visit_photo(
    conn: asyncpg.Connection,
    *,
    photo_id: uuid.UUID,
    visit_id: uuid.UUID,
    rep_id: int,
    sha256: str,
    item_key: str | None,
    flags: list[str],
    reused_from: uuid.UUID | None,
) -> bool:
    inserted = await conn.fetchval(
        Q["insert_visit_photo"], photo_id, visit_id, rep_id, sha256, item_key, flags, reused_from
    )
    return inserted is not None


async def photo_in_scope(conn: asyncpg.Connection, photo_id: uuid.UUID, role: str, user_id: int) -> Photo | None:
    row = await conn.fetchrow(Q["photo_in_scope"], photo_id, role, user_id)
    return None if row is None else msgspec.convert(dict(row), Photo)


async def photos_of_visit(conn: asyncpg.Connection, visit_id: uuid.UUID, role: str, user_id: int) -> list[Photo]:
    rows = await conn.fetch(Q["photos_of_visit_in_scope"], visit_id, role, user_id)
    return [msgspec.convert(dict(row), Photo) for row in rows]


async def visit_in_scope(conn: asyncpg.Connection, visit_id: uuid.UUID, role: str, user_id: int) -> bool:
    return bool(await conn.fetchval(Q["visit_in_scope"], visit_id, role, user_id))
