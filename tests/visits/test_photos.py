"""Photo policy and facts (pure): sniffing by content, caps, EXIF, pHash, thumbnails, flags."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.visits.images import exif_bytes, huge_png, jpeg, minimal_pdf, png, shelf_image
from visits.photos import (
    PhotoFlag,
    PhotoPolicy,
    PhotoRejected,
    RejectReason,
    ShelfRule,
    hamming64,
    hash_comparable,
    photo_flags,
    process_photo,
    sniff,
)

POLICY = PhotoPolicy(max_bytes=5 * 1024 * 1024, max_pixels=20_000_000, thumbnail_px=320)


def rejected(data: bytes, policy: PhotoPolicy = POLICY) -> RejectReason:
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, policy)
    return caught.value.reason


def test_sniff_reads_magic_bytes_not_names() -> None:
    assert sniff(jpeg(shelf_image(1, (40, 30)))) == ("JPEG", "image/jpeg")
    assert sniff(png(shelf_image(1, (40, 30)))) == ("PNG", "image/png")
    assert sniff(minimal_pdf()) is None


def test_a_jpeg_gets_facts_and_an_upright_thumbnail() -> None:
    taken = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    data = jpeg(shelf_image(1, (1600, 1200)), exif=exif_bytes(taken, (60.17, 24.94)))
    result = process_photo(data, POLICY)
    facts = result.facts
    assert (facts.width, facts.height, facts.media_type) == (1600, 1200, "image/jpeg")
    assert facts.captured_at == taken
    assert facts.gps_lat == pytest.approx(60.17, abs=1e-5) and facts.gps_lon == pytest.approx(24.94, abs=1e-5)
    with Image.open(io.BytesIO(result.thumbnail_jpeg)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)


def test_exif_time_without_offset_is_read_in_the_assumed_zone() -> None:
    naive = datetime(2026, 11, 23, 11, 30)
    data = jpeg(shelf_image(1, (64, 48)), exif=exif_bytes(naive))
    facts = process_photo(data, POLICY, assume_tz="Europe/Helsinki").facts
    assert facts.captured_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_perceptual_hash_survives_re_encoding_and_differs_between_pictures() -> None:
    picture = shelf_image(5, (1200, 900))
    original = process_photo(jpeg(picture), POLICY).facts
    recoded = process_photo(jpeg(picture.resize((500, 375)), quality=60), POLICY).facts
    other = process_photo(jpeg(shelf_image(6, (1200, 900))), POLICY).facts
    assert original.sha256 != recoded.sha256
    assert hamming64(original.phash, recoded.phash) <= 4
    assert hamming64(original.phash, other.phash) > 10


def test_bad_content_is_refused_with_a_reason() -> None:
    good = jpeg(shelf_image(2, (800, 600)))
    assert rejected(b"") == RejectReason.EMPTY
    assert rejected(good[: len(good) // 2]) == RejectReason.CORRUPT
    assert rejected(minimal_pdf()) == RejectReason.UNSUPPORTED_TYPE
    assert rejected(huge_png()) == RejectReason.TOO_MANY_PIXELS
    assert rejected(png(shelf_image(3, (5000, 4100)))) == RejectReason.TOO_MANY_PIXELS
    assert rejected(good, PhotoPolicy(max_bytes=1000)) == RejectReason.TOO_LARGE
    # A JPEG header on garbage.
    assert rejected(b"\xff\xd8\xff\xe0" + b"\x00" * 500) == RejectReason.CORRUPT


def test_photo_flags() -> None:
    visit_at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    facts = process_photo(
        jpeg(shelf_image(1, (640, 480)), exif=exif_bytes(visit_at - timedelta(hours=2), (60.2, 24.94))), POLICY
    ).facts
    common = {"checked_in_at": visit_at, "max_distance_m": 300, "before_visit_tolerance_s": 600}
    far = photo_flags(facts, outlet_lat=60.17, outlet_lon=24.94, reused=True, **common)  # type: ignore[arg-type]
    assert far == [PhotoFlag.TAKEN_BEFORE_VISIT, PhotoFlag.FAR_FROM_OUTLET, PhotoFlag.REUSED]
    bare = process_photo(jpeg(shelf_image(1, (640, 480))), POLICY).facts
    assert photo_flags(bare, outlet_lat=60.17, outlet_lon=24.94, reused=False, **common) == []  # type: ignore[arg-type]


def _shelf_flags_of(image: Image.Image) -> list[PhotoFlag]:
    facts = process_photo(jpeg(image), POLICY).facts
    return photo_flags(
        facts,
        checked_in_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
        outlet_lat=None,
        outlet_lon=None,
        max_distance_m=300,
        before_visit_tolerance_s=600,
        reused=False,
    )


def test_a_dark_photo_is_flagged_too_dark_by_its_mean_luma() -> None:
    # The same shelf in the dark: every pixel at 12 % of its brightness (mean luma well under 40).
    shelf = shelf_image(3, (1200, 900))
    dark = Image.eval(shelf, lambda value: value * 12 // 100)
    facts = process_photo(jpeg(dark), POLICY).facts
    assert facts.mean_luma < 40
    assert PhotoFlag.TOO_DARK in _shelf_flags_of(dark)
    assert _shelf_flags_of(shelf) == []


def test_a_uniform_photo_is_flagged_too_uniform_and_a_black_one_both() -> None:
    wall = Image.new("RGB", (1200, 900), (200, 196, 190))
    facts = process_photo(jpeg(wall), POLICY).facts
    assert facts.luma_stddev < 12 and facts.mean_luma > 150
    assert _shelf_flags_of(wall) == [PhotoFlag.TOO_UNIFORM]
    pocket = Image.new("RGB", (1200, 900), (8, 8, 8))
    assert _shelf_flags_of(pocket) == [PhotoFlag.TOO_DARK, PhotoFlag.TOO_UNIFORM]


@pytest.mark.parametrize(("size", "small"), [((640, 399), True), ((400, 400), False), ((320, 240), True)])
def test_a_photo_whose_short_side_is_under_400_px_is_too_small(size: tuple[int, int], small: bool) -> None:
    flags = _shelf_flags_of(shelf_image(4, size))
    assert (PhotoFlag.TOO_SMALL in flags) is small


def test_the_shelf_rule_thresholds_are_the_documented_ones() -> None:
    rule = ShelfRule()
    assert (rule.min_short_side_px, rule.min_mean_luma, rule.min_luma_stddev) == (400, 40.0, 12.0)
    # Luma as measured: a mid-grey picture with a black half has mean 64 and standard deviation 64.
    half = Image.new("RGB", (800, 600), (128, 128, 128))
    half.paste((0, 0, 0), (0, 0, 800, 300))
    facts = process_photo(png(half), POLICY).facts
    assert (facts.mean_luma, facts.luma_stddev) == (64.0, 64.0)


def test_a_blank_picture_is_not_compared_by_its_perceptual_hash() -> None:
    black = process_photo(jpeg(Image.new("RGB", (800, 600), (4, 4, 4))), POLICY).facts
    white = process_photo(jpeg(Image.new("RGB", (800, 600), (250, 250, 250))), POLICY).facts
    assert hamming64(black.phash, white.phash) == 0  # why: blank pictures all hash alike
    assert not hash_comparable(black, ShelfRule())
    assert hash_comparable(process_photo(jpeg(shelf_image(5, (800, 600))), POLICY).facts, ShelfRule())
