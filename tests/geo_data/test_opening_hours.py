"""Opening hours: OSM strings and simple forms -> weekly windows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo_data.opening_hours import (
    DAY_S,
    OpeningHoursError,
    WeeklyWindow,
    normalize_opening_hours,
    parse_opening_hours,
    split_window,
    weekly_open_s,
    windows_for_day,
    windows_from_pairs,
)

H = 3600


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * H + int(minutes) * 60


def days(windows: tuple[WeeklyWindow, ...]) -> dict[int, list[tuple[int, int]]]:
    return {d: windows_for_day(windows, d) for d in range(7) if windows_for_day(windows, d)}


def test_simple_range_means_every_day() -> None:
    w = parse_opening_hours("09:00-18:00")
    assert days(w) == {d: [(hm("09:00"), hm("18:00"))] for d in range(7)}


def test_weekdays_and_saturday() -> None:
    w = parse_opening_hours("Mo-Fr 09:00-18:00; Sa 10:00-14:00")
    expected = {d: [(9 * H, 18 * H)] for d in range(5)}
    expected[5] = [(10 * H, 14 * H)]
    assert days(w) == expected


def test_always_open() -> None:
    w = parse_opening_hours("24/7")
    assert w == tuple(WeeklyWindow(d, 0, DAY_S) for d in range(7))
    assert weekly_open_s(w) == 7 * DAY_S


def test_past_midnight_is_split_into_next_day() -> None:
    w = parse_opening_hours("Mo-Su 10:00-02:00")
    for d in range(7):
        # the early part comes from the previous day (Sunday's spills into Monday)
        assert windows_for_day(w, d) == [(0, 2 * H), (10 * H, DAY_S)]


def test_past_midnight_only_on_some_days() -> None:
    # real Helsinki pub. OSM spec: a later rule naming a day replaces that whole day, including
    # the spill-over from the previous day's rule (opening_hours.js issues #87, #261), so
    # Thursday's "-01:00" does not reach into Friday and Saturday's "-03:00" not into Sunday.
    w = parse_opening_hours("Mo 10:00-24:00; Tu-Th 10:00-01:00; Fr-Sa 10:00-03:00; Su 12:00-23:00")
    assert windows_for_day(w, 0) == [(10 * H, DAY_S)]
    assert windows_for_day(w, 1) == [(10 * H, DAY_S)]
    assert windows_for_day(w, 2) == [(0, 1 * H), (10 * H, DAY_S)]
    assert windows_for_day(w, 3) == [(0, 1 * H), (10 * H, DAY_S)]
    assert windows_for_day(w, 4) == [(10 * H, DAY_S)]
    assert windows_for_day(w, 5) == [(0, 3 * H), (10 * H, DAY_S)]
    assert windows_for_day(w, 6) == [(12 * H, 23 * H)]


def test_spill_over_survives_when_next_day_is_not_overridden() -> None:
    w = parse_opening_hours("Mo-Fr 18:00-02:00")
    assert windows_for_day(w, 5) == [(0, 2 * H)]
    assert windows_for_day(w, 0) == [(18 * H, DAY_S)]


def test_extended_hours_syntax() -> None:
    w = parse_opening_hours("Fr 22:00-26:00")
    assert days(w) == {4: [(22 * H, DAY_S)], 5: [(0, 2 * H)]}


def test_several_ranges_per_day() -> None:
    w = parse_opening_hours("Mo-Fr 10:00-12:00,15:00-17:00")
    assert days(w) == {d: [(10 * H, 12 * H), (15 * H, 17 * H)] for d in range(5)}


def test_public_holiday_off_does_not_remove_weekdays() -> None:
    w = parse_opening_hours("Mo-Fr 11:00-23:00; Sa-Su 12:00-23:00; PH off")
    assert len(w) == 7
    assert windows_for_day(w, 6) == [(12 * H, 23 * H)]


def test_day_off() -> None:
    w = parse_opening_hours("Mo-Fr 10:00-20:00; Sa 10:00-18:00; Su off")
    assert windows_for_day(w, 6) == []
    assert len(w) == 6


def test_later_rule_overrides_same_day() -> None:
    # OSM semantics: a later ";" rule replaces earlier ones for the days it names
    w = parse_opening_hours("Mo-Fr 07:30-20:00, Sa 10:00-19:00; Sa 12:00-18:00")
    assert windows_for_day(w, 5) == [(12 * H, 18 * H)]


def test_comment_on_open_rule_is_ignored() -> None:
    w = parse_opening_hours(
        'Mo-Fr 11:00-15:00 open "Lunch"; We-Fr 17:00-22:00 open "Dinner"; Sa 12:00-22:00 open "Dinner"'
    )
    assert windows_for_day(w, 0) == [(11 * H, 15 * H)]
    assert windows_for_day(w, 2) == [(17 * H, 22 * H)]
    assert windows_for_day(w, 5) == [(12 * H, 22 * H)]


def test_comment_only_is_no_known_window() -> None:
    assert parse_opening_hours('"for request only"') == ()


def test_fallback_rule_is_dropped() -> None:
    w = parse_opening_hours('Mo-Fr 08:00-18:00 || "by appointment"')
    assert days(w) == {d: [(8 * H, 18 * H)] for d in range(5)}


@pytest.mark.parametrize("raw", ["off", "closed", "Jun-Aug Mo-Fr 10:00-18:00"])
def test_valid_but_never_open_in_reference_week(raw: str) -> None:
    assert parse_opening_hours(raw) == ()


def test_reference_week_selects_season() -> None:
    summer = parse_opening_hours("Jun-Aug Mo-Fr 10:00-18:00", reference_monday=dt.date(2025, 7, 7))
    assert len(summer) == 5
    with pytest.raises(ValueError, match="Monday"):
        parse_opening_hours("24/7", reference_monday=dt.date(2025, 7, 8))


def test_unknown_state_is_not_open() -> None:
    w = parse_opening_hours("Mo-Fr 10:00-18:00; Sa unknown")
    assert windows_for_day(w, 5) == []


def test_open_end() -> None:
    w = parse_opening_hours("Mo-Fr 16:00+")
    assert windows_for_day(w, 0) == [(16 * H, DAY_S)]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        # all found in the Helsinki extract
        ("Mo-Th 11:00-23:00; Fr11:00-24:00", "Mo-Th 11:00-23:00; Fr 11:00-24:00"),
        (
            "Mo-Fr 08:00-19:00 Sa 09:00-19:00 Su 12:00-18:00",
            "Mo-Fr 08:00-19:00; Sa 09:00-19:00; Su 12:00-18:00",
        ),
        ("Mo-Fr 16:00-, Sa 14:00-", "Mo-Fr 16:00+, Sa 14:00+"),
        ("Su-Th 15-00; Fr-Sa 15-02", "Su-Th 15:00-00:00; Fr-Sa 15:00-02:00"),
        ("Mon - Fri 11am - 11pm, Sun 2pm - 10pm", "Mo-Fr 11:00-23:00, Su 14:00-22:00"),
        ("Mo-su 09:00-19:00", "Mo-Su 09:00-19:00"),
        ("Mo–Fr 9:00 – 17:00", "Mo-Fr 09:00-17:00"),
    ],
)
def test_lenient_normalisation(raw: str, normalized: str) -> None:
    assert normalize_opening_hours(raw) == normalized
    assert parse_opening_hours(raw) == parse_opening_hours(normalized)
    assert parse_opening_hours(raw)


def test_bare_hours_past_midnight() -> None:
    w = parse_opening_hours("Su-Th 15-00; Fr-Sa 15-02")
    assert windows_for_day(w, 5) == [(0, 2 * H), (15 * H, DAY_S)]
    assert windows_for_day(w, 0) == [(15 * H, DAY_S)]


@pytest.mark.parametrize(
    "raw",
    [
        "Seasonal, only summer time",
        "Mo-Fr 09:30 - 15:00. Lunch Mo-Fr 11:00 - 13:30",
        "garbage",
        "25:99-30:00",
    ],
)
def test_unparseable_raises_with_reason(raw: str) -> None:
    with pytest.raises(OpeningHoursError) as info:
        parse_opening_hours(raw)
    assert info.value.raw == raw
    assert info.value.reason
    assert raw in str(info.value)


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_raises(raw: str) -> None:
    with pytest.raises(OpeningHoursError, match="empty"):
        parse_opening_hours(raw)


def test_error_is_a_value_error() -> None:
    assert issubclass(OpeningHoursError, ValueError)


def test_split_window() -> None:
    assert split_window(6, 20 * H, 4 * H) == [WeeklyWindow(6, 20 * H, DAY_S), WeeklyWindow(0, 0, 4 * H)]
    assert split_window(2, 9 * H, 17 * H) == [WeeklyWindow(2, 9 * H, 17 * H)]
    assert split_window(4, 22 * H, 26 * H) == [WeeklyWindow(4, 22 * H, DAY_S), WeeklyWindow(5, 0, 2 * H)]
    with pytest.raises(ValueError):
        split_window(7, 0, H)


@pytest.mark.parametrize(("weekday", "open_s", "close_s"), [(-1, 0, 1), (7, 0, 1), (0, 5, 5), (0, 0, DAY_S + 1)])
def test_window_validation(weekday: int, open_s: int, close_s: int) -> None:
    with pytest.raises(ValueError):
        WeeklyWindow(weekday, open_s, close_s)


def _fmt(seconds: int) -> str:
    return f"{seconds // H:02d}:{seconds % H // 60:02d}"


@given(
    st.integers(0, 6),
    st.integers(0, 23 * 4 - 1).map(lambda q: q * 900),
    st.integers(1, 24 * 4 - 1).map(lambda q: q * 900),
)
def test_single_day_rule_matches_split_window(weekday: int, open_s: int, length_s: int) -> None:
    names = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    close_s = open_s + length_s
    close_text = f"{close_s // H:02d}:{close_s % H // 60:02d}"  # OSM allows up to 48:00
    w = parse_opening_hours(f"{names[weekday]} {_fmt(open_s)}-{close_text}")
    assert w == windows_from_pairs([(weekday, open_s, close_s)])
    assert weekly_open_s(w) == length_s
