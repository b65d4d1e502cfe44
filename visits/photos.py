"""Photo policy and photo facts: what a shelf photo is, checked by content, never by its name.

`process_photo` runs the whole policy on the uploaded bytes, in this order, so that nothing large
is decoded before it is known to be acceptable:

1. size cap (``max_bytes``) on the bytes as received;
2. type sniffed from the first bytes (JPEG, PNG, WebP; HEIC only when pillow-heif is installed):
   a PDF named ``photo.jpg`` is refused here;
3. header-only open with an explicit ``formats=`` list (the sniffed one), then the pixel cap
   (``max_pixels``) on the declared width x height, before any pixel is decoded: a decompression
   bomb (a small PNG declaring 30000 x 30000) is refused here. Pillow's own ``MAX_IMAGE_PIXELS``
   is set explicitly to ``HARD_MAX_PIXELS`` as a second line; then the decode memory cap
   (``max_decode_bytes``): the bytes the decoded image and its RGB copy will take, after a JPEG is
   set to decode at reduced scale (``Image.draft``), so a 6300 x 6300 PNG (40 MP, about 320 MB
   decoded) is refused while a 12 MP phone JPEG (decoded at 1/8 scale) passes;
4. EXIF read (capture time with its offset when present, GPS position) before anything re-encodes;
5. full decode (a truncated file fails here), perceptual hash (imagehash pHash, 64 bits), the
   luma statistics of the picture (mean and standard deviation of 8-bit luma, ITU-R 601, as Pillow's
   "L" mode computes it; for a JPEG measured on the DCT-reduced decode, which keeps both figures to
   within a few units), and a JPEG thumbnail of at most ``thumbnail_px`` on the long side, EXIF
   orientation applied.

A photo that passes is still judged as a shelf photo by `photo_flags` (thresholds in `ShelfRule`):

- ``too_small``: its shorter side is below ``min_short_side_px`` (400 px: below that, price tags and
  facings on a shelf are not legible);
- ``too_dark``: mean luma below ``min_mean_luma`` (40 of 255: a lens covered or a pocket shot; a dim
  bar shelf measures 60-90);
- ``too_uniform``: luma standard deviation below ``min_luma_stddev`` (12 of 255: a wall, a floor, a
  blank card; a stocked shelf measures 40 and more).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import math
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import imagehash
import msgspec
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from visits.checkin import haversine_m

# Pillow's decompression-bomb limit, set explicitly (its default warns from 89 MP and refuses only
# from 179 MP). Our own per-policy cap is checked first and must not exceed this.
HARD_MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = HARD_MAX_PIXELS

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME = 0x0132
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})


class RejectReason(StrEnum):
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT = "corrupt"
    EMPTY = "empty"


class PhotoRejected(Exception):
    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class PhotoPolicy(msgspec.Struct, frozen=True, kw_only=True):
    max_bytes: int = 12 * 1024 * 1024
    max_pixels: int = 40_000_000
    thumbnail_px: int = 320
    thumbnail_quality: int = 80
    max_decode_bytes: int = 64 * 1024 * 1024


class ShelfRule(msgspec.Struct, frozen=True, kw_only=True):
    """What a photo must measure to show a shelf (see the module docstring)."""

    min_short_side_px: int = 400
    min_mean_luma: float = 40.0
    min_luma_stddev: float = 12.0


class PhotoFacts(msgspec.Struct, frozen=True, kw_only=True):
    sha256: str
    media_type: str
    size_bytes: int
    width: int
    height: int
    phash: int  # 64-bit pHash as a signed integer (fits PostgreSQL bigint)
    captured_at: datetime | None  # EXIF DateTimeOriginal; aware (its own offset, or the assumed zone)
    gps_lat: float | None
    gps_lon: float | None
    mean_luma: float  # 0-255
    luma_stddev: float  # 0-255


class ProcessedPhoto(msgspec.Struct, frozen=True):
    facts: PhotoFacts
    thumbnail_jpeg: bytes


class PhotoFlag(StrEnum):
    TAKEN_BEFORE_VISIT = "taken_before_visit"
    FAR_FROM_OUTLET = "far_from_outlet"
    REUSED = "reused"
    TOO_SMALL = "too_small"
    TOO_DARK = "too_dark"
    TOO_UNIFORM = "too_uniform"


@functools.cache
def _heif_available() -> bool:
    try:
        module: Any = importlib.import_module("pillow_heif")
    except ImportError:
        return False
    module.register_heif_opener()
    return True


def sniff(data: bytes) -> tuple[str, str] | None:
    """(Pillow format, media type) from the magic bytes, or None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG", "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG", "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP", "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF", "image/heic"
    return None


def signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming64(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _rational(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1]) if value[1] else math.nan
    return float(value)


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(_GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat_parts, lon_parts = gps[2], gps[4]
        lat = _rational(lat_parts[0]) + _rational(lat_parts[1]) / 60 + _rational(lat_parts[2]) / 3600
        lon = _rational(lon_parts[0]) + _rational(lon_parts[1]) / 60 + _rational(lon_parts[2]) / 3600
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:
        return None, None
    return lat, lon


# A capture time outside these years is a phone whose clock was never set (or a forged file): it
# proves nothing, like a missing one. Real UTC offsets lie within -12:00 .. +14:00.
_EARLIEST_CAPTURE = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST_CAPTURE = datetime(2100, 1, 1, tzinfo=UTC)
_MAX_OFFSET = timedelta(hours=14)


def _offset(text: object) -> timezone | None:
    if not isinstance(text, str) or len(text.strip()) != 6:
        return None
    text = text.strip()
    try:
        sign = -1 if text[0] == "-" else 1
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    offset = sign * timedelta(hours=hours, minutes=minutes)
    if abs(offset) > _MAX_OFFSET or minutes >= 60:
        return None
    return timezone(offset)


def _captured_at(exif: Image.Exif, assume_tz: str) -> datetime | None:
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except (KeyError, TypeError, ValueError):
        sub = {}
    raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = _offset(sub.get(_OFFSET_TIME_ORIGINAL))
    try:
        moment = local.replace(tzinfo=offset if offset is not None else ZoneInfo(assume_tz)).astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past the calendar's ends
        return None
    return moment if _EARLIEST_CAPTURE <= moment < _LATEST_CAPTURE else None


def decode_bytes(image: Image.Image) -> int:
    """Memory the decode will take: Pillow keeps 1 byte per pixel for 1/L/P images and 4 for every
    other mode (RGB included); the RGB copy made for the hash and thumbnail takes 4 more, and an
    EXIF rotation one more copy."""
    width, height = image.size
    per_pixel = (1 if image.mode in {"1", "L", "P"} else 4) + 4
    if image.getexif().get(0x0112, 1) not in (1, None):
        per_pixel += 4
    return width * height * per_pixel


def process_photo(data: bytes, policy: PhotoPolicy, *, assume_tz: str = "UTC") -> ProcessedPhoto:
    """Check `data` against the policy and compute its facts and thumbnail (see the module docstring).

    Raises `PhotoRejected` naming the reason. CPU-bound: callers run it off the event loop.
    """
    if not data:
        raise PhotoRejected(RejectReason.EMPTY, "the photo is empty")
    if len(data) > policy.max_bytes:
        raise PhotoRejected(
            RejectReason.TOO_LARGE, f"the photo is {len(data)} bytes; the limit is {policy.max_bytes} bytes"
        )
    sniffed = sniff(data)
    if sniffed is None or (sniffed[0] == "HEIF" and not _heif_available()):
        raise PhotoRejected(
            RejectReason.UNSUPPORTED_TYPE, "the content is not a JPEG, PNG or WebP image (checked by content)"
        )
    pillow_format, media_type = sniffed
    try:
        image = Image.open(io.BytesIO(data), formats=[pillow_format])
    except Image.DecompressionBombError as exc:
        raise PhotoRejected(RejectReason.TOO_MANY_PIXELS, f"the image declares too many pixels: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise PhotoRejected(RejectReason.CORRUPT, f"the image cannot be read: {exc}") from exc
    with image:
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > policy.max_pixels:
            raise PhotoRejected(
                RejectReason.TOO_MANY_PIXELS,
                f"the image is {width}x{height} pixels; the limit is {policy.max_pixels} pixels",
            )
        exif = image.getexif()
        captured_at = _captured_at(exif, assume_tz)
        gps_lat, gps_lon = _gps(exif)
        if pillow_format == "JPEG":
            # Decode at a reduced scale (DCT scaling): every byte is still read, so truncation fails.
            image.draft("RGB", (policy.thumbnail_px, policy.thumbnail_px))
        needed = decode_bytes(image)
        if needed > policy.max_decode_bytes:
            raise PhotoRejected(
                RejectReason.TOO_MANY_PIXELS,
                f"the image ({width}x{height} {image.mode}) would take {needed / 2**20:.0f} MiB to decode; the "
                f"limit is {policy.max_decode_bytes / 2**20:.0f} MiB (send a JPEG, or a smaller image)",
            )
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise PhotoRejected(RejectReason.CORRUPT, f"the image data is damaged or truncated: {exc}") from exc
    phash = signed64(int(str(imagehash.phash(rgb)), 16))
    luma = ImageStat.Stat(rgb.convert("L"))
    mean_luma, luma_stddev = float(luma.mean[0]), float(luma.stddev[0])
    rgb.thumbnail((policy.thumbnail_px, policy.thumbnail_px), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=policy.thumbnail_quality, optimize=False)
    facts = PhotoFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        size_bytes=len(data),
        width=width,
        height=height,
        phash=phash,
        captured_at=captured_at,
        gps_lat=gps_lat,
        gps_lon=gps_lon,
        mean_luma=round(mean_luma, 1),
        luma_stddev=round(luma_stddev, 1),
    )
    return ProcessedPhoto(facts, out.getvalue())


def photo_flags(
    facts: PhotoFacts,
    *,
    checked_in_at: datetime,
    outlet_lat: float | None,
    outlet_lon: float | None,
    max_distance_m: float,
    before_visit_tolerance_s: float,
    reused: bool,
    shelf: ShelfRule | None = None,
) -> list[PhotoFlag]:
    """Flags for a photo of a visit. A photo without EXIF time or GPS proves nothing either way
    (Android strips photo GPS without ACCESS_MEDIA_LOCATION), so missing facts raise no flag."""
    flags: list[PhotoFlag] = []
    rule = shelf or ShelfRule()
    if facts.captured_at is not None and facts.captured_at < checked_in_at - timedelta(
        seconds=before_visit_tolerance_s
    ):
        flags.append(PhotoFlag.TAKEN_BEFORE_VISIT)
    if (
        facts.gps_lat is not None
        and facts.gps_lon is not None
        and outlet_lat is not None
        and outlet_lon is not None
        and haversine_m(facts.gps_lat, facts.gps_lon, outlet_lat, outlet_lon) > max_distance_m
    ):
        flags.append(PhotoFlag.FAR_FROM_OUTLET)
    if reused:
        flags.append(PhotoFlag.REUSED)
    flags.extend(shelf_flags(facts, rule))
    return flags


def hash_comparable(facts: PhotoFacts, rule: ShelfRule) -> bool:
    """Whether the perceptual hash says anything: every picture without contrast (a wall, a black
    frame) hashes alike, so such a photo is matched for reuse by its exact bytes only."""
    return facts.luma_stddev >= rule.min_luma_stddev


def shelf_flags(facts: PhotoFacts, rule: ShelfRule) -> list[PhotoFlag]:
    """Whether the picture can show a shelf at all: size, light, contrast (see the module docstring)."""
    flags: list[PhotoFlag] = []
    if min(facts.width, facts.height) < rule.min_short_side_px:
        flags.append(PhotoFlag.TOO_SMALL)
    if facts.mean_luma < rule.min_mean_luma:
        flags.append(PhotoFlag.TOO_DARK)
    if facts.luma_stddev < rule.min_luma_stddev:
        flags.append(PhotoFlag.TOO_UNIFORM)
    return flags
