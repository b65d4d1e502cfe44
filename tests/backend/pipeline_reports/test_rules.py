"""The pure parts of the pipeline figures (backend/pipeline_reports/rules.py)."""

from __future__ import annotations

import datetime as dt

from backend.pipeline_reports import rules


def test_percentages_and_money_are_none_without_a_denominator() -> None:
    assert rules.pct(2, 3) == 66.7
    assert rules.pct(1, 0) is None
    assert rules.money(1000, 3) == 333.33
    assert rules.money(5, 0) is None


def test_leads_per_week_scales_the_count_to_seven_days() -> None:
    # 4 leads over October's 31 days -> 4 x 7 / 31 = 0.903 -> 0.9; 3 over one week -> 3.
    assert rules.per_week(4, dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == 0.9
    assert rules.per_week(3, dt.date(2026, 10, 5), dt.date(2026, 10, 11)) == 3.0


def test_weeks_run_monday_to_sunday_clipped_to_the_period() -> None:
    # October 2026 starts on a Thursday.
    assert rules.weeks(dt.date(2026, 10, 1), dt.date(2026, 10, 13)) == [
        (dt.date(2026, 10, 1), dt.date(2026, 10, 4)),
        (dt.date(2026, 10, 5), dt.date(2026, 10, 11)),
        (dt.date(2026, 10, 12), dt.date(2026, 10, 13)),
    ]
    assert rules.weeks(dt.date(2026, 10, 7), dt.date(2026, 10, 7)) == [(dt.date(2026, 10, 7), dt.date(2026, 10, 7))]


def test_equal_values_share_a_rank_and_none_ranks_last() -> None:
    assert rules.competition_ranks([3.0, 5.0, 3.0, None, 1.0]) == [2, 1, 2, 5, 4]
    assert rules.competition_ranks([None, None]) == [1, 1]
    assert rules.competition_ranks([]) == []


def test_every_role_has_a_main_figure_among_its_figures() -> None:
    assert set(rules.MAIN_FIGURE) == set(rules.ROLE_FIGURES)
    for role, figure in rules.MAIN_FIGURE.items():
        assert figure in rules.ROLE_FIGURES[role], role
