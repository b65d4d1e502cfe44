"""The pipeline figures' ratios, one definition each (docs/architecture.md ("Pipeline figures") says the same in the
business's words). SQL counts; these turn counts into figures. None where the denominator is 0.
Shares, the average check and churn are the commercial figures' own (`backend.sales.rules`).

- stage conversion = moved on / entered x 100; cv1 = qualified / leads x 100; cv2 = won of the
  qualified / qualified x 100; key reached = reached the key stage / leads x 100 (a source's quality).
- cost per lead = cost / leads; cost per won deal = cost / won.
- calls per working day = calls / working days; leads per week = leads created / (days / 7).
- retention = retained / active in the previous period x 100 (retained: active in both periods);
  churn % = `backend.sales.rules.churn_pct`.
- LTV to date = fact turnover of the book's customers up to the period's end / customers.
- upsell per account = (this period's - the previous period's turnover of the retained accounts) /
  retained; upsell % = that difference / the previous period's turnover x 100.
- new categories per account = root categories bought in the period and never before, summed over
  the book's accounts active in the period / those accounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from backend.sales.rules import share

# The figure each role is ranked by in the leaderboard (highest first).
MAIN_FIGURE = {
    "hunter": "leads_qualified",
    "telemarketer": "leads_created",
    "closer": "deals_won",
    "farmer": "retention_pct",
    "key_account_manager": "retention_pct",
}

_MANAGER = [
    "accounts",
    "active_previous",
    "active_now",
    "retained",
    "churned",
    "retention_pct",
    "churn_pct",
    "ltv_to_date",
    "upsell_per_account",
    "upsell_pct",
    "new_categories_per_account",
]
# The figures of each role (the columns of its report and its export).
ROLE_FIGURES: dict[str, list[str]] = {
    "hunter": ["leads_created", "leads_qualified", "cv1_pct", "leads_per_week"],
    "telemarketer": ["calls", "working_days", "calls_per_working_day", "leads_created", "leads_per_week"],
    "closer": [
        "deals_owned",
        "deals_qualified",
        "deals_won",
        "cv2_pct",
        "won_account_orders",
        "average_check",
        "cycle_median_days",
        "cycle_p80_days",
    ],
    "farmer": _MANAGER,
    "key_account_manager": _MANAGER,
}


def pct(numerator: float, denominator: float) -> float | None:
    return share(numerator, denominator, scale=100, digits=1)


def days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def money(numerator: float, denominator: float) -> float | None:
    return share(numerator, denominator, digits=2)


def per_week(count: int, first: dt.date, last: dt.date) -> float | None:
    return share(count * 7, (last - first).days + 1, digits=2)


def weeks(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Monday-to-Sunday weeks covering [first, last], the first and last clipped to the period."""
    out: list[tuple[dt.date, dt.date]] = []
    start = first
    while start <= last:
        end = min(start + dt.timedelta(days=6 - start.weekday()), last)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def competition_ranks(values: Sequence[float | None]) -> list[int]:
    """Ranks of `values` (highest first, equal values share a rank, the next rank skips: 1, 1, 3);
    None ranks after every number."""
    key = [(-v if v is not None else float("inf")) for v in values]
    return [1 + sum(1 for other in key if other < mine) for mine in key]
