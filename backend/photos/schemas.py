"""Photo records and the photo-specific failures."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from backend.errors import AppError


class Photo(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID  # the client photo id
    visit_id: uuid.UUID
    sha256: str
    media_type: str
    size_bytes: int
    width: int
    height: int
    captured_at: datetime | None  # EXIF capture time, when the photo has one
    gps_lat: float | None  # EXIF position, when the photo has one
    gps_lon: float | None
    item_key: str | None
    flags: list[str]  # taken_before_visit, far_from_outlet, reused, too_small, too_dark, too_uniform
    reused_from_visit_id: uuid.UUID | None
    received_at: datetime


class PhotoList(msgspec.Struct, frozen=True):
    items: list[Photo]


class VisitForPhoto(msgspec.Struct, frozen=True):
    id: uuid.UUID
    checked_in_at: datetime
    account_lat: float | None
    account_lon: float | None
    time_zone: str


class SimilarPhoto(msgspec.Struct, frozen=True):
    id: uuid.UUID
    visit_id: uuid.UUID
    checked_in_at: datetime


class PhotoTooLarge(AppError):
    status = 413
    title = "Photo too large"


class UnsupportedPhotoType(AppError):
    status = 415
    title = "Unsupported photo type"
