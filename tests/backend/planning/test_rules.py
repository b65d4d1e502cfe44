"""The lifecycle rules as pure functions (backend/planning/rules.py), one assertion group per rule."""

from __future__ import annotations

import datetime as dt

from backend.planning import rules

TUESDAY = dt.date(2026, 12, 1)
SATURDAY = dt.date(2026, 12, 5)
WEEKDAYS = [1, 2, 3, 4, 5]


def test_a_rep_works_only_their_days_without_holiday_or_absence() -> None:
    assert rules.day_off_reason(TUESDAY, WEEKDAYS, holiday=False, absent=False) is None
    assert rules.day_off_reason(SATURDAY, WEEKDAYS, holiday=False, absent=False) == "weekend"
    assert rules.day_off_reason(TUESDAY, WEEKDAYS, holiday=True, absent=False) == "holiday"
    assert rules.day_off_reason(TUESDAY, WEEKDAYS, holiday=False, absent=True) == "absence"
    assert rules.day_off_reason(TUESDAY, WEEKDAYS, holiday=True, absent=True) == "holiday", "nothing to hand over"
    assert rules.day_off_reason(SATURDAY, WEEKDAYS, holiday=False, absent=True) == "weekend"
    assert rules.day_off_reason(SATURDAY, [6], holiday=False, absent=False) is None


def test_the_gap_after_a_visit_follows_the_frequency() -> None:
    assert [rules.min_gap_days(f) for f in (1, 2, 4, 8, 20)] == [14, 7, 3, 1, 0]
    assert rules.min_gap_days(0) == 28


def test_a_visit_done_today_is_never_due_today_and_tomorrow_only_by_frequency() -> None:
    friday = TUESDAY + dt.timedelta(days=3)
    monday = friday + dt.timedelta(days=3)
    assert not rules.due_by_frequency(friday, [friday], 20), "visited today: not due today, whatever the frequency"
    assert not rules.due_by_frequency(friday + dt.timedelta(days=1), [friday], 4), "weekly: not the next day"
    assert rules.due_by_frequency(friday + dt.timedelta(days=1), [friday], 20), "daily: due the next day"
    assert rules.due_by_frequency(monday, [friday], 4), "weekly: due again after 3 days"
    assert rules.due_by_frequency(friday, [], 1)


def test_a_missed_visit_is_carried_inside_its_window_until_a_visit_satisfies_it() -> None:
    due = TUESDAY
    assert rules.carried_over_due(due + dt.timedelta(days=2), due, "A", [])
    assert not rules.carried_over_due(due + dt.timedelta(days=3), due, "A", []), "class A: 2 days"
    assert rules.carried_over_due(due + dt.timedelta(days=7), due, "C", [])
    assert not rules.carried_over_due(due, due, "C", []), "not carried to its own day"
    assert not rules.carried_over_due(due + dt.timedelta(days=2), due, "C", [due + dt.timedelta(days=1)])
    assert rules.carried_over_due(due + dt.timedelta(days=2), due, "C", [due - dt.timedelta(days=1)])


def test_reshuffling_counts_only_the_visits_both_routes_hold() -> None:
    assert rules.reshuffle_share([1, 2, 3, 4], [1, 2, 3, 4]) == 0
    assert rules.reshuffle_share([1, 2, 3, 4], [1, 2, 4]) == 0, "a visit taken off is not reshuffling"
    assert rules.reshuffle_share([1, 2, 3, 4], [9, 1, 2, 3, 4]) == 0, "a visit added is not reshuffling"
    assert rules.reshuffle_share([1, 2, 3, 4], [4, 3, 2, 1]) == 0.75
    assert rules.reshuffle_share([1, 2, 3, 4], [2, 1, 3, 4]) == 0.25
    assert rules.reshuffle_share([], [1]) == 0


def test_only_a_still_valid_route_may_be_kept_by_the_churn_cap() -> None:
    published = [1, 2, 3]
    assert rules.published_still_valid(published, due={1, 2, 3, 4}, required=set(), placed={1, 2, 3, 4})
    assert not rules.published_still_valid(published, due={1, 2}, required=set(), placed={1, 2}), "3 is done"
    assert not rules.published_still_valid(published, due={1, 2, 3, 9}, required={9}, placed={1, 2, 3, 9}), (
        "an appointment the new plan places is never blocked"
    )
    assert rules.published_still_valid(published, due={1, 2, 3, 9}, required={9}, placed={1, 2, 3}), (
        "an appointment neither route can place does not force a reshuffle (its reason is on the route)"
    )
