"""Order rules, pure (no I/O); each has its own test in tests/backend/orders/test_rules.py.

- **Line amount** = quantity x list price x (1 - discount_pct / 100), rounded half-up to the cent;
  the order total is the sum of its line amounts, its units the sum of the quantities.
- **Discount limit**: a rep may enter 0 <= discount_pct <= the configured limit
  (``FIELDSALES_ORDER_MAX_DISCOUNT_PCT``); beyond it the order is refused naming the line.
- **Status moves** (every move recorded with who and when):

  ============  ====================  ===========================
  from          to                    who
  ============  ====================  ===========================
  draft         submitted, cancelled  the rep who took it, office
  submitted     confirmed, cancelled  office (supervisor, admin)
  confirmed     delivered, cancelled  office (supervisor, admin)
  ============  ====================  ===========================

  "Office" is a supervisor of the rep's team or an admin; an ERP integrates as an admin user. A move
  to the status the order already has is accepted and changes nothing (an ERP may retry).
- **Sales fact** counts orders in the statuses of the setting ``FIELDSALES_SALES_FACT_FROM``:
  ``submitted`` (default: submitted, confirmed, delivered) or ``delivered`` (delivered only).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


_OFFICE = frozenset({"supervisor", "admin"})
_MOVES: dict[Status, dict[Status, frozenset[str]]] = {
    Status.DRAFT: {Status.SUBMITTED: frozenset({"rep"}) | _OFFICE, Status.CANCELLED: frozenset({"rep"}) | _OFFICE},
    Status.SUBMITTED: {Status.CONFIRMED: _OFFICE, Status.CANCELLED: _OFFICE},
    Status.CONFIRMED: {Status.DELIVERED: _OFFICE, Status.CANCELLED: _OFFICE},
    Status.DELIVERED: {},
    Status.CANCELLED: {},
}
FACT_STATUSES: dict[str, tuple[str, ...]] = {
    "submitted": (Status.SUBMITTED.value, Status.CONFIRMED.value, Status.DELIVERED.value),
    "delivered": (Status.DELIVERED.value,),
}


def line_amount(quantity: Decimal, list_price: Decimal, discount_pct: Decimal) -> Decimal:
    return (quantity * list_price * (Decimal(100) - discount_pct) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)


def discount_problem(discount_pct: float, limit_pct: float) -> str | None:
    if discount_pct != discount_pct or discount_pct < 0:
        return "discount_pct must be 0 or more"
    if discount_pct > limit_pct:
        return f"discount_pct {discount_pct:g} is beyond the allowed {limit_pct:g}%"
    return None


def move_problem(current: Status, target: Status, role: str) -> str | None:
    """Why `role` may not move an order from `current` to `target`, or None when allowed."""
    if current == target:
        return None
    allowed = _MOVES[current].get(target)
    if allowed is None:
        return f"an order cannot move from {current.value} to {target.value}"
    if role not in allowed:
        return f"only the office moves an order from {current.value} to {target.value}"
    return None


def fact_statuses(setting: str) -> list[str]:
    try:
        return list(FACT_STATUSES[setting])
    except KeyError as exc:
        raise ValueError(f"sales fact setting must be one of {sorted(FACT_STATUSES)}") from exc
