"""A rep's day route: gather what is due, solve off the event loop, publish a new version.

Rules (docs/architecture.md, "The day's lifecycle: rules"; the pure ones in `rules.py`):
- Calendar: no route on a day the rep does not work (weekday, public holiday, absence); a route that
  exists for such a day is withdrawn (an empty `withdrawn` version, its stops removed with the reason).
  A rep with no territory is reported (`no_territory`), not planned.
- Due: the schedule's visits of the day unless visited within the frequency's gap, visits missed on
  earlier days carried over inside their spacing window (A 2 days, B 4, C 7) with priority raised by
  20, supervisor tasks and fixed appointments of the day, visits handed over for the day. Anything
  visited on the day itself is never due that day (a task or appointment is explained `visited_today`).
- Priority: class A 80, B 60, C 40; tasks as given; appointments 100 and pinned to their time.
- Same-day: planning a day that has begun (the caller's `now`) starts from the rep's last check-in of
  the day at `now`, never from home at the shift start.
- Publishing: inputs are read in one short transaction, the matrix is fetched and the solve runs with
  no connection held, and the version is written in another transaction under the rep-day lock, only
  if the route has not changed meanwhile (else the inputs are read again). An older run never
  overwrites a newer one; the same solver input publishes nothing new; the churn cap keeps a
  published route that is still valid from being reshuffled (`rules.published_still_valid`).
- Absence: the absent rep's due visits go to the backup reps of their territories (or the
  HANDOVER_TEAM_RECEIVERS teammates living nearest), in one multi-rep solve with the receivers' own
  visits; what cannot be placed is listed with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

import routing
from backend.db.pool import ConnectionSource, transaction
from backend.planning import repository, rules
from backend.planning.matrix_cache import MatrixProvider
from backend.planning.problem_builder import (
    PlanningInputError,
    RepStart,
    build_multi_problem,
    build_problem,
    inputs_hash,
    planned_route,
)
from backend.planning.road_path import with_road_path
from backend.planning.schemas import (
    Candidate,
    DroppedVisit,
    PlannedRoute,
    PlanningRun,
    RepPlanningProfile,
    RepRunReport,
    StoredRouteHead,
)
from backend.planning.solver_pool import SolverFailed, SolverPool

log = logging.getLogger("fieldsales.planning")

CLASS_PRIORITY = {"A": 80, "B": 60, "C": 40}
CARRY_OVER_DAYS = rules.CARRY_OVER_DAYS
CARRY_OVER_BOOST = 20
APPOINTMENT_PRIORITY = 100
LOOKBACK_DAYS = 7
# Without backup reps an absence goes to this many teammates, those living nearest: a 200-rep team in
# one multi-rep solve held the request for over 10 minutes (docs/benchmarks.md, the simulator).
HANDOVER_TEAM_RECEIVERS = 5
PUBLISH_ATTEMPTS = 3
EMPTY_ROUTE_HASH = "withdrawn"


@dataclass(frozen=True)
class PlanningOptions:
    time_limit_s: float | None = None
    solution_limit: int | None = None
    # Bounded by ruin-and-recreate rounds, not time, so the same inputs give the same route
    # (80 rounds: about 0.8 s of one core for a 30-40 visit day, better than 1 s of timed search).
    iterations: int | None = 80
    churn_cap_share: float = 0.3
    acquire_timeout_s: float = 10.0


@dataclass(frozen=True)
class RepDayOutcome:
    status: str
    route_id: int | None = None
    route: PlannedRoute | None = None
    error: str | None = None


@dataclass
class DayInputs:
    """Everything one rep-day plan needs, read in one short transaction."""

    profile: RepPlanningProfile | None
    off_reason: str | None = None
    territories: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    explained: list[DroppedVisit] = field(default_factory=list)
    head: StoredRouteHead | None = None
    start_point: tuple[float, float] | None = None
    start_time_s: int | None = None


def _candidate(
    row: dict[str, Any], source: str, priority: int, due_day: dt.date, pinned: int | None = None
) -> Candidate:
    return Candidate(
        account_id=row["account_id"],
        name=row["name"],
        lat=row["lat"],
        lon=row["lon"],
        service_s=row["service_s"],
        account_class=row["account_class"],
        source=source,  # type: ignore[arg-type]
        priority=priority,
        due_day=due_day,
        pinned_start_s=pinned,
        frequency=int(row.get("frequency") or 1),
        opening=row["opening"],
    )


async def gather_candidates(
    conn: asyncpg.Connection, rep_id: int, day: dt.date
) -> tuple[list[Candidate], list[DroppedVisit]]:
    """Everything due on the rep's route for `day`, one candidate per account, and the tasks or
    appointments left out because the account was visited that day already (with that reason)."""
    since = day - dt.timedelta(days=LOOKBACK_DAYS)
    tasks = await repository.tasks_for_day(conn, rep_id, day)
    handover = await repository.handover_stops(conn, rep_id, day)
    occurrences = await repository.schedule_occurrences(conn, rep_id, since, day, day)
    recent = await repository.stops_of_recent_routes(conn, rep_id, since, day)
    account_ids = sorted({row["account_id"] for row in [*tasks, *handover, *occurrences, *recent]})
    visited = await repository.visit_days(conn, account_ids, day - dt.timedelta(days=rules.CYCLE_DAYS), day)
    removed = await repository.removed_accounts(conn, rep_id, day)
    by_account: dict[int, Candidate] = {}
    explained: list[DroppedVisit] = []
    for row in tasks:
        source = "appointment" if row["kind"] == "appointment" else "task"
        if day in visited.get(row["account_id"], set()):
            explained.append(DroppedVisit(row["account_id"], "visited_today", source))  # type: ignore[arg-type]
            continue
        if row["account_id"] in removed:
            explained.append(DroppedVisit(row["account_id"], "removed", source))  # type: ignore[arg-type]
            continue
        if source == "appointment":
            candidate = _candidate(row, source, APPOINTMENT_PRIORITY, day, row["start_s"])
        else:
            candidate = _candidate(row, source, int(row["priority"]), day)
        by_account.setdefault(candidate.account_id, candidate)
    for row in handover:
        if day not in visited.get(row["account_id"], set()):
            by_account.setdefault(row["account_id"], _candidate(row, "handover", int(row["priority"]), row["due_day"]))
    carried: list[dict[str, Any]] = [row for row in occurrences if row["due_day"] < day] + recent
    for row in occurrences:
        if row["due_day"] != day:
            continue
        if rules.due_by_frequency(day, visited.get(row["account_id"], set()), int(row["frequency"] or 1)):
            by_account.setdefault(
                row["account_id"], _candidate(row, "schedule", CLASS_PRIORITY.get(row["account_class"], 40), day)
            )
    for row in sorted(carried, key=lambda r: (r["account_id"], r["due_day"])):
        account_id = row["account_id"]
        due_day: dt.date = row["due_day"]
        if not rules.carried_over_due(day, due_day, row["account_class"], visited.get(account_id, set())):
            continue
        boosted = min(100, CLASS_PRIORITY.get(row["account_class"], 40) + CARRY_OVER_BOOST)
        existing = by_account.get(account_id)
        if existing is None:
            by_account[account_id] = _candidate(row, "carried_over", boosted, due_day)
        elif existing.source == "schedule":
            by_account[account_id] = msgspec.structs.replace(
                existing, source="carried_over", priority=max(existing.priority, boosted), due_day=due_day
            )
    return [by_account[key] for key in sorted(by_account) if key not in removed], explained


def local_seconds(now: dt.datetime, time_zone: str) -> tuple[dt.date, int]:
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    return local.date(), local.hour * 3600 + local.minute * 60 + local.second


async def day_off(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> str | None:
    """Why the rep does not work `day` ("weekend", "holiday", "absence"), or None when they do (or
    have no field profile)."""
    profile = await repository.rep_profile(conn, rep_id)
    if profile is None:
        return None
    calendar = await repository.day_calendar(conn, rep_id, day)
    return rules.day_off_reason(day, profile.working_days, calendar.holiday, calendar.absent)


async def read_day_inputs(conn: asyncpg.Connection, rep_id: int, day: dt.date, now: dt.datetime | None) -> DayInputs:
    profile = await repository.rep_profile(conn, rep_id)
    if profile is None:
        return DayInputs(profile=None)
    calendar = await repository.day_calendar(conn, rep_id, day)
    inputs = DayInputs(
        profile=profile,
        off_reason=rules.day_off_reason(day, profile.working_days, calendar.holiday, calendar.absent),
        territories=calendar.territories,
        head=await repository.newest_route_head(conn, rep_id, day),
    )
    if inputs.off_reason is not None or inputs.territories == 0:
        return inputs
    inputs.candidates, inputs.explained = await gather_candidates(conn, rep_id, day)
    if now is not None:
        local_day, now_s = local_seconds(now, profile.time_zone)
        if local_day == day and now_s > profile.shift_start_s:
            # The day has begun: plan what is left of it from where the rep last checked in.
            inputs.start_time_s = now_s
            last = await repository.last_check_in(conn, rep_id, day)
            if last is not None:
                inputs.start_point = (last.lat, last.lon)
    return inputs


async def plan_rep_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    day: dt.date,
    *,
    run_id: int | None,
    options: PlanningOptions,
    now: dt.datetime | None = None,
) -> RepDayOutcome:
    """Plan and publish one rep's route for `day`; never raises for the rep's own bad data. Anything
    else that fails is recorded as the rep's failure in the run (with its error) before it is raised, so a
    run never stays queued after its job is gone.

    `now` is the business time (the clock's): it stamps the version and, on the day itself, is where
    the plan starts. Without it, wall time stamps the version and the plan starts at the shift start.
    """
    try:
        return await _plan_rep_day(source, solver, provider, rep_id, day, run_id=run_id, options=options, now=now)
    except Exception as exc:
        if run_id is not None:
            await record_rep_day_failure(
                source, run_id, rep_id, f"{type(exc).__name__}: {exc}", acquire_timeout_s=options.acquire_timeout_s
            )
        raise


async def _plan_rep_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    day: dt.date,
    *,
    run_id: int | None,
    options: PlanningOptions,
    now: dt.datetime | None,
) -> RepDayOutcome:
    started = time.perf_counter()
    if run_id is not None:
        async with transaction(source, options.acquire_timeout_s) as conn:
            await repository.start_run_rep(conn, run_id, rep_id)
    outcome = RepDayOutcome("superseded", error="the route kept changing while planning")
    for _ in range(PUBLISH_ATTEMPTS):
        async with transaction(source, options.acquire_timeout_s) as conn:
            inputs = await read_day_inputs(conn, rep_id, day, now)
        if inputs.off_reason == "absence":
            outcome = await _absence_outcome(source, solver, provider, rep_id, day, _stamp(now), options)
            break
        attempt = await _plan_from_inputs(source, solver, provider, inputs, rep_id, day, run_id, options, now)
        if attempt is not None:
            outcome = attempt
            break
    if run_id is not None:
        async with transaction(source, options.acquire_timeout_s) as conn:
            await repository.finish_run_rep(
                conn,
                run_id,
                rep_id,
                outcome.status,
                visits_planned=None if outcome.route is None else len(outcome.route.stops),
                dropped=None if outcome.route is None else outcome.route.dropped,
                solve_s=time.perf_counter() - started if outcome.route is not None else None,
                route_id=outcome.route_id,
                error=outcome.error,
            )
    return outcome


async def record_rep_day_failure(
    source: ConnectionSource, run_id: int, rep_id: int, error: str, *, acquire_timeout_s: float = 10.0
) -> None:
    """A job that failed outside the rules (a bug, a value the database refused) is recorded as the
    rep's failure in its run, so the run finishes with its error instead of staying queued."""
    async with transaction(source, acquire_timeout_s) as conn:
        await repository.finish_run_rep(conn, run_id, rep_id, "failed", error=error[:2000])


async def _absence_outcome(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    day: dt.date,
    now: dt.datetime,
    options: PlanningOptions,
) -> RepDayOutcome:
    try:
        report = await hand_over_day(source, solver, provider, rep_id, day, now, options)
    except (PlanningInputError, SolverFailed) as exc:
        return RepDayOutcome("failed", error=f"absence hand-over: {exc}")
    taken = sum(len(receiver.account_ids) for receiver in report.receivers)
    status = "withdrawn" if report.withdrawn_route_id is not None else "day_off"
    return RepDayOutcome(
        status,
        report.withdrawn_route_id,
        error=f"absence: {taken} visits handed over, {len(report.unplaced)} could not be placed",
    )


def _stamp(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


async def _plan_from_inputs(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    inputs: DayInputs,
    rep_id: int,
    day: dt.date,
    run_id: int | None,
    options: PlanningOptions,
    now: dt.datetime | None,
) -> RepDayOutcome | None:
    """One attempt; None when the route changed between reading the inputs and publishing."""
    profile = inputs.profile
    if profile is None:
        return RepDayOutcome("failed", error="not an active rep with a rep profile")
    if inputs.off_reason is not None:
        return await _withdraw_if_published(source, inputs, rep_id, day, run_id, options, now)
    if inputs.territories == 0:
        return RepDayOutcome("no_territory", error="the rep owns or backs up no territory: nothing is planned")
    try:
        problem, kept, dropped = await build_problem(
            profile,
            inputs.candidates,
            provider,
            time_limit_s=options.time_limit_s,
            seed=rep_id,
            start_point=inputs.start_point,
            start_time_s=inputs.start_time_s,
        )
        digest = inputs_hash(problem)
        # The same inputs keep the published route without solving again: a rerun of the night is
        # idempotent and cheap, and "same inputs, same route" holds whatever bounds the search.
        if inputs.head is not None and inputs.head.inputs_hash == digest:
            return RepDayOutcome("unchanged", inputs.head.id)
        params = routing.SolveParams(
            time_limit_s=options.time_limit_s,
            solution_limit=options.solution_limit,
            iterations=options.iterations,
            seed=problem.seed or 0,
        )
        solution = await solver.solve(problem, params)
    except (PlanningInputError, SolverFailed) as exc:
        log.warning("planning rep %s for %s failed: %s", rep_id, day, exc, extra={"rep_id": rep_id, "day": day})
        return RepDayOutcome("failed", error=str(exc))
    except Exception as exc:
        # Not a known refusal: the traceback is what an operator needs to find the cause.
        log.exception("planning rep %s for %s failed", rep_id, day, extra={"rep_id": rep_id, "day": day})
        return RepDayOutcome("failed", error=f"{type(exc).__name__}: {exc}")
    route = planned_route(solution, kept, [*dropped, *inputs.explained], depart_at_s=inputs.start_time_s)
    route = await _drawn(route, provider, profile, inputs.start_point, kept)
    async with transaction(source, options.acquire_timeout_s) as conn:
        await repository.lock_rep_day(conn, rep_id, day)
        head = await repository.newest_route_head(conn, rep_id, day)
        if head is not None and run_id is not None and head.run_id is not None and head.run_id > run_id:
            return RepDayOutcome("superseded", head.id, route)
        if _version(head) != _version(inputs.head):
            return None
        if head is not None:
            if head.inputs_hash == digest:
                return RepDayOutcome("unchanged", head.id, route)
            if head.kind in ("nightly", "handover") and run_id is not None:
                capped = await _churn_capped(conn, head, inputs.candidates, route, options.churn_cap_share)
                if capped is not None:
                    return RepDayOutcome("churn_capped", head.id, route, error=capped)
        version = 1 if head is None else head.version + 1
        route_id = await repository.insert_route(
            conn, rep_id, day, version, "nightly", run_id, digest, route, _stamp(now)
        )
    return RepDayOutcome("planned", route_id, route)


async def _drawn(
    route: PlannedRoute,
    provider: MatrixProvider,
    profile: RepPlanningProfile,
    start_point: tuple[float, float] | None,
    kept: list[Candidate],
) -> PlannedRoute:
    """The route with its road line (a road engine's drawing for the map), from where it starts to home."""
    if profile.home_lat is None or profile.home_lon is None:
        return route
    home = (profile.home_lat, profile.home_lon)
    return await with_road_path(route, provider, start_point or home, home, kept, profile.travel_mode)


def _version(head: StoredRouteHead | None) -> int:
    return 0 if head is None else head.version


async def _churn_capped(
    conn: asyncpg.Connection,
    head: StoredRouteHead,
    candidates: list[Candidate],
    route: PlannedRoute,
    cap: float,
) -> str | None:
    """Why the published route stays, or None: only a still-valid route is protected, and only
    from reshuffling (rules.published_still_valid, rules.reshuffle_share)."""
    published = await repository.route_account_ids(conn, head.id)
    planned = [stop.account_id for stop in route.stops]
    due = {candidate.account_id for candidate in candidates}
    required = {c.account_id for c in candidates if c.source in ("appointment", "task")}
    if not rules.published_still_valid(published, due, required, set(planned)):
        return None
    share = rules.reshuffle_share(published, planned)
    if share <= cap:
        return None
    return (
        f"the new plan would reshuffle {share:.0%} of the published visits (cap {cap:.0%}); the published route stays"
    )


async def _withdraw_if_published(
    source: ConnectionSource,
    inputs: DayInputs,
    rep_id: int,
    day: dt.date,
    run_id: int | None,
    options: PlanningOptions,
    now: dt.datetime | None,
) -> RepDayOutcome | None:
    reason = inputs.off_reason or "day_off"
    if inputs.head is None or inputs.head.kind == "withdrawn":
        return RepDayOutcome("day_off", None if inputs.head is None else inputs.head.id, error=f"no route: {reason}")
    async with transaction(source, options.acquire_timeout_s) as conn:
        await repository.lock_rep_day(conn, rep_id, day)
        head = await repository.newest_route_head(conn, rep_id, day)
        if _version(head) != _version(inputs.head):
            return None
        route_id = await withdraw_route(conn, rep_id, day, reason, run_id, _stamp(now), removed_by=None)
    return RepDayOutcome("withdrawn", route_id, error=f"route withdrawn: {reason}")


async def withdraw_route(
    conn: asyncpg.Connection,
    rep_id: int,
    day: dt.date,
    reason: str,
    run_id: int | None,
    now: dt.datetime,
    *,
    removed_by: int | None,
    unassigned: list[DroppedVisit] | None = None,
) -> int | None:
    """Publish an empty `withdrawn` version of the rep-day (caller holds the rep-day lock); the stops
    not visited yet are removed from the day's plan with `reason`. None when there is no route."""
    head = await repository.newest_route_head(conn, rep_id, day)
    if head is None and not unassigned:
        return None
    if head is not None and head.kind == "withdrawn" and not unassigned:
        return head.id
    stops = [] if head is None else await repository.route_account_ids(conn, head.id)
    visited = await repository.visit_days(conn, stops, day, day)
    for account_id in stops:
        if day not in visited.get(account_id, set()):
            await repository.insert_removal(conn, rep_id, day, account_id, reason, removed_by, now)
    empty = PlannedRoute(
        stops=[], breaks=[], dropped=unassigned or [], start_s=0, end_s=0, travel_s=0, distance_m=0.0, solve_s=0.0
    )
    version = 1 if head is None else head.version + 1
    return await repository.insert_route(
        conn, rep_id, day, version, "withdrawn", run_id, f"{EMPTY_ROUTE_HASH}:{reason}", empty, now
    )


# --- re-plan from where the rep stands -------------------------------------------------------------


@dataclass(frozen=True)
class ReplanInputs:
    profile: RepPlanningProfile
    head: StoredRouteHead
    candidates: list[Candidate]
    explained: list[DroppedVisit]


async def read_replan_inputs(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> ReplanInputs:
    """The due set of the day as it stands (what is left on the route, tasks and appointments added
    since, due visits dropped earlier), without what was visited today."""
    head = await repository.newest_route_head(conn, rep_id, day)
    if head is None or head.kind == "withdrawn":
        raise PlanningInputError(f"no published route for {day} to re-plan")
    profile = await repository.rep_profile(conn, rep_id)
    if profile is None:
        raise PlanningInputError("not an active rep with a rep profile")
    candidates, explained = await gather_candidates(conn, rep_id, day)
    by_account = {candidate.account_id: candidate for candidate in candidates}
    on_route = await repository.stops_for_replan(conn, head.id, day)
    visited = await repository.visit_days(conn, [row["account_id"] for row in on_route], day, day)
    removed = await repository.removed_accounts(conn, rep_id, day)
    for row in on_route:
        account_id = row["account_id"]
        if account_id in by_account or account_id in removed or day in visited.get(account_id, set()):
            continue
        by_account[row["account_id"]] = _candidate(
            row, row["source"], int(row["priority"]), row["due_day"], row["pinned_start_s"]
        )
    return ReplanInputs(profile, head, [by_account[key] for key in sorted(by_account)], explained)


async def replan_rep_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    rep_id: int,
    day: dt.date,
    position: tuple[float, float],
    now_s: int,
    now: dt.datetime,
    *,
    time_limit_s: float,
    acquire_timeout_s: float,
) -> int | None:
    """Re-plan the rest of the day from `position` at `now_s`; the new route id, or None when the
    route changed meanwhile (the caller answers 409). No connection is held while the matrix is
    fetched and the solver runs. Raises `PlanningInputError` when there is nothing to re-plan."""
    async with transaction(source, acquire_timeout_s) as conn:
        inputs = await read_replan_inputs(conn, rep_id, day)
    # An appointment whose time has passed cannot be kept; it is reported, not silently moved.
    passed = [c for c in inputs.candidates if c.pinned_start_s is not None and c.pinned_start_s < now_s]
    problem, kept, dropped = await build_problem(
        inputs.profile,
        [c for c in inputs.candidates if c not in passed],
        provider,
        time_limit_s=time_limit_s,
        seed=rep_id,
        start_point=position,
        start_time_s=now_s,
    )
    dropped += [DroppedVisit(c.account_id, "appointment_passed", c.source) for c in passed]
    try:
        solution = await solver.solve(problem, routing.SolveParams(time_limit_s=time_limit_s, seed=problem.seed or 0))
    except SolverFailed as exc:
        raise PlanningInputError(str(exc)) from exc
    route = planned_route(solution, kept, [*dropped, *inputs.explained], depart_at_s=now_s)
    route = await _drawn(route, provider, inputs.profile, position, kept)
    async with transaction(source, acquire_timeout_s) as conn:
        await repository.lock_rep_day(conn, rep_id, day)
        head = await repository.newest_route_head(conn, rep_id, day)
        if head is None or head.id != inputs.head.id:
            return None
        return await repository.insert_route(
            conn, rep_id, day, head.version + 1, "replan", None, inputs_hash(problem), route, now
        )


# --- an absent rep's day handed over ---------------------------------------------------------------


class HandedOver(msgspec.Struct, frozen=True):
    rep_id: int
    route_id: int
    account_ids: list[int]


class HandoverReport(msgspec.Struct, frozen=True):
    day: dt.date
    absent_rep_id: int
    withdrawn_route_id: int | None
    receivers: list[HandedOver]
    # Visits of the absent rep that no receiver could take, with the reason.
    unplaced: list[DroppedVisit]


async def hand_over_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: MatrixProvider,
    absent_rep_id: int,
    day: dt.date,
    now: dt.datetime,
    options: PlanningOptions,
) -> HandoverReport:
    """Give an absent rep's due visits of `day` to the backup reps (or the team), re-optimised with
    the receivers' own visits in one multi-rep solve, and withdraw the absent rep's route."""
    async with transaction(source, options.acquire_timeout_s) as conn:
        absent_candidates, _ = await gather_candidates(conn, absent_rep_id, day)
        receivers: list[tuple[DayInputs, int]] = []
        for rep_id in await repository.handover_receivers(conn, absent_rep_id, day, HANDOVER_TEAM_RECEIVERS):
            inputs = await read_day_inputs(conn, rep_id, day, now)
            if inputs.profile is not None and inputs.off_reason is None and inputs.profile.home_lat is not None:
                receivers.append((inputs, rep_id))
    unplaced: list[DroppedVisit] = []
    handed: dict[int, list[int]] = {}
    solution: routing.Solution | None = None
    kept: list[Candidate] = []
    digest = ""
    giving = [
        msgspec.structs.replace(c, source="handover") if c.pinned_start_s is None else c for c in absent_candidates
    ]
    if receivers and giving:
        reps = [
            RepStart(inputs.profile, inputs.start_point, inputs.start_time_s)
            for inputs, _ in receivers
            if inputs.profile
        ]
        pairs: list[tuple[Candidate, list[int] | None]] = []
        own: set[int] = set()
        for inputs, rep_id in receivers:
            for candidate in inputs.candidates:
                if candidate.account_id not in own:
                    own.add(candidate.account_id)
                    pairs.append((candidate, [rep_id]))
        pairs += [(candidate, None) for candidate in giving if candidate.account_id not in own]
        problem, kept, dropped = await build_multi_problem(
            reps, pairs, provider, time_limit_s=options.time_limit_s, seed=absent_rep_id
        )
        digest = inputs_hash(problem)
        solution = await solver.solve(
            problem,
            routing.SolveParams(
                time_limit_s=options.time_limit_s, iterations=options.iterations, seed=problem.seed or 0
            ),
        )
        giving_ids = {c.account_id for c in giving}
        unplaced += [d for d in dropped if d.account_id in giving_ids]
        unplaced += [
            DroppedVisit(int(item.visit.removeprefix("account-")), item.reason, "handover")
            for item in solution.unassigned
            if int(item.visit.removeprefix("account-")) in giving_ids
        ]
    elif giving:
        unplaced = [DroppedVisit(c.account_id, "no_receiver", c.source) for c in giving]
    report_receivers: list[HandedOver] = []
    # Each receiver's new route (with its road line) before the transaction: no connection is held
    # while the road engine draws.
    taking: list[tuple[int, PlannedRoute, list[int]]] = []
    if solution is not None:
        giving_ids = {c.account_id for c in giving}
        for inputs, rep_id in receivers:
            assert inputs.profile is not None
            route = planned_route(solution, kept, [], rep_email=inputs.profile.email, depart_at_s=inputs.start_time_s)
            route = msgspec.structs.replace(route, dropped=[])
            taken = [stop.account_id for stop in route.stops if stop.account_id in giving_ids]
            if taken:
                route = await _drawn(route, provider, inputs.profile, inputs.start_point, kept)
                taking.append((rep_id, route, taken))
    async with transaction(source, options.acquire_timeout_s) as conn:
        for rep_id in sorted([absent_rep_id, *[rep_id for _, rep_id in receivers]]):
            await repository.lock_rep_day(conn, rep_id, day)
        if solution is not None:
            for rep_id, route, taken in taking:
                head = await repository.newest_route_head(conn, rep_id, day)
                version = 1 if head is None else head.version + 1
                route_id = await repository.insert_route(
                    conn, rep_id, day, version, "handover", None, f"{digest}:{rep_id}", route, now
                )
                handed[rep_id] = taken
                report_receivers.append(HandedOver(rep_id, route_id, taken))
        notes = [
            DroppedVisit(account_id, f"handed_over_to:{rep_id}", "handover")
            for rep_id, taken in handed.items()
            for account_id in taken
        ]
        absent_head = await repository.newest_route_head(conn, absent_rep_id, day)
        withdrawn: int | None = None if absent_head is None else absent_head.id
        # A re-run with nothing new to hand over publishes nothing (the night's run is idempotent).
        if absent_head is None or absent_head.kind != "withdrawn" or report_receivers:
            withdrawn = await withdraw_route(
                conn, absent_rep_id, day, "absence", None, now, removed_by=None, unassigned=[*notes, *unplaced]
            )
    return HandoverReport(day, absent_rep_id, withdrawn, report_receivers, unplaced)


# --- a supervisor takes a stop off the day ----------------------------------------------------------


async def remove_stop(
    conn: asyncpg.Connection,
    rep_id: int,
    day: dt.date,
    account_id: int,
    reason: str,
    removed_by: int,
    now: dt.datetime,
) -> int:
    """Take an account off the rep's plan of `day` with a reason: a new version without the stop,
    and the removal recorded (plan vs fact subtracts it; no later plan of the day brings it back).
    Raises `PlanningInputError` when the route does not hold that stop."""
    await repository.lock_rep_day(conn, rep_id, day)
    head = await repository.newest_route_head(conn, rep_id, day)
    if head is None or head.kind == "withdrawn":
        raise PlanningInputError(f"no published route for {day}")
    if account_id not in await repository.route_account_ids(conn, head.id):
        raise PlanningInputError(f"account {account_id} is not a stop of the route of {day}")
    await repository.insert_removal(conn, rep_id, day, account_id, reason, removed_by, now)
    return await repository.copy_route_without(conn, head.id, head.version + 1, account_id, now)


async def run_report(conn: asyncpg.Connection, run_id: int, role: str, user_id: int) -> PlanningRun | None:
    """A planning run with the rows of the reps the caller may see; None when there is no such run."""
    run = await repository.get_run(conn, run_id)
    if run is None:
        return None
    reps = await repository.run_reps(conn, run_id, role, user_id)
    finished = [rep for rep in reps if rep.status not in ("queued", "running")]
    return PlanningRun(
        id=run["id"],
        day=run["day"],
        trigger=run["trigger"],
        status=run["status"],
        created_at=run["created_at"],
        finished_at=run["finished_at"],
        reps_total=len(reps),
        reps_finished=len(finished),
        reps_failed=sum(1 for rep in reps if rep.status == "failed"),
        reps=reps,
    )


async def withdraw_day(
    conn: asyncpg.Connection, rep_id: int, day: dt.date, reason: str, now: dt.datetime
) -> int | None:
    """Withdraw the rep's route of `day` (a holiday declared after it was published)."""
    await repository.lock_rep_day(conn, rep_id, day)
    return await withdraw_route(conn, rep_id, day, reason, None, now, removed_by=None)


# Read by other features (demo, routes), which never import this feature's repository.


async def plannable_rep_ids(conn: asyncpg.Connection) -> list[int]:
    """Active reps with a planning profile."""
    return await repository.plannable_rep_ids(conn)


async def run_with_reps(
    conn: asyncpg.Connection, run_id: int, role: str, user_id: int
) -> tuple[dict[str, Any] | None, list[RepRunReport]]:
    """A planning run and its reps the caller may read (visible_rep_ids)."""
    return await repository.get_run(conn, run_id), await repository.run_reps(conn, run_id, role, user_id)
