"""Plan vs fact, coverage, sales completion and seasonality, computed from scoped facts.

Definitions (also in docs/architecture.md):

- **the plan of a rep's day** (``day_plan_stops``, migration 0009): the route as published at the
  start of the day (the newest version published before the shift start, else the day's first
  version), plus stops **added** during the day (accounts first on a later version, kept apart),
  minus stops **removed** by a supervisor, an absence or a holiday (with the reason).
- **a visit**: the rep's first check-in at an account on a local day (the rep's time zone; device
  clock); later check-ins there that day are the same visit. It counts as done against the stop of
  any version of the day's route for that account.
- **planned** = stops of the plan at the start of the day not removed; **done_on_plan** = those with
  a visit; **missed** = those without (``missed_closed`` when the account is closed, else
  ``missed_not_visited``). So planned = done_on_plan + missed.
- **added** = stops added during the day (not removed); **done_added** = those with a visit.
- **done off-plan**: visits at accounts on no (unremoved) stop of the day's route.
  **done** = done_on_plan + done_added + done_off_plan: each visit counted once.
- **dropped_by_planner**: due visits the plan at the start of the day left off (its ``unassigned``,
  whatever the reason, ``closed`` included), not visited that day; not part of the plan, so not missed.
- **visits**: every check-in (the base of geofence compliance and visit times).
- **on-time share**: of the done stops, those whose visit started inside the stop's time window
  (``window_start_s``..``window_end_s``, seconds from local midnight); a stop without a window counts
  within ``on_time_tolerance_s`` of its planned start.
- **geofence compliance**: share of visits without the ``out_of_range`` flag.
- **average visit time**: mean of check-out minus check-in over visits with a check-out.
- **travel**: planned = the published routes' ``travel_s`` and ``distance_m`` (home to home); actual =
  the sum of great-circle (haversine, R = 6,371,008.8 m) distances between a rep's consecutive
  check-ins of a day, by device time (so it excludes the legs from and to home). Reported for the
  rep and day groupings and the total; None for territory, region and channel.
- **average checklist score**: mean ``score_pct`` of every scored checklist of the visits.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from backend.auth.principal import Principal
from backend.errors import InvalidInput
from backend.reports import repository
from backend.reports.schemas import (
    CoverageFact,
    CoverageReport,
    CoverageRow,
    DroppedFact,
    PlannedStopFact,
    PublishedRoute,
    SalesGroup,
    SalesReport,
    SalesReportRow,
    SeasonalityReport,
    SeasonalityRow,
    VisitFact,
    VisitGroup,
    VisitReportRow,
    VisitsReport,
)
from backend.sales import service as sales
from backend.sales.schemas import SalesFact

EARTH_RADIUS_M = 6_371_008.8
NO_REGION = "(none)"
NO_TERRITORY = "(no territory)"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check_period(first: dt.date, last: dt.date, max_days: int) -> None:
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    if (last - first).days + 1 > max_days:
        raise InvalidInput(f"a report covers at most {max_days} days", field="to")


class _Keyed(Protocol):
    @property
    def rep_id(self) -> int: ...
    @property
    def rep_name(self) -> str: ...
    @property
    def day(self) -> dt.date: ...
    @property
    def territory_code(self) -> str | None: ...
    @property
    def territory_name(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def channel(self) -> str: ...


def group_key(group: VisitGroup) -> Callable[[_Keyed], tuple[str, str]]:
    """(key, label) of a fact in a grouping."""
    if group is VisitGroup.REP:
        return lambda fact: (str(fact.rep_id), fact.rep_name)
    if group is VisitGroup.TERRITORY:
        return lambda fact: (fact.territory_code or NO_TERRITORY, fact.territory_name or NO_TERRITORY)
    if group is VisitGroup.REGION:
        return lambda fact: (fact.region or NO_REGION, fact.region or NO_REGION)
    if group is VisitGroup.CHANNEL:
        return lambda fact: (fact.channel, fact.channel)
    return lambda fact: (fact.day.isoformat(), fact.day.isoformat())


@dataclass
class _Tally:
    label: str
    planned: int = 0
    done: int = 0
    not_visited: int = 0
    closed: int = 0
    added: int = 0
    done_added: int = 0
    removed: int = 0
    dropped: int = 0
    off_plan: int = 0
    on_time: int = 0
    visits: int = 0
    in_range: int = 0
    visit_s_sum: float = 0.0
    visit_s_count: int = 0
    score_sum: float = 0.0
    score_count: int = 0
    travel_s: int = 0
    travel_m: float = 0.0
    actual_m: float = 0.0
    travel_known: bool = False

    def add_visit(self, visit: VisitFact) -> None:
        self.visits += 1
        if "out_of_range" not in visit.flags:
            self.in_range += 1
        if visit.checked_out_at is not None:
            self.visit_s_sum += (visit.checked_out_at - visit.checked_in_at).total_seconds()
            self.visit_s_count += 1
        self.score_sum += visit.score_sum
        self.score_count += visit.score_count

    def row(self, key: str) -> VisitReportRow:
        return VisitReportRow(
            key=key,
            label=self.label,
            planned=self.planned,
            done=self.done + self.done_added + self.off_plan,
            done_on_plan=self.done,
            missed=self.not_visited + self.closed,
            missed_not_visited=self.not_visited,
            missed_closed=self.closed,
            added=self.added,
            done_added=self.done_added,
            removed=self.removed,
            dropped_by_planner=self.dropped,
            done_off_plan=self.off_plan,
            visits=self.visits,
            on_time_share=_share(self.on_time, self.done),
            geofence_compliance=_share(self.in_range, self.visits),
            avg_visit_s=None if not self.visit_s_count else round(self.visit_s_sum / self.visit_s_count, 1),
            travel_planned_s=self.travel_s if self.travel_known else None,
            travel_planned_m=round(self.travel_m, 1) if self.travel_known else None,
            travel_actual_m=round(self.actual_m, 1) if self.travel_known else None,
            avg_checklist_score=None if not self.score_count else round(self.score_sum / self.score_count, 1),
        )


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def on_time(stop: PlannedStopFact, visit: VisitFact, tolerance_s: int) -> bool:
    if stop.window_start_s is not None and stop.window_end_s is not None:
        return stop.window_start_s <= visit.local_start_s <= stop.window_end_s
    return abs(visit.local_start_s - stop.start_s) <= tolerance_s


def first_visits(visits: list[VisitFact]) -> tuple[list[VisitFact], list[VisitFact]]:
    """The visits (a rep's first check-in at an account on a day) and the repeated check-ins."""
    seen: set[tuple[int, int, dt.date]] = set()
    firsts: list[VisitFact] = []
    repeats: list[VisitFact] = []
    for visit in sorted(visits, key=lambda item: (item.checked_in_at, str(item.id))):
        key = (visit.rep_id, visit.account_id, visit.day)
        (repeats if key in seen else firsts).append(visit)
        seen.add(key)
    return firsts, repeats


def match_visits(
    stops: list[PlannedStopFact], visits: list[VisitFact]
) -> tuple[list[tuple[PlannedStopFact, VisitFact | None]], list[VisitFact]]:
    """Each stop (one per rep, day and account) with its visit or None, and the visits at accounts on
    no unremoved stop of the day (off-plan). Repeated check-ins are neither."""
    firsts, _ = first_visits(visits)
    by_key = {(visit.rep_id, visit.account_id, visit.day): visit for visit in firsts}
    matched = [(stop, by_key.get((stop.rep_id, stop.account_id, stop.day))) for stop in stops]
    on_route = {(s.rep_id, s.account_id, s.day) for s in stops if s.removed_reason is None}
    return matched, [v for v in firsts if (v.rep_id, v.account_id, v.day) not in on_route]


def actual_travel_m(visits: list[VisitFact]) -> dict[tuple[int, dt.date], float]:
    """Per rep-day: great-circle metres between consecutive check-ins by device time."""
    by_day: dict[tuple[int, dt.date], list[VisitFact]] = defaultdict(list)
    for visit in visits:
        by_day[(visit.rep_id, visit.day)].append(visit)
    totals: dict[tuple[int, dt.date], float] = {}
    for key, day_visits in by_day.items():
        ordered = sorted(day_visits, key=lambda item: (item.checked_in_at, str(item.id)))
        totals[key] = sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in itertools.pairwise(ordered))
    return totals


def build_visits_report(
    first: dt.date,
    last: dt.date,
    group: VisitGroup,
    routes: list[PublishedRoute],
    stops: list[PlannedStopFact],
    dropped: list[DroppedFact],
    visits: list[VisitFact],
    tolerance_s: int,
) -> VisitsReport:
    key_of = group_key(group)
    tallies: dict[str, _Tally] = {}
    total = _Tally(label="total")

    def tallies_of(fact: _Keyed) -> list[_Tally]:
        key, label = key_of(fact)
        tally = tallies.setdefault(key, _Tally(label=label))
        return [tally, total]

    matched, off_plan = match_visits(stops, visits)
    for stop, visit in matched:
        for tally in tallies_of(stop):
            if stop.removed_reason is not None:
                tally.removed += 1
            elif not stop.in_plan:
                tally.added += 1
                tally.done_added += visit is not None
            else:
                tally.planned += 1
                if visit is not None:
                    tally.done += 1
                    tally.on_time += on_time(stop, visit, tolerance_s)
                elif stop.account_status == "closed":
                    tally.closed += 1
                else:
                    tally.not_visited += 1
    for visit in off_plan:
        for tally in tallies_of(visit):
            tally.off_plan += 1
    for visit in visits:
        for tally in tallies_of(visit):
            tally.add_visit(visit)
    visited = {(visit.rep_id, visit.account_id, visit.day) for visit in visits}
    for item in dropped:
        if (item.rep_id, item.account_id, item.day) in visited:
            continue  # visited anyway: counted as done off-plan
        for tally in tallies_of(item):
            tally.dropped += 1
    if group in (VisitGroup.REP, VisitGroup.DAY):
        actual = actual_travel_m(visits)
        for route in routes:
            key = str(route.rep_id) if group is VisitGroup.REP else route.day.isoformat()
            label = route.rep_name if group is VisitGroup.REP else key
            for tally in (tallies.setdefault(key, _Tally(label=label)), total):
                tally.travel_known = True
                tally.travel_s += route.travel_s
                tally.travel_m += route.distance_m
        for (rep_id, day), metres in actual.items():
            key = str(rep_id) if group is VisitGroup.REP else day.isoformat()
            if key in tallies:
                tallies[key].actual_m += metres
                tallies[key].travel_known = True
            total.actual_m += metres
            total.travel_known = True
    rows = [tallies[key].row(key) for key in sorted(tallies, key=lambda k: (tallies[k].label, k))]
    if group is VisitGroup.DAY:
        rows.sort(key=lambda row: row.key)
    return VisitsReport(from_day=first, to_day=last, group_by=group, rows=rows, total=total.row("total"))


async def visits_report(
    conn: asyncpg.Connection,
    principal: Principal,
    first: dt.date,
    last: dt.date,
    group: VisitGroup,
    *,
    tolerance_s: int,
    max_days: int,
) -> VisitsReport:
    check_period(first, last, max_days)
    role, user_id = principal.role.value, principal.user_id
    routes = await repository.published_routes(conn, role, user_id, first, last)
    stops = await repository.planned_stops(conn, role, user_id, first, last)
    dropped = await repository.dropped_visits(conn, role, user_id, first, last)
    visits = await repository.visits_in_range(conn, role, user_id, first, last)
    return build_visits_report(first, last, group, routes, stops, dropped, visits, tolerance_s)


def _coverage_row(key: str, label: str, region: str | None, facts: list[CoverageFact]) -> CoverageRow:
    active = sum(fact.active for fact in facts)
    visited = sum(fact.visited for fact in facts)
    potential = sum(fact.potential for fact in facts)
    return CoverageRow(
        key=key,
        label=label,
        region=region,
        outlets=sum(fact.outlets for fact in facts),
        potential=potential,
        active=active,
        visited=visited,
        visited_share_of_active=_share(visited, active),
        active_per_potential=_share(active, potential),
    )


async def coverage_report(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date, *, max_days: int
) -> CoverageReport:
    """Per territory: all outlets, the potential base, the active base (of the potential base) and the
    distinct outlets visited in the period (any status), by the SQL functions of migration 0009."""
    check_period(first, last, max_days)
    facts = await repository.coverage_funnel(conn, principal.role.value, principal.user_id, first, last)
    rows = [_coverage_row(fact.code, fact.name, fact.region, [fact]) for fact in facts]
    return CoverageReport(from_day=first, to_day=last, rows=rows, total=_coverage_row("total", "total", None, facts))


# --- sales ------------------------------------------------------------------------------------


def parse_month_param(value: str, name: str) -> dt.date:
    try:
        return sales.parse_month(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a month as YYYY-MM", field=name) from exc


def _sales_key(group: SalesGroup, fact: SalesFact) -> tuple[str, str]:
    if group is SalesGroup.REP:
        return str(fact.rep_id), fact.rep_name
    if group is SalesGroup.CATEGORY:
        return fact.category, fact.category
    if group is SalesGroup.REGION:
        return fact.region, fact.region
    month = fact.month.strftime("%Y-%m")
    return month, month


def _sales_rows(
    group: SalesGroup, facts: list[SalesFact], threshold_pct: float
) -> tuple[list[SalesReportRow], SalesReportRow]:
    sums: dict[str, list[float]] = {}
    labels: dict[str, str] = {}
    for fact in facts:
        key, label = _sales_key(group, fact)
        labels[key] = label
        plan_actual = sums.setdefault(key, [0.0, 0.0])
        plan_actual[0] += fact.plan_amount or 0.0
        plan_actual[1] += fact.actual_amount or 0.0

    def row(key: str, label: str, plan: float, actual: float, flag: bool) -> SalesReportRow:
        pct = sales.completion_pct(plan, actual)
        return SalesReportRow(
            key=key,
            label=label,
            plan=round(plan, 2),
            actual=round(actual, 2),
            completion_pct=pct,
            below_plan=(pct is not None and pct < threshold_pct) if flag else None,
        )

    rows = [row(key, labels[key], sums[key][0], sums[key][1], group is SalesGroup.REP) for key in sorted(sums)]
    if group is SalesGroup.REP:
        rows.sort(key=lambda item: (item.label, item.key))
    plan_total = sum(values[0] for values in sums.values())
    actual_total = sum(values[1] for values in sums.values())
    return rows, row("total", "total", plan_total, actual_total, False)


async def sales_report(
    conn: asyncpg.Connection,
    principal: Principal,
    first: dt.date,
    last: dt.date,
    group: SalesGroup,
    *,
    threshold_pct: float,
) -> SalesReport:
    """Plan, actual and completion % per group; reps under `threshold_pct` of plan listed."""
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    if (last.year - first.year) * 12 + last.month - first.month >= 60:
        raise InvalidInput("a sales report covers at most 60 months", field="to")
    facts = await sales.facts(conn, principal, first, last)
    rows, total = _sales_rows(group, facts, threshold_pct)
    rep_rows, _ = _sales_rows(SalesGroup.REP, facts, threshold_pct)
    return SalesReport(
        from_month=first.strftime("%Y-%m"),
        to_month=last.strftime("%Y-%m"),
        group_by=group,
        below_plan_pct=threshold_pct,
        rows=rows,
        total=total,
        reps_below_plan=[item for item in rep_rows if item.below_plan],
    )


async def seasonality_report(
    conn: asyncpg.Connection, principal: Principal, first: dt.date, last: dt.date
) -> SeasonalityReport:
    """Per category, the coefficient of `backend.sales.service` (None with a reason without history)."""
    if last < first:
        raise InvalidInput("to must not be before from", field="to")
    if (last.year - first.year) * 12 + last.month - first.month >= 12:
        raise InvalidInput("a seasonality period covers at most 12 months", field="to")
    history = await sales.facts(conn, principal, sales.add_months(first, -36), last)
    actuals = sales.monthly_actuals_by_category(history)
    rows = []
    for category in sorted(actuals):
        coefficient, years, reason = sales.seasonality_coefficient(actuals[category], first, last)
        rows.append(SeasonalityRow(category=category, coefficient=coefficient, years_used=years, reason=reason))
    return SeasonalityReport(from_month=first.strftime("%Y-%m"), to_month=last.strftime("%Y-%m"), rows=rows)
