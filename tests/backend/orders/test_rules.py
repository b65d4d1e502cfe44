"""The pure order rules: line amounts, discount limit, status moves, which statuses are sales fact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backend.orders.rules import Status, discount_problem, fact_statuses, line_amount, move_problem
from backend.orders.webhooks import retry_delay, signature


def test_line_amount_is_quantity_times_price_less_discount_rounded_half_up() -> None:
    assert line_amount(Decimal(12), Decimal("9.00"), Decimal("5")) == Decimal("102.60")
    assert line_amount(Decimal(1), Decimal("0.05"), Decimal("10")) == Decimal("0.05")  # 0.045 -> 0.05
    assert line_amount(Decimal("12.5"), Decimal("4.00"), Decimal(0)) == Decimal("50.00")


def test_the_discount_limit() -> None:
    assert discount_problem(15, 15) is None
    assert discount_problem(0, 15) is None
    assert "beyond" in (discount_problem(15.01, 15) or "")
    assert discount_problem(-1, 15) is not None


@pytest.mark.parametrize(
    ("current", "target", "role", "allowed"),
    [
        (Status.DRAFT, Status.SUBMITTED, "rep", True),
        (Status.DRAFT, Status.CANCELLED, "rep", True),
        (Status.SUBMITTED, Status.CONFIRMED, "rep", False),
        (Status.SUBMITTED, Status.CONFIRMED, "supervisor", True),
        (Status.SUBMITTED, Status.CANCELLED, "rep", False),
        (Status.CONFIRMED, Status.DELIVERED, "admin", True),
        (Status.SUBMITTED, Status.DELIVERED, "admin", False),
        (Status.DELIVERED, Status.CANCELLED, "admin", False),
        (Status.CANCELLED, Status.SUBMITTED, "admin", False),
        (Status.DELIVERED, Status.DELIVERED, "admin", True),
    ],
)
def test_status_moves(current: Status, target: Status, role: str, allowed: bool) -> None:
    assert (move_problem(current, target, role) is None) is allowed


def test_fact_statuses_by_setting() -> None:
    assert fact_statuses("submitted") == ["submitted", "confirmed", "delivered"]
    assert fact_statuses("delivered") == ["delivered"]
    with pytest.raises(ValueError, match="setting"):
        fact_statuses("draft")


def test_webhook_signature_and_backoff() -> None:
    # HMAC-SHA256 of "<timestamp>.<body>", checked against an independent computation.
    import hashlib
    import hmac

    expected = hmac.new(b"k" * 16, b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature("k" * 16, 1_700_000_000, b"{}") == f"sha256={expected}"
    assert [retry_delay(n) for n in (1, 2, 3, 8, 20)] == [dt.timedelta(seconds=s) for s in (30, 60, 120, 3600, 3600)]
