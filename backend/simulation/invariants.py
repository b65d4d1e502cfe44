"""The invariants checked after every simulated day (docs/architecture.md, "The day's lifecycle:
rules" and "The simulator"). Each recounts from the raw tables (backend/simulation/queries.sql), never
through the code it checks, and answers what is wrong in words a supervisor could check by hand."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from backend.db.pool import transaction
from backend.simulation import repository
from backend.simulation.engine import Simulation
from backend.simulation.funnel import funnel_invariants
from backend.simulation.sales import SalesRecount
from backend.simulation.schemas import RawVisit, Removal, RouteVersion
from backend.sync.service import PRUNE_GRACE as SYNC_PRUNE_GRACE

CARRY_OVER_DAYS = {"A": 2, "B": 4, "C": 7}
SCHEDULED_SOURCES = ("schedule", "carried_over")


def min_gap_days(visits_per_4_weeks: int) -> int:
    """floor(28 / (2 x visits per 4 weeks)), at least 1: a scheduled visit is not due on a day fewer
    than this many days after a visit of the account (the lifecycle rules' "due by frequency")."""
    return 28 if visits_per_4_weeks <= 0 else max(1, 28 // (2 * visits_per_4_weeks))


def visited_inside_gap(day: dt.date, visit_days: set[dt.date], visits_per_4_weeks: int) -> list[dt.date]:
    """The visits before `day` that make a scheduled visit on `day` not due yet."""
    gap = min_gap_days(visits_per_4_weeks)
    return sorted(d for d in visit_days if 0 < (day - d).days < gap)


@dataclass
class DayFacts:
    """The raw rows of one day, read once for every invariant."""

    day: dt.date
    versions: dict[int, list[RouteVersion]]  # rep -> versions, oldest first
    visits: list[RawVisit]
    removals: list[Removal]
    holidays: set[dt.date]
    absent: dict[int, set[dt.date]]
    visit_days: dict[int, set[dt.date]]  # account -> local days visited (the 35 days up to `day`)
    frequency: dict[int, int] = field(default_factory=dict)
    account_class: dict[int, str] = field(default_factory=dict)

    def newest(self, rep_id: int) -> RouteVersion | None:
        versions = self.versions.get(rep_id)
        return versions[-1] if versions else None

    def first_visits(self) -> dict[tuple[int, int], RawVisit]:
        """The rep's first check-in at each account on the day: one visit per (rep, account)."""
        first: dict[tuple[int, int], RawVisit] = {}
        for visit in sorted(self.visits, key=lambda v: v.checked_in_at):
            first.setdefault((visit.rep_id, visit.account_id), visit)
        return first


async def day_facts(sim: Simulation, day: dt.date) -> DayFacts:
    cached = sim.state.get("day_facts")
    if isinstance(cached, DayFacts) and cached.day == day:
        return cached
    async with transaction(sim.pool, 30) as conn:
        versions: dict[int, list[RouteVersion]] = defaultdict(list)
        for version in await repository.route_versions_of_day(conn, day):
            versions[version.rep_id].append(version)
        holidays, absent = await repository.days_off(conn)
        facts = DayFacts(
            day=day,
            versions=dict(versions),
            visits=await repository.visits_of_day(conn, day),
            removals=await repository.removals_of_day(conn, day),
            holidays=holidays,
            absent=absent,
            visit_days=await repository.visit_days(conn, day - dt.timedelta(days=35), day),
        )
    for accounts in sim.accounts.values():
        for account in accounts:
            facts.frequency[account.id] = account.visit_frequency_per_4_weeks
            facts.account_class[account.id] = account.account_class
    sim.state["day_facts"] = facts
    return facts


def day_off(sim: Simulation, facts: DayFacts, rep_id: int, day: dt.date) -> str | None:
    rep = next(rep for rep in sim.reps if rep.id == rep_id)
    if day in facts.absent.get(rep_id, set()):
        return "absence"
    if day in facts.holidays:
        return "holiday"
    if day.isoweekday() not in rep.working_days:
        return "weekend"
    return None


class NoRouteOnDayOff:
    """No route with stops on a rep's weekend, holiday or absence (the newest version is empty)."""

    name = "no_route_on_day_off"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        facts = await day_facts(sim, day)
        problems = []
        for rep in sim.reps:
            reason = day_off(sim, facts, rep.id, day)
            newest = facts.newest(rep.id)
            if reason and newest is not None and newest.account_ids:
                problems.append(
                    f"rep {rep.id}: {day} is a day off ({reason}) but route version {newest.version} "
                    f"({newest.kind}) has {len(newest.account_ids)} stops"
                )
            worked = {v.account_id for v in facts.visits if v.rep_id == rep.id}
            if reason and worked:
                problems.append(f"rep {rep.id}: visits recorded on a day off ({reason}): {sorted(worked)}")
        return problems


class NoAccountRoutedTwice:
    """An account is at most once on a route version; a version published after the rep's check-in at
    an account that day does not hold it; a route of D holds an account visited on D-1 (or earlier
    inside its spacing gap) only when it is due by frequency again."""

    name = "no_account_routed_twice"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        facts = await day_facts(sim, day)
        replanned_at = {record.route_id: record.at for record in sim.replans if record.day == day}
        problems = []
        for rep_id, versions in facts.versions.items():
            checked_in = sorted(
                ((v.checked_in_at, v.account_id) for v in facts.visits if v.rep_id == rep_id), key=lambda x: x[0]
            )
            for version in versions:
                repeated = {a for a in version.account_ids if version.account_ids.count(a) > 1}
                if repeated:
                    problems.append(f"rep {rep_id}: version {version.version} holds {sorted(repeated)} twice")
                published = replanned_at.get(version.id)
                if published is None and version.kind != "nightly":
                    local_day = published_day(sim, version)
                    published = version.published_at if local_day == day else None
                if published is not None:
                    visited_before = {account for at, account in checked_in if at <= published}
                    again = sorted(visited_before & set(version.account_ids))
                    if again:
                        problems.append(
                            f"rep {rep_id}: version {version.version} ({version.kind}) published at "
                            f"{published:%H:%M} re-routes {again}, visited earlier that day"
                        )
                for account, source, due_day in zip(
                    version.account_ids, version.sources, version.due_days, strict=True
                ):
                    if source not in SCHEDULED_SOURCES:
                        continue
                    visited = facts.visit_days.get(account, set())
                    if source == "carried_over":
                        satisfied = sorted(d for d in visited if due_day <= d < day)
                        if satisfied:
                            problems.append(
                                f"rep {rep_id}: version {version.version} carries over account {account} "
                                f"(due {due_day}) already visited on {satisfied[0]}"
                            )
                    else:
                        gap = min_gap_days(facts.frequency.get(account, 1))
                        recent = visited_inside_gap(day, visited, facts.frequency.get(account, 1))
                        if recent:
                            problems.append(
                                f"rep {rep_id}: version {version.version} routes account {account} visited on "
                                f"{recent[-1]}, not due again before {recent[-1] + dt.timedelta(days=gap)}"
                            )
        return problems


def published_day(sim: Simulation, version: RouteVersion) -> dt.date:
    return version.published_at.astimezone(sim.zone).date()


def _unassigned(version: RouteVersion | None) -> dict[int, str]:
    if version is None:
        return {}
    return {
        int(item["account_id"]): str(item.get("reason") or "") for item in version.unassigned if "account_id" in item
    }


class AppointmentsPlacedOrExplained:
    """Every appointment and supervisor task of the day is on the rep's newest route version (or was
    visited), or is listed with a reason; the supervisor's task list says the same."""

    name = "appointments_placed_or_explained"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        facts = await day_facts(sim, day)
        async with transaction(sim.pool, 30) as conn:
            tasks = await repository.tasks_for_day(conn, day)
        visited = {(v.rep_id, v.account_id) for v in facts.visits}
        problems = []
        api_tasks: dict[int, dict[str, Any]] = {}
        for rep_id in sorted({task.rep_id for task in tasks}):
            listed = await sim.api(sim.supervisor, "GET", f"/api/v1/reps/{rep_id}/tasks?day={day}", expect=(200,))
            for item in listed or []:
                api_tasks[int(item["id"])] = item
        for task in tasks:
            newest = facts.newest(task.rep_id)
            placed = newest is not None and task.account_id in newest.account_ids
            reason = _unassigned(newest).get(task.account_id)
            elsewhere = any(
                task.account_id in (versions[-1].account_ids if versions else [])
                for rep, versions in facts.versions.items()
                if rep != task.rep_id
            )
            if not (placed or reason or elsewhere or (task.rep_id, task.account_id) in visited):
                problems.append(
                    f"rep {task.rep_id}: {task.kind} {task.id} (account {task.account_id}) is neither on the "
                    "route nor explained"
                )
            shown = api_tasks.get(task.id)
            if shown is not None and "placed" in shown and not (shown.get("placed") or shown.get("reason")):
                problems.append(f"rep {task.rep_id}: {task.kind} {task.id}: the supervisor sees no placement or reason")
        return problems


@dataclass(frozen=True)
class PendingDue:
    rep_id: int
    account_id: int
    account_class: str
    due_day: dt.date


class DueVisitsPlannedOrExplained:
    """Every visit due by frequency on a day is on a route of that day (the rep's, or another rep's by
    hand-over), visited, or listed with a reason (unassigned, removed); otherwise it must be carried
    over (on a later route inside its spacing window) or explained later."""

    name = "due_visits_planned_or_explained"

    def __init__(self) -> None:
        self.pending: list[PendingDue] = []

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        facts = await day_facts(sim, day)
        async with transaction(sim.pool, 30) as conn:
            scheduled = await repository.scheduled_for_day(conn, day)
        on_route = {a for versions in facts.versions.values() for v in versions for a in v.account_ids}
        explained = {a for versions in facts.versions.values() for v in versions for a in _unassigned(v)}
        explained |= {removal.account_id for removal in facts.removals}
        visited = {v.account_id for v in facts.visits}
        settled = on_route | explained | visited
        problems = []
        still: list[PendingDue] = []
        for item in self.pending:
            if item.account_id in settled:
                continue
            if (day - item.due_day).days > CARRY_OVER_DAYS.get(item.account_class, 2):
                problems.append(
                    f"rep {item.rep_id}: account {item.account_id} due on {item.due_day} was neither planned, "
                    "carried over nor explained"
                )
            else:
                still.append(item)
        for row in scheduled:
            if visited_inside_gap(day, facts.visit_days.get(row.account_id, set()), row.visit_frequency_per_4_weeks):
                continue  # not due: visited inside its gap
            if row.account_id not in settled:
                still.append(PendingDue(row.rep_id, row.account_id, row.account_class, day))
        self.pending = still
        return problems


@dataclass(frozen=True)
class PlanFact:
    planned: int = 0
    done_on_plan: int = 0
    missed: int = 0
    added: int = 0
    done_added: int = 0
    off_plan: int = 0

    @property
    def done(self) -> int:
        return self.done_on_plan + self.done_added + self.off_plan


def recount_plan_vs_fact(
    versions: list[RouteVersion], removed: set[int], visited: set[int], start_instant: dt.datetime
) -> PlanFact:
    """One rep-day by the written definition: the plan is the newest version published before the
    shift start (else the first), minus removed stops; stops first appearing later are `added`; a visit
    counts against the stop of any version; the rest are off plan."""
    if not versions:
        return PlanFact(off_plan=len(visited))
    before = [v for v in versions if v.published_at < start_instant]
    start = before[-1] if before else versions[0]
    plan = set(start.account_ids) - removed
    every = {a for v in versions for a in v.account_ids}
    added = {a for v in versions if v.version > start.version for a in v.account_ids} - set(start.account_ids) - removed
    return PlanFact(
        planned=len(plan),
        done_on_plan=len(plan & visited),
        missed=len(plan - visited),
        added=len(added),
        done_added=len(added & visited),
        off_plan=len(visited - every),
    )


REPORT_FIELDS = {
    "planned": "planned",
    "done_on_plan": "done_on_plan",
    "missed": "missed",
    "added": "added",
    "done_added": "done_added",
    "off_plan": "done_off_plan",
}


class PlanVsFactRecount:
    """`GET /api/v1/reports/visits` for the day, per rep: planned = done_on_plan + missed, done =
    done_on_plan + done_added + off_plan, and each figure equal to the recount from raw visits."""

    name = "plan_vs_fact_recount"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        facts = await day_facts(sim, day)
        report = await sim.api(
            sim.supervisor, "GET", f"/api/v1/reports/visits?from={day}&to={day}&group_by=rep", expect=(200,)
        )
        if report is None:
            return ["the visits report did not answer"]
        rows = {row["key"]: row for row in report["rows"]}
        problems = []
        visited_by_rep: dict[int, set[int]] = defaultdict(set)
        for rep_id, account_id in facts.first_visits():
            visited_by_rep[rep_id].add(account_id)
        removed_by_rep: dict[int, set[int]] = defaultdict(set)
        for removal in facts.removals:
            removed_by_rep[removal.rep_id].add(removal.account_id)
        for rep in sim.reps:
            expected = recount_plan_vs_fact(
                facts.versions.get(rep.id, []),
                removed_by_rep[rep.id],
                visited_by_rep[rep.id],
                sim.at(day, rep.shift_start_s, rep.time_zone),
            )
            row = rows.get(str(rep.id))
            if row is None:
                if expected.planned or expected.done or expected.added:
                    problems.append(f"rep {rep.id}: no report row, expected {expected}")
                continue
            for ours, theirs in REPORT_FIELDS.items():
                if theirs not in row:
                    problems.append(f"rep {rep.id}: the report has no `{theirs}` figure")
                elif row[theirs] != getattr(expected, ours):
                    problems.append(f"rep {rep.id}: report {theirs} = {row[theirs]}, recount {getattr(expected, ours)}")
            identity = all(key in row for key in ("planned", "done_on_plan", "missed"))
            if identity and row["planned"] != row["done_on_plan"] + row["missed"]:
                problems.append(f"rep {rep.id}: planned {row['planned']} != done_on_plan + missed")
            if all(key in row for key in ("done", "done_on_plan", "done_added", "done_off_plan")):
                if row["done"] != row["done_on_plan"] + row["done_added"] + row["done_off_plan"]:
                    problems.append(f"rep {rep.id}: done {row['done']} != done_on_plan + done_added + done_off_plan")
                if row["done"] != len(visited_by_rep[rep.id]):
                    problems.append(
                        f"rep {rep.id}: done {row['done']} but {len(visited_by_rep[rep.id])} distinct visits"
                    )
        return problems


class CoverageRecount:
    """`GET /api/v1/reports/coverage` from the first simulated day to this one: potential, active and
    visited per territory equal the recount from the raw rows."""

    name = "coverage_recount"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        async with transaction(sim.pool, 30) as conn:
            recount = {row.code: row for row in await repository.coverage_recount(conn, sim.start, day)}
        report = await sim.api(
            sim.supervisor, "GET", f"/api/v1/reports/coverage?from={sim.start}&to={day}", expect=(200,)
        )
        if report is None:
            return ["the coverage report did not answer"]
        by_territory = {row.territory_id: row for row in recount.values()}
        problems = []
        for row in report["rows"]:
            expected = recount.get(row["key"]) or recount.get(row.get("label", "")) or _by_id(by_territory, row["key"])
            if expected is None:
                problems.append(f"territory {row['key']}: in the report, not in the recount")
                continue
            for figure in ("potential", "active", "visited"):
                if row.get(figure) != getattr(expected, figure):
                    problems.append(
                        f"territory {expected.code}: report {figure} = {row.get(figure)}, recount "
                        f"{getattr(expected, figure)}"
                    )
        return problems


def _by_id(by_territory: dict[int, Any], key: str) -> Any:
    return by_territory.get(int(key)) if key.isdigit() else None


class ApiAcceptsValidRequests:
    """Every request the simulated people sent was valid: an error answer is a defect."""

    name = "api_accepts_valid_requests"

    def __init__(self) -> None:
        self.seen = 0

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        errors = sim.figures.api_errors[self.seen :]
        self.seen = len(sim.figures.api_errors)
        return list(errors)


class RetentionWithinHorizon:
    """Idempotency keys, the sync log and notifications hold only what their horizon allows, in
    business time: the worker's timer purges them (`timer_tick`), so after a simulated 90 days the
    tables hold the last days, not the whole run."""

    name = "retention_within_horizon"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        async with transaction(sim.pool, 30) as conn:
            past = await repository.past_retention(
                conn, sim.clock.now(), sim.settings.sync_horizon_days, SYNC_PRUNE_GRACE
            )
        sim.figures.retained = (past["keys_kept"], past["sync_log_kept"])
        return [
            f"{past[table]} {label} past their retention at {sim.clock.now():%Y-%m-%d %H:%M}"
            for table, label in (
                ("keys", "idempotency keys"),
                ("sync_log", "sync log entries"),
                ("notifications", "notifications"),
            )
            if past[table]
        ]


def default_invariants() -> list[Any]:
    return [
        NoRouteOnDayOff(),
        NoAccountRoutedTwice(),
        AppointmentsPlacedOrExplained(),
        DueVisitsPlannedOrExplained(),
        PlanVsFactRecount(),
        CoverageRecount(),
        SalesRecount(),
        *funnel_invariants(),
        RetentionWithinHorizon(),
        ApiAcceptsValidRequests(),
    ]
