"""The simulation loop: a simulated clock, the app in process, the nightly run and worker, day hooks
and invariants (docs/architecture.md, "The simulator").

Each simulated day D runs in phases, in this order, with the clock set to the local time named:
1. 21:00 of D-1, `Hook.evening(sim, D)`: what is decided the evening before (appointments for D,
   a holiday announced, ...).
2. 22:05 of D-1: the worker's timer (`timer_tick`) starts D's nightly run and purges what is past its
   retention; the queue is drained by the worker (`run_worker(drain=True)`); then the same run again,
   which must publish nothing new.
3. 05:35 of D: the timer's morning check, drained; 07:00 `Hook.morning(sim, D)` (a rep calls in sick).
4. The working day: every hook's `agents(sim, D)` (reps walking their routes, a supervisor adding an
   urgent task, an import) are async generators that yield the next instant they act at; they run
   interleaved in time order, so the clock only moves forward.
5. 20:00 of D: every invariant checks D; violations are collected and printed.

Behaviour and invariants are lists, so later features (orders, retention) add their own without
changing this loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import heapq
import itertools
import logging
import random
import time
import uuid
import zoneinfo
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
import httpx
import msgspec

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.db.pool import create_pool, transaction
from backend.jobs.nightly import start_run
from backend.jobs.worker import run_worker, timer_tick
from backend.settings import Settings
from backend.simulation import repository
from backend.simulation.schemas import SimAccount, SimRep

Agent = AsyncIterator[dt.datetime]

# The instant an agent's current step acts at, when steps run concurrently (see `AgentClock`).
_step_instant: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("step_instant", default=None)


class AgentClock(SimulatedClock):
    """The simulated clock; inside an agent's step run concurrently with others, `now()` is that
    step's own instant (a context variable, so every request the step makes reads it)."""

    def now(self) -> dt.datetime:
        instant = _step_instant.get()
        return super().now() if instant is None else instant


class Violation(msgspec.Struct, frozen=True):
    day: dt.date
    invariant: str
    detail: str


class Hook:
    """A behaviour of the simulated world. Override what applies; the defaults do nothing."""

    name = "hook"

    async def setup(self, sim: Simulation) -> None:
        """Once, before the first day (the clock is at the first evening)."""

    async def evening(self, sim: Simulation, day: dt.date) -> None:
        """The evening before `day`, before its nightly run."""

    async def morning(self, sim: Simulation, day: dt.date) -> None:
        """07:00 of `day`, after the nightly and morning runs."""

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        """Actors of the working day: async generators yielding the instant of their next action."""
        return []

    def in_visit(
        self, sim: Simulation, rep: SimRep, day: dt.date, visit_id: uuid.UUID, account_id: int, at: dt.datetime
    ) -> Agent | None:
        """What the rep does in a visit checked in at `at`, before checking out (an order, ...): an
        agent yielding the instants it acts at, or None."""
        return None


class Invariant(Protocol):
    name: str

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        """What is wrong on `day` (empty when the invariant holds)."""
        ...


@dataclass
class Figures:
    """Counted while simulating (the rest of the summary is recounted from the database)."""

    nightly_s: float = 0.0
    nightly_rep_jobs: int = 0
    replans: int = 0
    replan_errors: list[str] = field(default_factory=list)
    visits: int = 0
    off_route_visits: int = 0
    far_visits: int = 0
    skipped_stops: int = 0
    checklists: int = 0
    photos: int = 0
    appointments: int = 0
    urgent_tasks: int = 0
    imported_rows: int = 0
    checks: int = 0
    api_errors: list[str] = field(default_factory=list)
    phase_s: dict[str, float] = field(default_factory=dict)  # wall time per phase of the day
    # Idempotency keys and sync log entries in the tables at the last retention check.
    retained: tuple[int, int] = (0, 0)

    def timed(self, phase: str, started: float) -> None:
        self.phase_s[phase] = self.phase_s.get(phase, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class ReplanRecord:
    rep_id: int
    day: dt.date
    at: dt.datetime
    route_id: int


class ApiUser:
    """One person using the API: logs in normally (tokens use wall time) and logs in again on 401."""

    def __init__(self, client: httpx.AsyncClient, email: str, password: str) -> None:
        self.client, self.email, self.password = client, email, password
        self._token: str | None = None
        self._logging_in = asyncio.Lock()  # concurrent steps of one person log in once

    async def _login(self) -> None:
        async with self._logging_in:
            if self._token is None:
                await self._login_now()

    async def _login_now(self) -> None:
        response = await self.client.post("/api/v1/auth/login", json={"email": self.email, "password": self.password})
        response.raise_for_status()
        self._token = response.json()["access_token"]

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for _attempt in range(2):
            if self._token is None:
                await self._login()
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self._token}"}
            response = await self.client.request(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            self._token = None
        return response


class Simulation:
    """The simulated world: database, app, clock, people, what happened, and what was found wrong."""

    def __init__(
        self,
        settings: Settings,
        *,
        start: dt.date,
        weeks: int,
        seed: int,
        hooks: Sequence[Hook],
        invariants: Sequence[Invariant],
        supervisor_email: str,
        admin_email: str,
        password: str,
        worker_concurrency: int = 1,
        check_same_inputs: bool = True,
        progress: Callable[[str], None] = print,
        last_day: dt.date | None = None,
        agent_concurrency: int = 1,
        agent_window_s: int = 300,
        on_day: Callable[[Simulation, dt.date, list[Violation]], None] | None = None,
    ) -> None:
        if start.isoweekday() != 1:
            raise ValueError(f"a simulation starts on a Monday; {start} is not one")
        if weeks < 1:
            raise ValueError("a simulation runs at least one week")
        self.settings = settings
        self.start, self.weeks, self.seed = start, weeks, seed
        # `last_day` cuts the run short of whole weeks (the demo's history ends yesterday).
        self.days = [start + dt.timedelta(days=offset) for offset in range(7 * weeks)]
        if last_day is not None:
            self.days = [day for day in self.days if day <= last_day]
        self.hooks, self.invariants = list(hooks), list(invariants)
        self.supervisor_email, self.admin_email, self.password = supervisor_email, admin_email, password
        self.worker_concurrency = worker_concurrency
        self.check_same_inputs = check_same_inputs
        # Agents' steps at most `agent_window_s` simulated seconds apart may run at once, up to
        # `agent_concurrency` of them (1: strictly one after the other, in time order).
        self.agent_concurrency, self.agent_window_s = max(1, agent_concurrency), agent_window_s
        self.progress = progress
        self.on_day = on_day  # after each day's invariants (a benchmark records the day)
        self.zone = zoneinfo.ZoneInfo(settings.planning_time_zone)
        self.clock = AgentClock(self.at(start - dt.timedelta(days=1), 18 * 3600))
        self.figures = Figures()
        self.violations: list[Violation] = []
        self.replans: list[ReplanRecord] = []
        self.reps: list[SimRep] = []
        self.accounts: dict[int, list[SimAccount]] = {}
        self.state: dict[str, Any] = {}  # hooks keep their own state here, by their name
        self._pool: asyncpg.Pool | None = None
        self._client: httpx.AsyncClient | None = None
        self._users: dict[str, ApiUser] = {}
        self._app: Any = None

    # --- time ---------------------------------------------------------------------------------

    def at(self, day: dt.date, seconds: int, zone: str | None = None) -> dt.datetime:
        """The instant of local `seconds` after midnight of `day` (the planning time zone by default)."""
        tz = zoneinfo.ZoneInfo(zone) if zone else self.zone
        return dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(seconds=seconds)

    def rng(self, *key: object) -> random.Random:
        """A random source fixed by the seed and `key`: the same run makes the same choices."""
        key_text = f"{self.seed}:" + ":".join(str(part) for part in key)
        return random.Random(key_text)  # noqa: S311 - reproducible behaviour, not a secret

    # --- resources ----------------------------------------------------------------------------

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "the simulation is not open"
        return self._pool

    def user(self, email: str) -> ApiUser:
        assert self._client is not None, "the simulation is not open"
        if email not in self._users:
            self._users[email] = ApiUser(self._client, email, self.password)
        return self._users[email]

    @property
    def supervisor(self) -> ApiUser:
        return self.user(self.supervisor_email)

    @property
    def admin(self) -> ApiUser:
        return self.user(self.admin_email)

    async def api(self, who: ApiUser, method: str, url: str, *, expect: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        """Call the API; an unexpected status is recorded as an API error (and counts as a violation)."""
        response = await who.request(method, url, **kw)
        if response.status_code not in expect:
            self.figures.api_errors.append(
                f"{self.clock.now():%Y-%m-%d %H:%M} {who.email} {method} {url}: {response.status_code} "
                f"{response.text[:300]}"
            )
            return None
        if response.status_code == 204 or not response.content:
            return {}
        return response.json()

    async def open(self) -> None:
        # The progress lines replace the per-request and per-job logs (thousands of lines a day).
        for name in ("httpx", "fieldsales.worker"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._pool = await create_pool(self.settings, self.clock)
        self._app = create_app(self.settings, pool=self._pool, clock=self.clock)
        transport = httpx.ASGITransport(app=self._app)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://simulation", timeout=120)
        async with transaction(self.pool, 30) as conn:
            self.reps = await repository.reps(conn)
            for rep in self.reps:
                if rep.territory_id is not None:
                    self.accounts[rep.id] = await repository.territory_accounts(conn, rep.territory_id)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        if self._app is not None:
            self._app.state.solver.close()
        if self._pool is not None:
            await self._pool.close()

    async def refresh_accounts(self) -> None:
        async with transaction(self.pool, 30) as conn:
            for rep in self.reps:
                if rep.territory_id is not None:
                    self.accounts[rep.id] = await repository.territory_accounts(conn, rep.territory_id)

    # --- the nightly run ------------------------------------------------------------------------

    async def _drain(self) -> None:
        await run_worker(self.settings, concurrency=self.worker_concurrency, drain=True, timer=False, clock=self.clock)

    async def nightly(self, day: dt.date) -> None:
        """The worker's timer at 22:05 the evening before, then the worker drains the queue."""
        self.clock.set(self.at(day - dt.timedelta(days=1), 22 * 3600 + 300))
        started = time.perf_counter()
        async with transaction(self.pool, 30) as conn:
            runs = await timer_tick(conn, self.settings, self.clock.now())
            jobs = await repository.rep_days_of_runs(conn, runs, day)
        await self._drain()
        self.figures.nightly_s += time.perf_counter() - started
        self.figures.nightly_rep_jobs += int(jobs or 0)
        self.figures.timed("nightly", started)
        if self.check_same_inputs:
            started = time.perf_counter()
            await self._same_inputs_again(day)
            self.figures.timed("nightly again (same inputs)", started)

    async def _same_inputs_again(self, day: dt.date) -> None:
        """Plan the day again with nothing changed: no rep may get a new route version."""
        async with transaction(self.pool, 30) as conn:
            before = {v.id for v in await repository.route_versions_of_day(conn, day)}
            await start_run(conn, day, "simulation", now=self.clock.now())
        await self._drain()
        async with transaction(self.pool, 30) as conn:
            after = await repository.route_versions_of_day(conn, day)
        self.figures.checks += 1
        for version in after:
            if version.id not in before:
                self.violations.append(
                    Violation(
                        day,
                        "same_inputs_same_routes",
                        f"rep {version.rep_id}: planning {day} again with nothing changed published "
                        f"version {version.version} ({version.kind})",
                    )
                )

    async def morning(self, day: dt.date) -> None:
        self.clock.set(self.at(day, 5 * 3600 + 35 * 60))
        async with transaction(self.pool, 30) as conn:
            runs = await timer_tick(conn, self.settings, self.clock.now())
            queued = await repository.rep_days_of_runs(conn, runs, day)
        if queued:  # usually none: every rep has today's route or a day off from the night before
            await self._drain()

    # --- the loop -----------------------------------------------------------------------------

    async def run_day(self, day: dt.date) -> list[Violation]:
        figures = self.figures
        started = time.perf_counter()
        self.clock.set(max(self.clock.now(), self.at(day - dt.timedelta(days=1), 21 * 3600)))
        for hook in self.hooks:
            await hook.evening(self, day)
        figures.timed("evening", started)
        await self.nightly(day)
        started = time.perf_counter()
        await self.morning(day)
        self.clock.set(self.at(day, 7 * 3600))
        for hook in self.hooks:
            await hook.morning(self, day)
        figures.timed("morning", started)
        started = time.perf_counter()
        agents = [agent for hook in self.hooks for agent in hook.agents(self, day)]
        await self._interleave(agents)
        figures.timed("working day", started)
        started = time.perf_counter()
        self.clock.set(max(self.clock.now(), self.at(day, 20 * 3600)))
        found: list[Violation] = []
        for invariant in self.invariants:
            figures.checks += 1
            found += [Violation(day, invariant.name, detail) for detail in await invariant.check(self, day)]
        self.violations += found
        figures.timed("invariants", started)
        return found

    async def _interleave(self, agents: list[Agent]) -> None:
        if self.agent_concurrency > 1:
            await self._interleave_concurrently(agents)
            return
        counter = itertools.count()
        queue: list[tuple[dt.datetime, int, Agent]] = []
        for agent in agents:
            first = await anext(agent, None)
            if first is not None:
                heapq.heappush(queue, (first, next(counter), agent))
        while queue:
            instant, _, agent = heapq.heappop(queue)
            self.clock.set(max(instant, self.clock.now()))
            following = await anext(agent, None)
            if following is not None:
                heapq.heappush(queue, (following, next(counter), agent))

    async def _interleave_concurrently(self, agents: list[Agent]) -> None:
        """Like `_interleave`, but the next step in time order may start while others are still
        running when its instant is less than `agent_window_s` from each of theirs (at most
        `agent_concurrency` at once). Each step reads its own instant from the clock; the shared
        clock only moves forward. Every choice an agent makes comes from its own random source
        (`rng`), so interleaving never changes a rep's draws; only effects between agents less than
        the window apart (an urgent task seen at the rep's next stop rather than this one) may land
        in either order."""
        counter = itertools.count()
        window = dt.timedelta(seconds=self.agent_window_s)
        queue: list[tuple[dt.datetime, int, Agent]] = []
        for agent in agents:
            first = await anext(agent, None)
            if first is not None:
                heapq.heappush(queue, (first, next(counter), agent))
        running: dict[asyncio.Task[dt.datetime | None], tuple[dt.datetime, int, Agent]] = {}

        async def step(instant: dt.datetime, agent: Agent) -> dt.datetime | None:
            _step_instant.set(instant)  # this task's context only
            return await anext(agent, None)

        while queue or running:
            while queue and len(running) < self.agent_concurrency:
                instant = queue[0][0]
                # Every two steps running at once are less than the window apart.
                if running and not all(abs(instant - at) < window for at, _, _ in running.values()):
                    break
                _, order, agent = heapq.heappop(queue)
                self.clock.set(max(instant, self.clock.now()))
                running[asyncio.create_task(step(instant, agent))] = (instant, order, agent)
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(finished, key=lambda t: running[t][:2]):
                _, _, agent = running.pop(task)
                following = task.result()
                if following is not None:
                    heapq.heappush(queue, (following, next(counter), agent))

    async def run(self) -> list[Violation]:
        """Every day in turn (the simulation must be open), printing each day's invariants."""
        started = time.perf_counter()
        for hook in self.hooks:
            await hook.setup(self)
        self.figures.timed("setup (journey plans, checklist)", started)
        for day in self.days:
            found = await self.run_day(day)
            elapsed = time.perf_counter() - started
            if not self.invariants:
                status = "simulated"
            elif found:
                status = f"{len(found)} VIOLATIONS ({len(self.invariants)} invariants checked)"
            else:
                status = f"all {len(self.invariants)} invariants hold"
            self.progress(f"{day} {day:%a}: {status}; {self.figures.visits} visits so far; {elapsed:.0f} s")
            for violation in found:
                self.progress(f"  [{violation.invariant}] {violation.detail}")
            if self.on_day is not None:
                self.on_day(self, day, found)
        return self.violations
