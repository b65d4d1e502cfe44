"""A rep's day route: gather what is due, solve off the event loop, publish a new version.

Rules (also in docs/architecture.md):
- Due: the visits of the rep's newest schedule for the day, supervisor tasks and fixed
  appointments of the day, and visits missed on earlier routes carried over while still inside their
  spacing window (A 2 days, B 4, C 7 after the day they were due) with priority raised by 20.
- Priority: class A 80, B 60, C 40; tasks as given; appointments 100 and pinned to their time.
- Publishing: an older run never overwrites a newer one (writers of one rep-day are serialised by an
  advisory lock and compare run ids); the same solver input publishes nothing new (idempotent rerun);
  a nightly re-plan that would move more than `churn_cap_share` of an already-published route's
  visits (dropped, or at another position) keeps the published route and reports `churn_capped`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import asyncpg
import msgspec

import routing
from backend.db.pool import ConnectionSource, transaction
from backend.planning import repository
from backend.planning.problem_builder import (
    PlanningInputError,
    build_problem,
    inputs_hash,
    planned_route,
)
from backend.planning.schemas import (
    Candidate,
    DroppedVisit,
    DueAccount,
    PlannedRoute,
    RepPlanningProfile,
    RepRunReport,
    RunHead,
    StopSource,
)
from backend.planning.solver_pool import SolverFailed, SolverPool
from routing.matrix import TravelMatrixProvider

log = logging.getLogger("fieldsales.planning")

CLASS_PRIORITY = {"A": 80, "B": 60, "C": 40}
CARRY_OVER_DAYS = {"A": 2, "B": 4, "C": 7}
CARRY_OVER_BOOST = 20
APPOINTMENT_PRIORITY = 100
LOOKBACK_DAYS = 7


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


def _candidate(
    row: DueAccount, source: StopSource, priority: int, due_day: dt.date, pinned: int | None = None
) -> Candidate:
    account = {field: getattr(row, field) for field in DueAccount.__struct_fields__}
    return Candidate(**account, source=source, priority=priority, due_day=due_day, pinned_start_s=pinned)


async def gather_candidates(conn: asyncpg.Connection, rep_id: int, day: dt.date) -> list[Candidate]:
    """Everything that may go on the rep's route for `day`, one candidate per account."""
    by_account: dict[int, Candidate] = {}
    for task in await repository.tasks_for_day(conn, rep_id, day):
        if task.kind == "appointment":
            candidate = _candidate(task, "appointment", APPOINTMENT_PRIORITY, day, task.start_s)
        else:
            candidate = _candidate(task, "task", task.priority, day)
        by_account.setdefault(candidate.account_id, candidate)
    for due in await repository.due_from_schedule(conn, rep_id, day):
        by_account.setdefault(
            due.account_id, _candidate(due, "schedule", CLASS_PRIORITY.get(due.account_class, 40), day)
        )
    recent = await repository.stops_of_recent_routes(conn, rep_id, day - dt.timedelta(days=LOOKBACK_DAYS), day)
    if recent:
        earliest = min(stop.due_day for stop in recent)
        done = await repository.completed_visit_days(conn, rep_id, earliest, day)
        for stop in recent:
            account_id = stop.account_id
            due_day = stop.due_day
            if _done_since(done, account_id, due_day):
                continue
            if (day - due_day).days > CARRY_OVER_DAYS.get(stop.account_class, 2):
                continue
            boosted = min(100, CLASS_PRIORITY.get(stop.account_class, 40) + CARRY_OVER_BOOST)
            existing = by_account.get(account_id)
            if existing is None:
                by_account[account_id] = _candidate(stop, "carried_over", boosted, due_day)
            elif existing.source == "schedule":
                by_account[account_id] = msgspec.structs.replace(
                    existing, source="carried_over", priority=max(existing.priority, boosted), due_day=due_day
                )
    return [by_account[key] for key in sorted(by_account)]


def _done_since(done: dict[int, set[dt.date]], account_id: int, due_day: dt.date) -> bool:
    return any(visit_day >= due_day for visit_day in done.get(account_id, set()))


def churn_share(published: list[int], planned: list[int]) -> float:
    """Share of the published route's visits that the new plan drops or puts at another position."""
    if not published:
        return 0.0
    position = {account_id: index for index, account_id in enumerate(planned)}
    moved = sum(1 for index, account_id in enumerate(published) if position.get(account_id) != index)
    return moved / len(published)


async def plan_rep_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: TravelMatrixProvider,
    rep_id: int,
    day: dt.date,
    *,
    run_id: int | None,
    options: PlanningOptions,
) -> RepDayOutcome:
    """Plan and publish one rep's route for `day`; never raises for the rep's own bad data. Anything
    else that fails is recorded as the rep's failure in the run (with its error) before it is raised, so a
    run never stays queued after its job is gone."""
    try:
        return await _plan_rep_day(source, solver, provider, rep_id, day, run_id=run_id, options=options)
    except Exception as exc:
        if run_id is not None:
            await record_rep_day_failure(
                source, run_id, rep_id, f"{type(exc).__name__}: {exc}", acquire_timeout_s=options.acquire_timeout_s
            )
        raise


async def _plan_rep_day(
    source: ConnectionSource,
    solver: SolverPool,
    provider: TravelMatrixProvider,
    rep_id: int,
    day: dt.date,
    *,
    run_id: int | None,
    options: PlanningOptions,
) -> RepDayOutcome:
    started = time.perf_counter()
    async with transaction(source, options.acquire_timeout_s) as conn:
        if run_id is not None:
            await repository.start_run_rep(conn, run_id, rep_id)
        profile = await repository.rep_profile(conn, rep_id)
        candidates = [] if profile is None else await gather_candidates(conn, rep_id, day)
    outcome = await _solve_and_publish(source, solver, provider, profile, candidates, rep_id, day, run_id, options)
    async with transaction(source, options.acquire_timeout_s) as conn:
        if run_id is not None:
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


async def _solve_and_publish(
    source: ConnectionSource,
    solver: SolverPool,
    provider: TravelMatrixProvider,
    profile: RepPlanningProfile | None,
    candidates: list[Candidate],
    rep_id: int,
    day: dt.date,
    run_id: int | None,
    options: PlanningOptions,
) -> RepDayOutcome:
    if profile is None:
        return RepDayOutcome("failed", error="not an active rep with a rep profile")
    try:
        problem, kept, dropped = build_problem(
            profile, candidates, provider, time_limit_s=options.time_limit_s, seed=rep_id
        )
        digest = inputs_hash(problem)
        # The same inputs keep the published route without solving again: a rerun of the night is
        # idempotent and cheap, and "same inputs, same route" holds whatever bounds the search.
        async with transaction(source, options.acquire_timeout_s) as conn:
            head = await repository.newest_route_head(conn, rep_id, day)
        if head is not None and head.inputs_hash == digest:
            return RepDayOutcome("unchanged", head.id)
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
    route = planned_route(solution, kept, dropped)
    async with transaction(source, options.acquire_timeout_s) as conn:
        await repository.lock_rep_day(conn, rep_id, day)
        head = await repository.newest_route_head(conn, rep_id, day)
        if head is not None:
            if run_id is not None and head.run_id is not None and head.run_id > run_id:
                return RepDayOutcome("superseded", head.id, route)
            if head.inputs_hash == digest:
                return RepDayOutcome("unchanged", head.id, route)
            if head.kind == "nightly" and run_id is not None:
                published = await repository.route_account_ids(conn, head.id)
                share = churn_share(published, [stop.account_id for stop in route.stops])
                if share > options.churn_cap_share:
                    return RepDayOutcome(
                        "churn_capped",
                        head.id,
                        route,
                        error=f"the new plan would move {share:.0%} of the published visits "
                        f"(cap {options.churn_cap_share:.0%}); the published route stays",
                    )
        version = 1 if head is None else head.version + 1
        route_id = await repository.insert_route(conn, rep_id, day, version, "nightly", run_id, digest, route)
    return RepDayOutcome("planned", route_id, route)


async def replan_from_position(
    conn: asyncpg.Connection,
    solver: SolverPool,
    provider: TravelMatrixProvider,
    rep_id: int,
    day: dt.date,
    position: tuple[float, float],
    now_s: int,
    time_limit_s: float,
) -> int:
    """Re-sequence the visits not yet done from where the rep stands; returns the new route id.

    Visits done today are frozen (left out), fixed appointments keep their time. Raises
    `PlanningInputError` when there is no route to re-plan or no time left.
    """
    await repository.lock_rep_day(conn, rep_id, day)
    head = await repository.newest_route_head(conn, rep_id, day)
    if head is None:
        raise PlanningInputError(f"no published route for {day} to re-plan")
    profile = await repository.rep_profile(conn, rep_id)
    if profile is None:
        raise PlanningInputError("not an active rep with a rep profile")
    done = await repository.completed_visit_days(conn, rep_id, day, day + dt.timedelta(days=1))
    remaining = [
        stop for stop in await repository.stops_for_replan(conn, head.id, day) if stop.account_id not in done
    ]
    # Appointments already past cannot be kept; they are reported, not silently moved.
    problem, kept, dropped = build_problem(
        profile,
        [c for c in remaining if c.pinned_start_s is None or c.pinned_start_s >= now_s],
        provider,
        time_limit_s=time_limit_s,
        seed=rep_id,
        start_point=position,
        start_time_s=now_s,
    )
    dropped += [
        DroppedVisit(c.account_id, "appointment_passed", c.source)
        for c in remaining
        if c.pinned_start_s is not None and c.pinned_start_s < now_s
    ]
    solution = await solver.solve(problem, routing.SolveParams(time_limit_s=time_limit_s, seed=problem.seed or 0))
    route = planned_route(solution, kept, dropped)
    log.info("re-planned rep %s for %s from their position", rep_id, day, extra={"rep_id": rep_id, "day": day})
    return await repository.insert_route(
        conn, rep_id, day, head.version + 1, "replan", None, inputs_hash(problem), route
    )


# Read by other features (demo, routes), which never import this feature's repository.


async def plannable_rep_ids(conn: asyncpg.Connection) -> list[int]:
    """Active reps with a planning profile."""
    return await repository.plannable_rep_ids(conn)


async def run_with_reps(
    conn: asyncpg.Connection, run_id: int, role: str, user_id: int
) -> tuple[RunHead | None, list[RepRunReport]]:
    """A planning run and its reps the caller may read (visible_rep_ids)."""
    return await repository.get_run(conn, run_id), await repository.run_reps(conn, run_id, role, user_id)
