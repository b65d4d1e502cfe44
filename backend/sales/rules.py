"""The commercial figures, one definition each (docs/architecture.md "Commercial figures" says the
same in the business's words). SQL counts and sums; these functions turn the counts into figures,
so each definition lives once. None where the denominator is 0.

- completion_pct = fact / plan x 100.
- AKB (active base) of a territory = its accounts in ``active_account_ids(from, to)``: accounts with at
  least one submitted, confirmed or delivered order taken in the period.
- OKB (potential base) of a territory = its accounts that are not closed (status potential or active).
- AKB/OKB = AKB / OKB (the business aims at about 1:1, i.e. 1.0).
- average check = fact amount / fact orders.
- order frequency = fact orders / AKB (orders per active account in the period).
- lines per order = fact order lines / fact orders.
- churn = accounts active in the previous period of the same length and not in this one;
  churn % = churned / active in the previous period x 100. "Returned" = active now, not in the previous
  period, but active at some time before it; "new" = active now and never before.
- cross-sell breadth = mean over the active accounts of the number of root categories (wine,
  sparkling, spirits, beer, soft drinks) in their fact orders of the period.
- seasonality: ``backend.sales.service.seasonality_coefficient`` (unchanged), over monthly fact =
  order fact + imported actuals.

"Fact" orders are those in the statuses of ``FIELDSALES_SALES_FACT_FROM`` (`backend.orders.rules`).
"""

from __future__ import annotations

import datetime as dt


def share(numerator: float, denominator: float, *, scale: float = 1.0, digits: int = 3) -> float | None:
    return None if denominator <= 0 else round(numerator / denominator * scale, digits)


def completion_pct(fact: float, plan: float) -> float | None:
    return share(fact, plan, scale=100, digits=1)


def base_ratio(akb: int, okb: int) -> float | None:
    return share(akb, okb)


def average_check(amount: float, orders: int) -> float | None:
    return share(amount, orders, digits=2)


def order_frequency(orders: int, akb: int) -> float | None:
    return share(orders, akb)


def lines_per_order(lines: int, orders: int) -> float | None:
    return share(lines, orders)


def churn_pct(churned: int, active_previous: int) -> float | None:
    return share(churned, active_previous, scale=100, digits=1)


def breadth(category_count_sum: int, akb: int) -> float | None:
    return share(category_count_sum, akb)


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same number of days just before [first, last]."""
    days = (last - first).days + 1
    return first - dt.timedelta(days=days), first - dt.timedelta(days=1)


def quarter(month: dt.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
