"""Each figure's definition on its own (backend/sales/rules.py)."""

from __future__ import annotations

import datetime as dt

from backend.sales import rules


def test_ratios_and_their_empty_denominators() -> None:
    assert rules.completion_pct(258.6, 300) == 86.2
    assert rules.completion_pct(10, 0) is None
    assert rules.base_ratio(3, 4) == 0.75
    assert rules.base_ratio(1, 0) is None
    assert rules.average_check(414.6, 5) == 82.92
    assert rules.order_frequency(5, 4) == 1.25
    assert rules.lines_per_order(7, 5) == 1.4
    assert rules.churn_pct(1, 3) == 33.3
    assert rules.breadth(7, 4) == 1.75
    assert rules.average_check(0, 0) is None


def test_periods() -> None:
    assert rules.previous_period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == (
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
    )
    assert rules.previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == (dt.date(2026, 2, 28),) * 2
    assert [rules.quarter(dt.date(2026, month, 1)) for month in (1, 3, 4, 12)] == [
        "2026-Q1",
        "2026-Q1",
        "2026-Q2",
        "2026-Q4",
    ]
    assert rules.month_end(dt.date(2026, 2, 1)) == dt.date(2026, 2, 28)
    assert rules.month_end(dt.date(2026, 12, 1)) == dt.date(2026, 12, 31)
