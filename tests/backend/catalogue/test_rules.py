"""The pure catalogue rules, one assertion group per rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backend.catalogue.rules import (
    AppliedPrice,
    PriceListRef,
    Validity,
    applicable_price,
    category_codes,
    looks_like_formula,
    overlapping,
    quantity_problem,
)

D = dt.date


def _list(
    list_id: int,
    start: dt.date,
    end: dt.date | None,
    prices: dict[int, str],
    *,
    account: int | None = None,
    channel: str | None = "horeca",
) -> PriceListRef:
    return PriceListRef(
        list_id,
        account,
        None if account else channel,
        start,
        end,
        {key: Decimal(value) for key, value in prices.items()},
    )


def test_the_accounts_own_list_wins_then_the_channel_list_valid_that_day() -> None:
    lists = [
        _list(1, D(2026, 1, 1), D(2026, 11, 30), {10: "10.00", 11: "5.00"}),
        _list(2, D(2026, 12, 1), None, {10: "11.00", 11: "5.50"}),
        _list(3, D(2026, 1, 1), None, {10: "9.00"}, account=7),
        _list(4, D(2026, 1, 1), None, {10: "1.00", 11: "1.00"}, channel="retail"),
    ]
    assert applicable_price(lists, 10, 7, "horeca", D(2026, 11, 27)) == AppliedPrice(3, Decimal("9.00"))
    assert applicable_price(lists, 11, 7, "horeca", D(2026, 11, 27)).price == Decimal("5.00")  # type: ignore[union-attr]
    assert applicable_price(lists, 11, 7, "horeca", D(2026, 12, 1)).price == Decimal("5.50")  # type: ignore[union-attr]
    assert applicable_price(lists, 10, 8, "horeca", D(2026, 12, 1)).price_list_id == 2  # type: ignore[union-attr]
    assert applicable_price(lists, 12, 7, "horeca", D(2026, 12, 1)) is None
    assert applicable_price(lists, 10, 8, "other", D(2026, 12, 1)) is None
    assert applicable_price(lists, 10, 8, "horeca", D(2025, 12, 31)) is None


def test_validity_overlap_counts_shared_days_and_open_ends() -> None:
    existing = [Validity("A", D(2026, 1, 1), D(2026, 6, 30)), Validity("B", D(2026, 7, 1), None)]
    assert overlapping(D(2025, 1, 1), D(2025, 12, 31), existing) == []
    assert overlapping(D(2025, 1, 1), D(2026, 1, 1), existing) == ["A"]
    assert overlapping(D(2026, 6, 30), D(2026, 7, 1), existing) == ["A", "B"]
    assert overlapping(D(2030, 1, 1), None, existing) == ["B"]
    assert overlapping(D(2025, 1, 1), None, [Validity("A", D(2026, 1, 1), D(2026, 6, 30))]) == ["A"]


@pytest.mark.parametrize(
    ("unit", "quantity", "ok"),
    [
        ("bottle", 6, True),
        ("bottle", 1.5, False),
        ("bottle", 0, False),
        ("can", -1, False),
        ("case", 2.0, True),
        ("litre", 12.5, True),
        ("kg", 0.25, True),
        ("keg", 0.5, False),
        ("litre", float("nan"), False),
    ],
)
def test_whole_units_are_whole_and_every_quantity_positive(unit: str, quantity: float, ok: bool) -> None:
    assert (quantity_problem(unit, quantity) is None) is ok


def test_category_paths_and_formula_cells() -> None:
    assert category_codes("Wine / Red") == [("wine", "Wine"), ("wine/red", "Red")]
    assert category_codes("Soft drinks/Mixers")[1][0] == "soft_drinks/mixers"
    with pytest.raises(ValueError, match="empty"):
        category_codes(" / ")
    assert [
        looks_like_formula(text) for text in ("=1+1", "@SUM(A1)", "+A1", "-A1", "-12", "+3.5", "Gin", "", None)
    ] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
