"""Catalogue rules, pure (no I/O); each has its own test in tests/backend/catalogue/test_rules.py.

- **Applicable price** of a product for an account on a day: the price on the account's own price
  list valid that day when it lists the product, else the price on the account's channel list valid
  that day; none of them: the product is not on the account's price list (the order is refused).
- **Validity overlap**: two price lists for the same target (the same channel, or the same account)
  overlap when their closed day ranges [valid_from, valid_to] share a day; an open end (None) runs
  forever. An overlapping list is refused.
- **Whole units**: bottles, cans, pieces, cases and kegs are ordered in whole positive numbers;
  litres and kilograms may be fractional; every quantity is > 0.
- **Category path**: ``Wine/Red`` -> codes ``wine``, ``wine/red``; the root is what figures group by.
- **Formula cells**: a text cell starting with ``=``, ``@``, or ``+``/``-`` followed by something
  other than a number is a spreadsheet formula; it is reported and never stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import msgspec

WHOLE_UNITS = frozenset({"bottle", "can", "piece", "case", "keg"})
UNITS = WHOLE_UNITS | {"litre", "kg"}
_CODE = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


class PriceListRef(msgspec.Struct, frozen=True):
    """A price list as the lookup needs it: its target, validity and prices by product id."""

    id: int
    account_id: int | None
    channel: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    prices: dict[int, Decimal]


class AppliedPrice(msgspec.Struct, frozen=True):
    price_list_id: int
    price: Decimal


def valid_on(price_list: PriceListRef, day: dt.date) -> bool:
    return price_list.valid_from <= day and (price_list.valid_to is None or day <= price_list.valid_to)


def applicable_price(
    lists: Iterable[PriceListRef], product_id: int, account_id: int, channel: str, day: dt.date
) -> AppliedPrice | None:
    """The account's own list first, then its channel's; only lists valid on `day`."""
    candidates = sorted((item for item in lists if valid_on(item, day)), key=lambda c: c.valid_from, reverse=True)
    own = [item for item in candidates if item.account_id == account_id]
    of_channel = [item for item in candidates if item.account_id is None and item.channel == channel]
    for group in (own, of_channel):
        for item in group:
            price = item.prices.get(product_id)
            if price is not None:
                return AppliedPrice(item.id, price)
    return None


def ranges_overlap(
    first_from: dt.date, first_to: dt.date | None, second_from: dt.date, second_to: dt.date | None
) -> bool:
    return (first_to is None or second_from <= first_to) and (second_to is None or first_from <= second_to)


class Validity(msgspec.Struct, frozen=True):
    code: str
    valid_from: dt.date
    valid_to: dt.date | None


def overlapping(new_from: dt.date, new_to: dt.date | None, existing: Sequence[Validity]) -> list[str]:
    """Codes of the existing lists (same target) whose validity shares a day with the new one."""
    return [item.code for item in existing if ranges_overlap(new_from, new_to, item.valid_from, item.valid_to)]


def quantity_problem(unit: str, quantity: float) -> str | None:
    """Why this quantity cannot be ordered in this unit, or None."""
    if quantity != quantity or quantity <= 0:
        return "quantity must be greater than 0"
    if quantity > 1_000_000:
        return "quantity must be at most 1,000,000"
    if unit in WHOLE_UNITS and quantity != int(quantity):
        return f"quantity must be a whole number of {unit}s"
    return None


def category_codes(path: str) -> list[tuple[str, str]]:
    """``Wine / Red`` -> [("wine", "Wine"), ("wine/red", "Red")]: (path code, display name) per level."""
    names = [part.strip() for part in path.split("/") if part.strip()]
    levels: list[tuple[str, str]] = []
    codes: list[str] = []
    for name in names:
        code = _CODE.sub("_", name.lower()).strip("_")
        if not code:
            raise ValueError(f"category level {name!r} has no letters or digits")
        codes.append(code)
        levels.append(("/".join(codes), name))
    if not levels:
        raise ValueError("the category is empty")
    return levels


def looks_like_formula(text: str | None) -> bool:
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and len(text) > 1 and not _NUMBER.match(text)
