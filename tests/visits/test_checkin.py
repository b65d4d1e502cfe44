"""Check-in verification rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from visits.checkin import (
    CheckPolicy,
    Fix,
    Flag,
    PreviousCheckIn,
    checklist_flags,
    checklist_refused,
    clock_skewed,
    coordinates_problem,
    haversine_m,
    merge_flags,
    retried_check_in,
    verify_check_in,
    verify_check_out,
)

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = CheckPolicy(radius_m=200, max_accuracy_m=100, max_speed_kmh=150, max_clock_skew_s=300, min_visit_s=120)


def check_in(distance_m: float, accuracy_m: float = 10, **kwargs: object) -> list[Flag]:
    defaults: dict[str, object] = {
        "fix": Fix(lat=60.17, lon=24.94, accuracy_m=accuracy_m),
        "distance_m": distance_m,
        "at": AT,
        "sent_at": None,
        "server_now": AT,
        "previous": None,
        "on_route": None,
        "policy": POLICY,
    }
    defaults.update(kwargs)
    return verify_check_in(**defaults)  # type: ignore[arg-type]


def test_haversine_matches_a_known_distance() -> None:
    # Helsinki central station to Stockmann: about 250 m.
    assert haversine_m(60.1710, 24.9414, 60.1686, 24.9420) == pytest.approx(268, abs=5)
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize(
    ("distance_m", "accuracy_m", "flagged"),
    [(350, 10, True), (205, 10, False), (215, 10, True), (290, 100, False), (310, 5000, True), (0, 0, False)],
)
def test_out_of_range_allows_radius_plus_capped_accuracy(distance_m: float, accuracy_m: float, flagged: bool) -> None:
    assert (Flag.OUT_OF_RANGE in check_in(distance_m, accuracy_m)) is flagged


def test_a_clean_check_in_has_no_flags_and_each_rule_adds_its_own() -> None:
    assert check_in(20) == []
    assert check_in(20, accuracy_m=150) == [Flag.LOW_ACCURACY]
    assert check_in(20, fix=Fix(lat=0, lon=0, accuracy_m=5, mock_location=True)) == [Flag.MOCK_LOCATION]
    assert check_in(20, sent_at=AT - timedelta(minutes=6)) == [Flag.CLOCK_SKEW]
    assert check_in(20, sent_at=AT - timedelta(minutes=4)) == []
    assert check_in(20, on_route=False) == [Flag.NOT_ON_ROUTE]
    assert check_in(20, on_route=True) == []


def test_impossible_speed_uses_device_times_in_either_order() -> None:
    ten_km_ago = PreviousCheckIn(at=AT - timedelta(minutes=3), distance_m=10_000)  # 200 km/h
    assert check_in(20, previous=ten_km_ago) == [Flag.IMPOSSIBLE_SPEED]
    walkable = PreviousCheckIn(at=AT - timedelta(minutes=30), distance_m=2_000)
    assert check_in(20, previous=walkable) == []
    same_second_far = PreviousCheckIn(at=AT, distance_m=5_000)
    same_second_near = PreviousCheckIn(at=AT, distance_m=50)
    assert check_in(20, previous=same_second_far) == [Flag.IMPOSSIBLE_SPEED]
    assert check_in(20, previous=same_second_near) == []


def test_check_out_flags_short_visits_and_its_own_position() -> None:
    # Received an hour after the check-in (a check-out is never received before it happened).
    received = AT + timedelta(hours=1)
    common: dict[str, object] = {"checked_in_at": AT, "sent_at": None, "server_now": received, "policy": POLICY}
    calm = Fix(lat=0, lon=0, accuracy_m=5)
    assert verify_check_out(fix=calm, distance_m=10, at=AT + timedelta(minutes=15), **common) == []  # type: ignore[arg-type]
    flags = verify_check_out(
        fix=Fix(lat=0, lon=0, accuracy_m=500, mock_location=True),
        distance_m=900,
        at=AT + timedelta(seconds=30),
        **common,  # type: ignore[arg-type]
    )
    assert flags == [
        Flag.CHECKOUT_OUT_OF_RANGE,
        Flag.CHECKOUT_LOW_ACCURACY,
        Flag.CHECKOUT_MOCK_LOCATION,
        Flag.TOO_SHORT,
    ]
    before = verify_check_out(fix=calm, distance_m=1, at=AT - timedelta(minutes=1), **common)  # type: ignore[arg-type]
    assert before == [Flag.TOO_SHORT]


def test_merge_flags_is_ordered_and_unique() -> None:
    assert merge_flags(["too_short", "out_of_range"], [Flag.OUT_OF_RANGE, Flag.MOCK_LOCATION]) == [
        "out_of_range",
        "mock_location",
        "too_short",
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "ok"), [(60.1, 24.9, True), (91, 0, False), (0, 181, False), (float("nan"), 0, False)]
)
def test_coordinates_problem(lat: float, lon: float, ok: bool) -> None:
    assert (coordinates_problem(lat, lon) is None) is ok


def test_without_sent_at_the_action_s_own_time_is_compared_with_its_arrival() -> None:
    def skewed(at: datetime) -> bool:
        return clock_skewed(None, AT, POLICY, at)

    assert not skewed(AT - timedelta(days=13))  # replayed after a long offline stretch
    assert skewed(AT - timedelta(days=15))  # older than a phone's replays are kept
    assert not skewed(AT + timedelta(seconds=POLICY.max_clock_skew_s))
    assert skewed(AT + timedelta(seconds=POLICY.max_clock_skew_s + 1))  # after it arrived
    assert skewed(AT + timedelta(days=182))


def test_a_check_out_with_a_required_checklist_unanswered_is_flagged_and_refused_only_by_setting() -> None:
    assert checklist_flags(0) == []
    assert checklist_flags(2) == [Flag.CHECKLIST_MISSING]
    assert not checklist_refused(1, requires_checklist=False)
    assert checklist_refused(1, requires_checklist=True)
    assert not checklist_refused(0, requires_checklist=True)


def test_a_second_check_in_within_the_window_at_an_open_visit_is_a_retry() -> None:
    policy = CheckPolicy(retry_window_s=600)
    assert retried_check_in(AT, AT + timedelta(minutes=3), policy)
    assert retried_check_in(AT, AT - timedelta(minutes=10), policy)  # sent out of order: still the same visit
    assert not retried_check_in(AT, AT + timedelta(minutes=10, seconds=1), policy)
    assert not retried_check_in(None, AT, policy)
