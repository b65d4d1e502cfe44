"""Assembling a simulation (database, city, hooks, invariants) and its summary."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import msgspec

from backend.catalogue.demo import DEMO_CATALOGUE_SEED, build_demo_catalogue, load_demo_catalogue
from backend.db.migrate import migrate
from backend.db.pool import connect, transaction
from backend.demo.service import DEMO_PASSWORD, create_demo_segments, database_is_empty, load_demo_city
from backend.jobs.nightly import install_queue
from backend.settings import Settings
from backend.simulation import repository
from backend.simulation.behaviour import (
    Appointments,
    Behaviour,
    ChecklistTemplate,
    ImportOutlets,
    JourneyPlans,
    PublicHoliday,
    RepsWorkTheirRoutes,
    Scenario,
    SickRep,
    UrgentTasks,
    default_scenario,
)
from backend.simulation.engine import Hook, Invariant, Simulation, Violation
from backend.simulation.funnel import PipelineWork, WorkerDuties, books
from backend.simulation.history import generate_history, history_first_day
from backend.simulation.invariants import default_invariants, recount_plan_vs_fact
from backend.simulation.prospecting import LeadsByHunters
from backend.simulation.sales import OfficeMovesOrders, OrdersInVisits, ledger
from geo_data.demo_city import DemoCity


@dataclass(frozen=True)
class Summary:
    days: int
    rep_days_routed: int
    visits: int
    visits_per_rep_day: float
    planned: int
    done_on_plan: int
    adherence: float | None
    travel_km_per_rep_day: float
    travel_h_per_rep_day: float
    route_versions: int
    mean_churn_between_versions: float | None
    replans: int
    nightly_s: float
    nightly_s_per_rep_job: float | None
    invariants_checked: int
    violations: int
    wall_s: float
    behaviour: dict[str, int]
    phase_s: dict[str, float]

    def lines(self) -> list[str]:
        adherence = "n/a" if self.adherence is None else f"{self.adherence:.1%}"
        churn = "n/a" if self.mean_churn_between_versions is None else f"{self.mean_churn_between_versions:.1%}"
        per_job = "n/a" if self.nightly_s_per_rep_job is None else f"{self.nightly_s_per_rep_job:.2f} s"
        return [
            f"days simulated: {self.days}; rep-days with a route: {self.rep_days_routed}",
            f"visits: {self.visits} ({self.visits_per_rep_day:.1f} per rep-day)",
            f"adherence: {self.done_on_plan} of {self.planned} planned stops done ({adherence})",
            f"planned travel per rep-day: {self.travel_km_per_rep_day:.1f} km, {self.travel_h_per_rep_day:.2f} h",
            f"route versions: {self.route_versions}; re-plans: {self.replans}; "
            f"churn between consecutive versions: {churn} of the stops moved or dropped",
            f"nightly runs: {self.nightly_s:.0f} s in all, {per_job} per rep-day planned (timer and worker included)",
            "behaviour: " + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in self.behaviour.items()),
            "wall time by phase: " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in self.phase_s.items()),
            f"invariant checks: {self.invariants_checked}; violations: {self.violations}",
            f"wall time: {self.wall_s:.0f} s",
        ]


# The demo catalogue's price lists start here in a simulated database (before any simulated day).
CATALOGUE_FROM = dt.date(2020, 1, 1)


async def prepare_database(settings: Settings, city: DemoCity | None, password: str = DEMO_PASSWORD) -> bool:
    """Migrate; load `city` and the demo catalogue (so the simulated reps take orders) when the
    database has no users. True when the city was loaded."""
    conn = await connect(settings)
    try:
        await migrate(conn)
        await install_queue(conn)
        if city is None:
            return False
        async with conn.transaction():
            if not await database_is_empty(conn):
                return False
            await load_demo_city(conn, city, password)
            await load_demo_catalogue(conn, build_demo_catalogue(DEMO_CATALOGUE_SEED), CATALOGUE_FROM)
            return True
    finally:
        await conn.close()


def default_hooks(sim_start: dt.date, weeks: int, reps: int, scenario: Scenario | None = None) -> list[Hook]:
    scenario = scenario or default_scenario(sim_start, weeks, reps)
    return [
        JourneyPlans(),
        ChecklistTemplate(),
        PublicHoliday(scenario.holiday),
        Appointments(scenario.appointments_per_day),
        SickRep(scenario.sick_day, scenario.sick_rep_index),
        UrgentTasks(scenario.urgent_tasks_per_day),
        ImportOutlets(scenario.import_day),
        OrdersInVisits(),
        OfficeMovesOrders(),
        LeadsByHunters(),
        PipelineWork(),
        WorkerDuties(),
        RepsWorkTheirRoutes(Behaviour()),
    ]


def _lcs(a: list[int], b: list[int]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


async def summarise(sim: Simulation, wall_s: float) -> Summary:
    routed = planned = done_on_plan = visits = versions_count = 0
    travel_s = distance_m = 0.0
    churns: list[float] = []
    async with transaction(sim.pool, 60) as conn:
        for day in sim.days:
            by_rep: dict[int, list[object]] = {}
            versions = await repository.route_versions_of_day(conn, day)
            day_visits = await repository.visits_of_day(conn, day)
            removals = await repository.removals_of_day(conn, day)
            for version in versions:
                by_rep.setdefault(version.rep_id, []).append(version)
            versions_count += len(versions)
            visited: dict[int, set[int]] = {}
            for visit in day_visits:
                visited.setdefault(visit.rep_id, set()).add(visit.account_id)
            visits += sum(len(accounts) for accounts in visited.values())
            for rep in sim.reps:
                rep_versions = [v for v in versions if v.rep_id == rep.id]
                if rep_versions and rep_versions[-1].account_ids:
                    routed += 1
                    travel_s += rep_versions[-1].travel_s
                    distance_m += rep_versions[-1].distance_m
                for older, newer in itertools.pairwise(rep_versions):
                    if older.account_ids:
                        churns.append(1 - _lcs(older.account_ids, newer.account_ids) / len(older.account_ids))
                fact = recount_plan_vs_fact(
                    rep_versions,
                    {r.account_id for r in removals if r.rep_id == rep.id},
                    visited.get(rep.id, set()),
                    sim.at(day, rep.shift_start_s, rep.time_zone),
                )
                planned += fact.planned
                done_on_plan += fact.done_on_plan
    figures = sim.figures
    books_ = ledger(sim)
    funnel = books(sim)
    return Summary(
        days=len(sim.days),
        rep_days_routed=routed,
        visits=visits,
        visits_per_rep_day=visits / routed if routed else 0.0,
        planned=planned,
        done_on_plan=done_on_plan,
        adherence=done_on_plan / planned if planned else None,
        travel_km_per_rep_day=distance_m / 1000 / routed if routed else 0.0,
        travel_h_per_rep_day=travel_s / 3600 / routed if routed else 0.0,
        route_versions=versions_count,
        mean_churn_between_versions=sum(churns) / len(churns) if churns else None,
        replans=figures.replans,
        nightly_s=figures.nightly_s,
        nightly_s_per_rep_job=figures.nightly_s / figures.nightly_rep_jobs if figures.nightly_rep_jobs else None,
        invariants_checked=figures.checks,
        violations=len(sim.violations),
        wall_s=wall_s,
        behaviour={
            "appointments": figures.appointments,
            "urgent_tasks": figures.urgent_tasks,
            "skipped_stops": figures.skipped_stops,
            "off_route_visits": figures.off_route_visits,
            "visits_400_m_away": figures.far_visits,
            "checklists": figures.checklists,
            "photos": figures.photos,
            "imported_outlets": figures.imported_rows,
            "failed_replans": len(figures.replan_errors),
            "orders": len(books_.orders),
            "orders_sent_twice": books_.replays,
            "orders_confirmed": books_.moves.get("confirmed", 0),
            "orders_delivered": books_.moves.get("delivered", 0),
            "orders_cancelled": books_.moves.get("cancelled", 0),
            "leads": int(sim.state.get(LeadsByHunters.name, 0)),
            "deals_worked": len(funnel.deals),
            "deal_moves": funnel.moves,
            "deals_won": funnel.won,
            "deals_lost": funnel.lost,
            "first_orders_by_phone": funnel.orders,
            "crm_tasks": len(funnel.tasks),
            "crm_tasks_done": sum(task.status == "done" for task in funnel.tasks.values()),
            "calls": funnel.calls,
            "task_reminders": funnel.reminders,
            "idempotency_keys_kept": figures.retained[0],
            "sync_log_entries_kept": figures.retained[1],
        },
        phase_s=dict(figures.phase_s),
    )


async def run_simulation(
    settings: Settings,
    *,
    start: dt.date,
    weeks: int,
    seed: int,
    supervisor_email: str,
    admin_email: str,
    password: str = DEMO_PASSWORD,
    scenario: Scenario | None = None,
    progress: Callable[[str], None] = print,
    check_same_inputs: bool = True,
    worker_concurrency: int = 1,
    last_day: dt.date | None = None,
    agent_concurrency: int = 1,
    on_day: Callable[[Simulation, dt.date, list[Violation]], None] | None = None,
    plan_next_day: bool = False,
    invariants: Sequence[Invariant] | None = None,
    history_iterations: int | None = None,
) -> tuple[Summary, list[Violation]]:
    """Simulate `weeks` from Monday `start` on a prepared database; the summary and the violations."""
    started = time.perf_counter()
    conn = await connect(settings)
    try:
        reps = len(await repository.reps(conn))
    finally:
        await conn.close()
    # The simulated past may be planned with a lighter search (the demo's load time); the next day's
    # routes, which people will see, are planned with the settings as given.
    past = (
        settings
        if history_iterations is None
        else msgspec.structs.replace(settings, nightly_iterations=history_iterations)
    )
    sim = Simulation(
        past,
        start=start,
        weeks=weeks,
        seed=seed,
        hooks=default_hooks(start, weeks, reps, scenario),
        invariants=default_invariants() if invariants is None else invariants,
        supervisor_email=supervisor_email,
        admin_email=admin_email,
        password=password,
        progress=progress,
        check_same_inputs=check_same_inputs,
        worker_concurrency=worker_concurrency,
        last_day=last_day,
        agent_concurrency=agent_concurrency,
        on_day=on_day,
    )
    await sim.open()
    try:
        violations = await sim.run()
        if plan_next_day and sim.days:
            # The evening after the last simulated day: its nightly run publishes the next day's routes.
            following = sim.days[-1] + dt.timedelta(days=1)
            sim.settings = settings
            for hook in sim.hooks:
                await hook.evening(sim, following)
            await sim.nightly(following)
        summary = await summarise(sim, time.perf_counter() - started)
    finally:
        await sim.close()
    return summary, violations


# Search rounds per rep-day for the demo's simulated past (80 by default): 4 weeks in well under
# the 3 minutes `make run` may take on a fresh machine.
DEMO_HISTORY_ITERATIONS = 15


def demo_simulated_from(today: dt.date) -> dt.date:
    """The first simulated day of the demo: the Monday 4 weeks before this week's Monday."""
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=4)


def demo_catalogue_from(today: dt.date) -> dt.date:
    """The demo's price lists are valid from the first day of its order history."""
    return history_first_day(demo_simulated_from(today))


async def run_demo_history(
    settings: Settings, today: dt.date, *, supervisor_email: str, admin_email: str, progress: Callable[[str], None]
) -> Summary:
    """The demo's past: 24 months of visits and orders are generated in bulk (backend/simulation/
    history.py), then the 4 weeks before this week's Monday up to yesterday are simulated (journey
    plans, nightly runs, visits with orders, the office confirming and delivering them, re-plans,
    appointments, a holiday, a sick rep, an import), then yesterday evening's nightly run publishes
    today's routes. Tomorrow's come from tonight's nightly run (the worker's timer), after today is
    worked."""
    start = demo_simulated_from(today)
    weeks = (today - start).days // 7 + 1
    history_from = history_first_day(start)
    progress(f"generating the order history {history_from}..{start - dt.timedelta(days=1)} (visits and orders) ...")
    history_started = time.perf_counter()
    conn = await connect(settings)
    try:
        async with conn.transaction():
            history = await generate_history(
                conn, history_from, start - dt.timedelta(days=1), seed=1, time_zone=settings.planning_time_zone
            )
    finally:
        await conn.close()
    for line in [] if history is None else history.lines_of_summary():
        progress(f"  {line}")
    progress(f"  history written in {time.perf_counter() - history_started:.1f} s")
    scenario = default_scenario(start, 4, 3)
    summary, _violations = await run_simulation(
        settings,
        start=start,
        weeks=weeks,
        seed=1,
        supervisor_email=supervisor_email,
        admin_email=admin_email,
        scenario=scenario,
        progress=progress,
        check_same_inputs=False,
        last_day=today - dt.timedelta(days=1),
        plan_next_day=True,
        invariants=[],  # the demo's past is for figures on first start; `make test` checks the rules
        history_iterations=DEMO_HISTORY_ITERATIONS,
    )
    # The supervisor's saved segments, evaluated this morning (business time of the demo's today).
    now = dt.datetime.combine(today, dt.time(7), zoneinfo.ZoneInfo(settings.planning_time_zone))
    conn = await connect(settings)
    try:
        async with conn.transaction():
            created = await create_demo_segments(conn, settings, supervisor_email, now)
    finally:
        await conn.close()
    progress(f"  {created} saved segments of the supervisor")
    return summary
