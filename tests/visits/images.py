"""Real images made with Pillow for the photo tests."""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from datetime import datetime

from PIL import Image, ImageDraw


def shelf_image(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A distinct picture per seed: coloured blocks (a shelf of products) on a grey ground."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(80, 180),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(4, max(5, size[0] // 3)), rng.randrange(4, max(5, size[1] // 3))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + w, y + h), fill=colour)
    return image


def exif_bytes(taken_at: datetime | None = None, gps: tuple[float, float] | None = None) -> bytes:
    exif = Image.Exif()
    if taken_at is not None:
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken_at.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            sign = "+" if minutes >= 0 else "-"
            sub[0x9011] = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if gps is not None:
        lat, lon = gps
        block = exif.get_ifd(0x8825)

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

        block[1], block[2] = ("N" if lat >= 0 else "S"), dms(lat)
        block[3], block[4] = ("E" if lon >= 0 else "W"), dms(lon)
    return exif.tobytes()


def jpeg(image: Image.Image, quality: int = 90, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    if exif is None:
        image.save(out, format="JPEG", quality=quality)
    else:
        image.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@functools.cache
def huge_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG of width x height, all black: about 100 KB that decode to 112 MB
    (built chunk by chunk; Pillow's encoder takes seconds for this many rows)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
