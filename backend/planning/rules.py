"""The day's lifecycle as pure functions (docs/architecture.md, "The day's lifecycle: rules").

- `day_off_reason`: a rep works a day when its ISO weekday is one of theirs, it is no public holiday
  and no absence covers it; otherwise the reason (`weekend`, else `holiday`, else `absence`).
- `min_gap_days` / `due_by_frequency`: a scheduled visit is due unless the account was visited that
  day or fewer than `floor(28 / (2 x visits per 4 weeks))` days before.
- `carried_over_due`: a missed visit is carried while inside its spacing window and not satisfied
  by a visit on or after its due day.
- `reshuffle_share`: the churn measure: among the visits both plans hold, the share whose position
  relative to the others changes.
- `published_still_valid`: a published route may be kept by the churn cap only when it holds no
  visit that is no longer due and lacks no appointment or task the new plan places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence

CARRY_OVER_DAYS = {"A": 2, "B": 4, "C": 7}
CYCLE_DAYS = 28


def day_off_reason(day: dt.date, working_days: Collection[int], holiday: bool, absent: bool) -> str | None:
    """None when the rep works `day`; else why not. A day the rep would not work anyway (weekend,
    holiday) is never an absence: only an absence on a working day hands visits over."""
    if day.isoweekday() not in working_days:
        return "weekend"
    if holiday:
        return "holiday"
    if absent:
        return "absence"
    return None


def min_gap_days(visits_per_4_weeks: int) -> int:
    """Days after a visit during which a scheduled visit of the same account is not due again."""
    if visits_per_4_weeks <= 0:
        return CYCLE_DAYS
    return CYCLE_DAYS // (2 * visits_per_4_weeks)


def due_by_frequency(day: dt.date, visit_days: Iterable[dt.date], visits_per_4_weeks: int) -> bool:
    """A visit scheduled on `day` is due unless the account was visited that day or fewer than
    `min_gap_days` days before it."""
    gap = max(1, min_gap_days(visits_per_4_weeks))
    return not any(0 <= (day - visited).days < gap for visited in visit_days)


def carried_over_due(day: dt.date, due_day: dt.date, account_class: str, visit_days: Iterable[dt.date]) -> bool:
    """A visit due on `due_day` and not made is still due on a later `day` inside its window."""
    if day <= due_day or (day - due_day).days > CARRY_OVER_DAYS.get(account_class, 2):
        return False
    return not any(visited >= due_day for visited in visit_days)


def reshuffle_share(published: Sequence[int], planned: Sequence[int]) -> float:
    """Among the visits both routes hold, the share not in the longest run kept in the same order.

    Adding or removing visits is not reshuffling: only the common visits are compared, and a visit
    counts as moved when it is not part of the longest common subsequence of the two orders.
    """
    in_planned = set(planned)
    common_published = [account for account in published if account in in_planned]
    if not common_published:
        return 0.0
    in_published = set(common_published)
    common_planned = [account for account in planned if account in in_published]
    rank = {account: index for index, account in enumerate(common_published)}
    kept = _longest_increasing([rank[account] for account in common_planned])
    return (len(common_published) - kept) / len(common_published)


def _longest_increasing(values: Sequence[int]) -> int:
    import bisect

    tails: list[int] = []
    for value in values:
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
    return len(tails)


def published_still_valid(
    published: Collection[int], due: Collection[int], required: Collection[int], placed: Collection[int]
) -> bool:
    """May the churn cap keep the published route? Only if every visit on it is still due, and every
    required visit (appointment, supervisor task) the new plan places is on it already."""
    if any(account not in due for account in published):
        return False
    return all(account in published for account in required if account in placed)
