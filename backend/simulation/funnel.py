"""The funnel in the simulated weeks: hunters, closers and farmers work their deals through the API,
the worker's task reminders run, and invariants recount the funnel (docs/architecture.md ("The demo
sells")).

- **The deals worked** are the leads the hunters and the telemarketers add (`LeadsByHunters`
  registers each lead's deal here; a telemarketer is an office person, `load_office_people`, worked
  like a rep on Monday to Friday, with 0-1 unanswered calls before each answered one), the deals a
  hunter opens on prospects of their territory on the first working morning (`opening_deals`), and
  the open deals of the `new-customer` pipeline found at the start (the demo's history leaves a
  few). Each deal's fate is drawn once from its account: about 60 % reach the qualified stage, about
  35 % of those are won; the others are lost at a stage, with a reason of that stage. A lead outside
  every territory is lost after the first contact ("outside our delivery area": no territory, no
  closer or farmer to hand it to).
- **A step** (`PipelineWork`): on a working day of the owner, at a seeded time, a deal with no open
  task gets one from its owner (`POST /api/v1/tasks`: a call, the offer to send or a follow-up, due
  in 1-2 working days at 10:00-16:00, reminded an hour before). On the task's day the owner
  completes it (`POST /api/v1/tasks/{id}/complete`), logs the call (`POST /api/v1/activities`,
  kind call, 1-15 minutes, its outcome) and moves the deal one stage on (`POST
  /api/v1/deals/{id}/stage`), or to lost with the reason. Reaching the tasting hands the deal to the
  territory's closer (the API does it); the closer plans the next task the next working day. Won
  needs an order: the closer takes it by phone (`POST /api/v1/orders`, the demand model's
  lines or the channel's core range, in the sales books so the office confirms and delivers it and
  the sales recount counts it), then the closer moves the deal to won. The account's first
  delivered order hands it to the territory's farmer (the API does it); the farmer plans a welcome
  call (a task, 1-2 working days ahead) and makes it.
- **The worker's duties** (`WorkerDuties`): task reminders (`send_due_reminders`) at 07:00 and on
  each 30-minute tick of the working day (to 19:00) that has a reminder due, at the business time,
  and the segments' refresh each morning, as the worker's timers do.
- **Invariants**: every deal is read by its owner as the books say (stage, status, owner) and by the
  hunter who opened it (`deals_seen_by_owners`); the funnel report over the simulated period counts
  the leads and won deals the books count (`funnel_recount`); every hand-over the rules should have
  made is stored and notified to its new owner (`handovers_notified`); no task of the simulator is
  open more than `OVERDUE_DAYS` past its due time, and each whose reminder time has passed by 30
  minutes was reminded (`tasks_on_time`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backend.catalogue.demo import order_for_visit
from backend.db.pool import transaction
from backend.maintenance.service import refresh_segments
from backend.sales_tasks.service import send_due_reminders
from backend.simulation import repository
from backend.simulation.behaviour import working
from backend.simulation.engine import Agent, Hook, Simulation
from backend.simulation.pipeline_history import PIPELINE_CODE
from backend.simulation.sales import OrdersInVisits, PostedOrder, ledger, line_amount, order_id_for_visit
from backend.simulation.schemas import FunnelAccount, SimRep
from backend.sync.service import PRUNE_GRACE as SYNC_PRUNE_GRACE

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldsales.example/simulation/funnel")
OPEN_STAGES = ("lead", "contacted", "qualified", "tasting", "offer")
HANDOVER_STAGE = "tasting"
OVERDUE_DAYS = 3
# The worker sends reminders every FIELDSALES_TASK_REMINDER_INTERVAL_MIN (1 by default); the simulated
# worker on the 30-minute ticks of the working day that have a reminder due keeps the demo's load time
# down (a reminder is at most 30 minutes late, which the invariant allows).
REMINDER_TICK_S = 1800
LOST_REASONS = {
    "lead": ["no answer after three calls", "not interested"],
    "contacted": ["buys only from their current wholesaler", "too small"],
    "qualified": ["no budget this season", "decision postponed"],
    "tasting": ["did not like the range", "prefers a competitor's range"],
    "offer": ["price too high", "went with a competitor"],
}
# The task before the move out of each stage, and the call's outcome when the deal moves on.
TASK_OF_STAGE = {
    "lead": ("call", "First call", "reached the owner; interested"),
    "contacted": ("call", "Qualify: volumes, range, decision maker", "volumes and decision maker known"),
    "qualified": ("call", "Arrange the tasting", "tasting agreed"),
    "tasting": ("send_offer", "Send the offer after the tasting", "tasting went well; offer requested"),
    "offer": ("follow_up", "Follow up the offer", "offer accepted; first order placed"),
}


@dataclass
class SimDeal:
    """A deal as the simulator knows it."""

    id: uuid.UUID
    account_id: int
    hunter_id: int
    owner_id: int
    stage: str
    fate: str  # "won", or the stage it is lost at
    created_day: dt.date | None  # None: found open at the start (not in the run's cohort)
    status: str = "open"
    task_id: uuid.UUID | None = None
    next_day: dt.date | None = None
    delivered_before_win: bool = False
    welcomed: bool = False
    handed_to_closer: bool = False  # reached the tasting in this run (the rule hands it over)
    steps: int = 0


@dataclass
class SimTask:
    id: uuid.UUID
    owner_id: int
    deal_id: uuid.UUID
    due_at: dt.datetime
    remind_at: dt.datetime
    status: str = "open"


@dataclass
class FunnelBooks:
    """The simulator's own books of the funnel."""

    deals: dict[uuid.UUID, SimDeal] = field(default_factory=dict)
    tasks: dict[uuid.UUID, SimTask] = field(default_factory=dict)
    accounts: dict[int, FunnelAccount] = field(default_factory=dict)
    holders: dict[tuple[int, str], int] = field(default_factory=dict)
    calls: int = 0
    moves: int = 0
    won: int = 0
    lost: int = 0
    orders: int = 0
    reminders: int = 0


def books(sim: Simulation) -> FunnelBooks:
    found = sim.state.get(PipelineWork.name)
    if not isinstance(found, FunnelBooks):
        found = FunnelBooks()
        sim.state[PipelineWork.name] = found
    return found


OFFICE = "office_people"


async def load_office_people(sim: Simulation) -> list[SimRep]:
    """The telemarketers (users with that sales role; office workers without a field profile), as the
    simulator's people: the planning time zone, Monday to Friday 09:00-17:00, no territory. Loaded once."""
    found = sim.state.get(OFFICE)
    if isinstance(found, list):
        return found
    async with transaction(sim.pool, 30) as conn:
        rows = await repository.telemarketers(conn)
    field = {rep.id for rep in sim.reps}
    people = [
        SimRep(user_id, email, sim.settings.planning_time_zone, 9 * 3600, 17 * 3600, [1, 2, 3, 4, 5], 0.0, 0.0,
               "car", None)
        for user_id, email in rows
        if user_id not in field
    ]  # fmt: skip
    sim.state[OFFICE] = people
    return people


def office_people(sim: Simulation) -> list[SimRep]:
    found = sim.state.get(OFFICE)
    return found if isinstance(found, list) else []


def is_office(sim: Simulation, user_id: int) -> bool:
    return any(person.id == user_id for person in office_people(sim))


def draw_fate(sim: Simulation, account_id: int, stage: str, territory_id: int | None) -> str:
    """Where the deal ends: ~60 % reach qualified, ~35 % of those are won (from its current stage on).
    Drawn from the account (a lead's deal id is the server's, different in every run)."""
    if territory_id is None:
        return "contacted"
    rng = sim.rng("funnel", "fate", account_id)
    draw = rng.random()
    fate = "lead" if draw < 0.16 else "contacted" if draw < 0.40 else None
    if fate is None:
        after = rng.random()
        fate = "won" if after < 0.35 else "qualified" if after < 0.55 else "tasting" if after < 0.80 else "offer"
    order = [*OPEN_STAGES, "won"]
    # A deal found further on than its fate: it goes on from where it is.
    if order.index(fate) < order.index(stage):
        return "won" if rng.random() < 0.35 else stage
    return fate


async def register_lead(sim: Simulation, hunter: SimRep, deal_id: uuid.UUID, account_id: int, day: dt.date) -> None:
    """A lead's deal, opened by the hunter through `POST /api/v1/leads`."""
    ledger_ = books(sim)
    async with transaction(sim.pool, 30) as conn:
        ledger_.accounts.update(await repository.funnel_accounts(conn, [account_id]))
    account = ledger_.accounts.get(account_id)
    territory_id = account.territory_id if account is not None else None
    deal = SimDeal(
        deal_id, account_id, hunter.id, hunter.id, "lead", draw_fate(sim, account_id, "lead", territory_id), day
    )
    ledger_.deals[deal_id] = deal
    await plan_task(sim, hunter, day, deal, *TASK_OF_STAGE["lead"][:2])


def _next_working(sim: Simulation, rep: SimRep, day: dt.date, after: int) -> dt.date:
    while after > 0:
        day += dt.timedelta(days=1)
        if working(sim, rep, day):
            after -= 1
    return day


async def plan_task(sim: Simulation, rep: SimRep, day: dt.date, deal: SimDeal, kind: str, title: str) -> None:
    """The owner's next task about the deal: due in 1-2 of their working days at 10:00-16:00,
    reminded an hour before."""
    rng = sim.rng("funnel", "task", deal.account_id, deal.steps, day)
    due_day = _next_working(sim, rep, day, rng.randint(1, 2))
    due_at = sim.at(due_day, rng.randrange(10 * 3600, 16 * 3600, 300), rep.time_zone)
    remind_at = due_at - dt.timedelta(hours=1)
    task_id = uuid.uuid5(NAMESPACE, f"{sim.seed}:task:{deal.id}:{deal.steps}:{rep.id}")
    body = {
        "id": str(task_id),
        "kind": kind,
        "title": title,
        "deal_id": str(deal.id),
        "due_at": due_at.isoformat(),
        "remind_at": remind_at.isoformat(),
    }
    if await sim.api(sim.user(rep.email), "POST", "/api/v1/tasks", json=body, expect=(201,)) is None:
        return
    books(sim).tasks[task_id] = SimTask(task_id, rep.id, deal.id, due_at, remind_at)
    deal.task_id, deal.next_day = task_id, due_day


class PipelineWork(Hook):
    """The owners of the deals work them one step at a time (see the module's docstring). On the
    first working day the hunters also open `opening_deals` deals on prospects (source licence
    register), so the run has a pipeline to work from its first week."""

    name = "funnel"

    def __init__(self, opening_deals: int = 8) -> None:
        self.opening_deals = opening_deals
        self.taken: set[int] = set()  # accounts with an open deal at the start
        self.opened = False

    async def setup(self, sim: Simulation) -> None:
        ledger_ = books(sim)
        office = await load_office_people(sim)
        async with transaction(sim.pool, 30) as conn:
            ledger_.holders = await repository.territory_role_holders(conn)
            found = await repository.open_pipeline_deals(conn, PIPELINE_CODE)
            ledger_.accounts.update(await repository.funnel_accounts(conn, [deal.account_id for deal in found]))
        reps = {rep.id for rep in [*sim.reps, *office]}
        for deal in found:
            if deal.owner_id not in reps or deal.stage not in OPEN_STAGES:
                continue
            account = ledger_.accounts.get(deal.account_id)
            territory_id = account.territory_id if account is not None else None
            fate = draw_fate(sim, deal.account_id, deal.stage, territory_id)
            ledger_.deals[deal.id] = SimDeal(
                deal.id, deal.account_id, deal.hunter_id, deal.owner_id, deal.stage, fate, None
            )
        self.taken = {deal.account_id for deal in found}

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        ledger_ = books(sim)
        people: list[Agent] = []
        hunters = sorted({user for (_, role), user in ledger_.holders.items() if role == "hunter"})
        hunter = next((rep for rep in sim.reps if rep.id in hunters and working(sim, rep, day)), None)
        if not self.opened and hunter is not None:
            self.opened = True
            people.append(self._open(sim, hunter, day))
        delivered = {order.account_id for order in ledger(sim).orders.values() if order.status == "delivered"}
        for rep in [*sim.reps, *office_people(sim)]:
            if not working(sim, rep, day):
                continue
            owned = [
                deal
                for deal in ledger_.deals.values()
                if deal.status == "open" and deal.owner_id == rep.id and (deal.next_day or day) <= day
            ]
            welcomes = [
                deal
                for deal in ledger_.deals.values()
                if deal.status == "won" and not deal.welcomed and self._farmer_of(sim, deal, delivered) == rep.id
            ]
            if owned or welcomes:
                at_s = sim.rng(self.name, rep.id, day).randrange(10 * 3600, 16 * 3600, 60)
                people.append(self._work(sim, rep, day, at_s, owned, welcomes))
        return people

    async def _open(self, sim: Simulation, hunter: SimRep, day: dt.date) -> Agent:
        """Deals on prospects of the licence register, each with its first call planned."""
        yield sim.at(day, 9 * 3600, hunter.time_zone)
        prospects = sorted(  # of the hunter's own territory: the deals API opens deals on accounts one sees
            account.id
            for account in sim.accounts.get(hunter.id, [])
            if account.status == "potential" and account.id not in self.taken
        )
        rng = sim.rng(self.name, "open", day)
        chosen = sorted(rng.sample(prospects, min(self.opening_deals, len(prospects))))
        async with transaction(sim.pool, 30) as conn:
            books(sim).accounts.update(await repository.funnel_accounts(conn, chosen))
        for account_id in chosen:
            deal_id = uuid.uuid5(NAMESPACE, f"{sim.seed}:opening:{account_id}")
            body = {
                "id": str(deal_id),
                "account_id": account_id,
                "pipeline": PIPELINE_CODE,
                "source": "licence_register",
                "title": "New customer",
            }
            if await sim.api(sim.user(hunter.email), "POST", "/api/v1/deals", json=body, expect=(201,)) is None:
                continue
            account = books(sim).accounts.get(account_id)
            territory = account.territory_id if account is not None else None
            deal = SimDeal(
                deal_id, account_id, hunter.id, hunter.id, "lead", draw_fate(sim, account_id, "lead", territory), day
            )
            books(sim).deals[deal_id] = deal
            await plan_task(sim, hunter, day, deal, *TASK_OF_STAGE["lead"][:2])
            yield sim.clock.now() + dt.timedelta(minutes=3)

    def _farmer_of(self, sim: Simulation, deal: SimDeal, delivered: set[int]) -> int | None:
        """The farmer a won account went to, once its first delivered order came after the win
        (`delivered`: the accounts with a delivered order in the sales books)."""
        if deal.delivered_before_win or deal.account_id not in delivered:
            return None
        account = books(sim).accounts.get(deal.account_id)
        if account is None or account.territory_id is None:
            return None
        return books(sim).holders.get((account.territory_id, "farmer"))

    async def _work(
        self, sim: Simulation, rep: SimRep, day: dt.date, at_s: int, owned: list[SimDeal], welcomes: list[SimDeal]
    ) -> Agent:
        yield sim.at(day, at_s, rep.time_zone)
        for deal in sorted(owned, key=lambda item: item.account_id):
            if deal.task_id is None:
                await plan_task(sim, rep, day, deal, *TASK_OF_STAGE[deal.stage][:2])
            elif books(sim).tasks[deal.task_id].due_at.astimezone(sim.zone).date() <= day:
                await self._step(sim, rep, day, deal)
            yield sim.clock.now() + dt.timedelta(minutes=sim.rng(self.name, "gap", deal.account_id, day).randint(5, 25))
        for deal in sorted(welcomes, key=lambda item: item.account_id):
            await self._welcome(sim, rep, day, deal)
            yield sim.clock.now() + dt.timedelta(minutes=10)

    async def _complete(self, sim: Simulation, rep: SimRep, task_id: uuid.UUID) -> None:
        if await sim.api(sim.user(rep.email), "POST", f"/api/v1/tasks/{task_id}/complete", expect=(200,)) is not None:
            books(sim).tasks[task_id].status = "done"

    async def _call(self, sim: Simulation, rep: SimRep, deal: SimDeal, outcome: str) -> None:
        rng = sim.rng(self.name, "call", deal.account_id, deal.steps)
        started = sim.clock.now() - dt.timedelta(minutes=rng.randint(2, 20))
        if is_office(sim, rep.id):
            # A telemarketer reaches the decision maker after 0-1 unanswered calls earlier that day.
            for attempt in range(rng.randint(0, 1)):
                tried = started - dt.timedelta(minutes=(attempt + 1) * rng.randint(40, 90))
                await log_call(sim, rep, deal.account_id, deal.id, f"{deal.steps}:attempt:{attempt}", tried,
                               rng.randint(0, 40), rng.choice(UNANSWERED))  # fmt: skip
        await log_call(sim, rep, deal.account_id, deal.id, str(deal.steps), started, rng.randint(60, 900), outcome)

    async def _step(self, sim: Simulation, rep: SimRep, day: dt.date, deal: SimDeal) -> None:
        """The task's day: done, the call logged, the deal one stage on (or lost, or won)."""
        ledger_ = books(sim)
        assert deal.task_id is not None
        await self._complete(sim, rep, deal.task_id)
        deal.task_id = None
        index = OPEN_STAGES.index(deal.stage)
        if deal.fate == deal.stage:
            reason = "outside our delivery area" if self._territory(sim, deal) is None else None
            reason = reason or sim.rng(self.name, "reason", deal.account_id).choice(LOST_REASONS[deal.stage])
            await self._call(sim, rep, deal, f"declined: {reason}")
            body: dict[str, Any] = {"stage": "lost", "lost_reason": reason}
            target = "lost"
        elif index == len(OPEN_STAGES) - 1:
            await self._call(sim, rep, deal, TASK_OF_STAGE[deal.stage][2])
            if not await self._first_order(sim, rep, day, deal):
                return
            body, target = {"stage": "won"}, "won"
        else:
            await self._call(sim, rep, deal, TASK_OF_STAGE[deal.stage][2])
            target = OPEN_STAGES[index + 1]
            body = {"stage": target}
        deal.steps += 1
        moved = await sim.api(sim.user(rep.email), "POST", f"/api/v1/deals/{deal.id}/stage", json=body, expect=(200,))
        if moved is None:
            deal.status = "broken"  # reported as an API error; not worked further
            return
        ledger_.moves += 1
        deal.stage = target
        if target in ("won", "lost"):
            deal.status = target
            if target == "won":
                ledger_.won += 1
                deal.delivered_before_win = any(
                    order.account_id == deal.account_id and order.status == "delivered"
                    for order in ledger(sim).orders.values()
                )
            else:
                ledger_.lost += 1
            return
        territory_id = self._territory(sim, deal)
        closer = ledger_.holders.get((territory_id, "closer")) if territory_id is not None else None
        if target == HANDOVER_STAGE and closer is not None and closer != deal.owner_id:
            # The rule hands it over; the closer plans the next step the next day.
            deal.owner_id, deal.handed_to_closer = closer, True
            deal.next_day = day + dt.timedelta(days=1)
            return
        await plan_task(sim, rep, day, deal, *TASK_OF_STAGE[target][:2])

    def _territory(self, sim: Simulation, deal: SimDeal) -> int | None:
        account = books(sim).accounts.get(deal.account_id)
        return account.territory_id if account is not None else None

    async def _first_order(self, sim: Simulation, taker: SimRep, day: dt.date, deal: SimDeal) -> bool:
        """The deal's owner (the closer) takes the account's first order by phone (a won deal requires
        one; orders follow `visible_account_ids`, so the accounts of one's deals)."""
        account = books(sim).accounts.get(deal.account_id)
        pricing = next((hook for hook in sim.hooks if isinstance(hook, OrdersInVisits)), None)
        if account is None or pricing is None:
            return False
        wanted = [(line.sku, Decimal(str(line.quantity))) for line in order_for_visit(
            pricing.catalogue, account.id, account.channel, account.account_class, day, pricing.catalogue_seed
        )]  # fmt: skip
        if not wanted:  # the channel's core range, six of each
            core = pricing.catalogue.must_stock.get(f"{account.channel}:{account.account_class}", [])
            wanted = [(sku, Decimal(6)) for sku in core[:4]]
        lines, amount, units = [], Decimal(0), Decimal(0)
        for sku, quantity in wanted:
            price = pricing.price_for(account.id, account.channel, sku, day)
            if price is None:
                continue
            lines.append({"sku": sku, "quantity": float(quantity), "discount_pct": 0.0})
            amount += line_amount(quantity, price, Decimal(0))
            units += quantity
        if not lines:
            return False
        order_id = order_id_for_visit(uuid.uuid5(NAMESPACE, f"{sim.seed}:first-order:{deal.id}"))
        ordered_at = sim.clock.now()
        body = {
            "id": str(order_id),
            "account_id": account.id,
            "ordered_at": ordered_at.isoformat(),
            "lines": lines,
            "comment": "first order after the offer",
            "sent_at": ordered_at.isoformat(),
        }
        if await sim.api(sim.user(taker.email), "POST", "/api/v1/orders", json=body, expect=(201,)) is None:
            return False
        ledger(sim).orders[order_id] = PostedOrder(order_id, taker.id, account.id, day, len(lines), units, amount)
        books(sim).orders += 1
        return True

    async def _welcome(self, sim: Simulation, rep: SimRep, day: dt.date, deal: SimDeal) -> None:
        """The farmer's welcome call to an account handed over after its first delivered order."""
        task = books(sim).tasks.get(deal.task_id) if deal.task_id is not None else None
        if task is None or task.owner_id != rep.id:
            deal.steps += 1
            await plan_task(sim, rep, day, deal, "call", "Welcome call after the first delivery")
        elif task.due_at.astimezone(sim.zone).date() <= day:
            await self._complete(sim, rep, task.id)
            deal.steps += 1
            await self._call(sim, rep, deal, "delivery fine; next order in two weeks")
            deal.welcomed = True


UNANSWERED = ["no answer", "voicemail: left a message", "line busy", "asked to call back later"]


async def log_call(
    sim: Simulation,
    rep: SimRep,
    account_id: int,
    deal_id: uuid.UUID | None,
    key: str,
    started: dt.datetime,
    duration_s: int,
    outcome: str,
) -> None:
    """`POST /api/v1/activities`: an outbound call of `rep` (id fixed by the deal or account and `key`)."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid5(NAMESPACE, f"{sim.seed}:call:{deal_id or account_id}:{key}:{rep.id}")),
        "account_id": account_id,
        "kind": "call",
        "direction": "outbound",
        "occurred_at": started.isoformat(),
        "duration_s": duration_s,
        "outcome": outcome,
    }
    if deal_id is not None:
        body["deal_id"] = str(deal_id)
    if await sim.api(sim.user(rep.email), "POST", "/api/v1/activities", json=body, expect=(201,)) is not None:
        books(sim).calls += 1


class WorkerDuties(Hook):
    """The worker's timers that run on business time: task reminders on the 30-minute ticks of the
    working day that have one due, the segments' refresh each morning."""

    name = "worker_duties"

    async def morning(self, sim: Simulation, day: dt.date) -> None:
        async with transaction(sim.pool, 60) as conn:
            await refresh_segments(conn, sim.settings, sim.clock.now())

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        return [self._reminders(sim, day)]

    async def _reminders(self, sim: Simulation, day: dt.date) -> Agent:
        ticks = list(range(7 * 3600, 19 * 3600 + 1, REMINDER_TICK_S))
        # Only the ticks that have something to send run (the first catches anything left over): the
        # simulated tasks are planned for later days, so today's reminder times are known this morning.
        due = {ticks[0]}
        for task in books(sim).tasks.values():
            if task.status == "open":
                due |= {t for t in ticks if sim.at(day, t - REMINDER_TICK_S) < task.remind_at <= sim.at(day, t)}
        for seconds in sorted(due):
            yield sim.at(day, seconds)
            async with transaction(sim.pool, 30) as conn:
                books(sim).reminders += await send_due_reminders(conn, sim.clock.now())


# --- invariants ---------------------------------------------------------------------------------------


def _email(sim: Simulation, user_id: int) -> str | None:
    return next((rep.email for rep in [*sim.reps, *office_people(sim)] if rep.id == user_id), None)


class DealsSeenByOwners:
    """Every deal of the books is read by its owner with the stage, status and owner the books say,
    and by the hunter who opened it (the previous owner keeps read access)."""

    name = "deals_seen_by_owners"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        problems = []
        for deal in books(sim).deals.values():
            if deal.status == "broken":
                continue
            for reader in sorted({deal.owner_id, deal.hunter_id}):
                email = _email(sim, reader)
                if email is None:
                    continue
                found = await sim.user(email).request("GET", f"/api/v1/deals/{deal.id}")
                if found.status_code != 200:
                    problems.append(f"deal {deal.id}: user {reader} cannot read it ({found.status_code})")
                    continue
                shown = found.json()
                expected = (deal.owner_id, deal.stage, deal.status)
                answered = (shown["owner_id"], shown["stage_code"], shown["status"])
                if answered != expected:
                    problems.append(f"deal {deal.id}: the API says owner/stage/status {answered}, the books {expected}")
        return problems


class FunnelRecount:
    """The funnel report from the first simulated day to this one (the supervisor's team): leads and
    won deals equal the books' count of the deals opened in that period."""

    name = "funnel_recount"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        cohort = [
            deal
            for deal in books(sim).deals.values()
            if deal.created_day is not None and sim.start <= deal.created_day <= day
        ]
        if not cohort and not books(sim).deals:
            return []
        report = await sim.api(
            sim.supervisor, "GET", "/api/v1/reports/pipeline/funnel", params={"from": str(sim.start), "to": str(day)}
        )
        if report is None:
            return ["the funnel report did not answer"]
        total = report["total"]
        problems = []
        for figure, expected in (("leads", len(cohort)), ("won", sum(deal.status == "won" for deal in cohort))):
            if total.get(figure) != expected:
                problems.append(f"funnel {sim.start}..{day}: the report says {figure} = {total.get(figure)}, "
                                f"the books count {expected}")  # fmt: skip
        return problems


class HandoversNotified:
    """Every hand-over the rules should have made (tasting reached: to the territory's closer; a won
    account's first delivered order after the win: to its farmer) is stored and notified to the new
    owner as a `handover` notification."""

    name = "handovers_notified"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        ledger_ = books(sim)
        expected: list[tuple[uuid.UUID, int, str]] = []
        delivered = {order.account_id for order in ledger(sim).orders.values() if order.status == "delivered"}
        for deal in ledger_.deals.values():
            account = ledger_.accounts.get(deal.account_id)
            territory_id = account.territory_id if account is not None else None
            if territory_id is None:
                continue
            closer = ledger_.holders.get((territory_id, "closer"))
            if deal.handed_to_closer and closer is not None:
                expected.append((deal.id, closer, "stage_reached"))
            farmer = ledger_.holders.get((territory_id, "farmer"))
            if deal.status == "won" and not deal.delivered_before_win and deal.account_id in delivered and farmer:
                expected.append((deal.id, farmer, "first_delivered_order"))
        if not expected:
            return []
        # Notifications older than the sync horizon (and its grace) are purged by the worker's timer.
        purged_before = sim.clock.now() - dt.timedelta(days=sim.settings.sync_horizon_days) - SYNC_PRUNE_GRACE
        async with transaction(sim.pool, 30) as conn:
            stored = await repository.handovers_of_deals(
                conn, sorted({deal_id for deal_id, _, _ in expected}), purged_before
            )
        problems = []
        for deal_id, to_user, trigger in expected:
            rows = [h for h in stored if h.deal_id == deal_id and h.to_user_id == to_user and h.trigger == trigger]
            if not rows:
                problems.append(f"deal {deal_id}: no {trigger} hand-over to user {to_user}")
            elif not any(row.notified for row in rows):
                problems.append(f"deal {deal_id}: the {trigger} hand-over to user {to_user} was not notified to them")
        return problems


class TasksOnTime:
    """No task of the simulator is open more than `OVERDUE_DAYS` past its due time, each is stored as
    the books say, and every open task whose reminder time passed 30 minutes ago was reminded."""

    name = "tasks_on_time"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        tasks = books(sim).tasks
        if not tasks:
            return []
        now = sim.clock.now()
        async with transaction(sim.pool, 30) as conn:
            stored = {task.id: task for task in await repository.task_states(conn, sorted(tasks))}
        problems = []
        for task in tasks.values():
            row = stored.get(task.id)
            if row is None or row.status != task.status:
                state = row.status if row is not None else "missing"
                problems.append(f"task {task.id}: stored as {state}, the books say {task.status}")
                continue
            if task.status != "open":
                continue
            if now - task.due_at > dt.timedelta(days=OVERDUE_DAYS):
                problems.append(f"task {task.id} of user {task.owner_id}: open, due {task.due_at:%Y-%m-%d %H:%M}")
            if now - task.remind_at > dt.timedelta(minutes=30) and row.reminded_at is None:
                problems.append(f"task {task.id}: reminder due {task.remind_at:%Y-%m-%d %H:%M} never sent")
        return problems


def funnel_invariants() -> list[Any]:
    return [DealsSeenByOwners(), FunnelRecount(), HandoversNotified(), TasksOnTime()]
