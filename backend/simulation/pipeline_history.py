"""The demo's sales funnel before its simulated weeks: a year of leads worked stage by stage, won or
lost, handed over by the rules, with the tasks and calls behind each move (docs/architecture.md
("The demo sells")). Generated in bulk with the order history (backend/simulation/history.py).

- **Won deals come from real first orders.** A share of the active accounts (`ACQUIRED_SHARE`) are
  customers won during the last year: each gets an acquisition day, the order history gives it no
  order before that day (it was a prospect being worked), and its first order after it is the order
  the closer won the deal with: the deal moves to won 30 minutes to 3 hours after that order was
  taken. Its stages before that (lead, contacted, qualified, tasting, offer) are laid out backwards,
  each stage lasting its `norm_days` x 0.4-1.3 (weekends moved to the Friday before).
- **Lost and open deals** are opened on prospects (accounts with status `potential`) on days spread
  over the year, about 3.7 per won deal so that about 60 % of the leads reach the qualified stage and
  about 35 % of those are won. Half of them are lost before the qualified stage (at the lead or after
  the first contact), half after it (at qualified, tasting or offer), each with a reason of its stage.
  A deal whose next move would fall after the history's last day stays open where it is (the
  simulated weeks pick it up).
- **Owners and hand-overs, as the rules make them:** the territory's hunter opens the deal (source
  field, web form or licence register), the territory's telemarketer a telemarketing one (the
  hunter when no one plays that role), and the opener moves it up to the tasting; reaching the
  tasting hands it to the territory's closer (a `handovers` row of the tasting rule); the won account's
  first delivered order hands it to the territory's farmer (a `handovers` row of that rule, the
  account's `account_manager_id`). No notifications are written for the past.
- **Tasks and calls:** before each move the owner had a task for it (call, visit for the tasting,
  send the offer, follow up), due just after the move, reminded an hour before, done minutes before
  the move; and a call logged 10-40 minutes before the move (duration 1-15 min, its outcome). The
  farmer's welcome call two working days after the first delivery is a done task and a call too.
- **The telemarketer's calls:** on each weekday of the deal year (not the fixed holidays) 5-9 cold
  calls to prospects (0-5 minutes, no answer, not interested, call back later...), and 0-2
  unanswered calls before each call of their own deals' moves.
- **Lead source costs** per month for every source used, from the first deal's month to two months
  after the history (costs already entered stay).
- Deterministic: every choice comes from `random.Random(f"{seed}:deals:...")`.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg

from backend.simulation import repository
from backend.simulation.schemas import PipelineStageRow, SimAccount

PIPELINE_CODE = "new-customer"
DEAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldsales.example/simulation/history-deals")
ACQUIRED_SHARE = 0.15  # of the active accounts: won during the last year of the history
DEAL_DAYS = 365  # how far back leads are opened
OTHER_DEALS_PER_WON = 3.7  # lost or still open deals per won one (~21 % of the leads won)
SOURCES = (("field", 0.5), ("web_form", 0.17), ("licence_register", 0.1), ("telemarketing", 0.23))
# Days nobody works in Finland every year (month, day): New Year, Epiphany, May Day, Independence Day,
# Christmas Eve, Christmas and Boxing Day. Movable feasts come only from the holidays table.
FIXED_HOLIDAYS = {(1, 1), (1, 6), (5, 1), (12, 6), (12, 24), (12, 25), (12, 26)}
COLD_CALLS_PER_DAY = (5, 9)
COLD_OUTCOMES = (
    ("no answer", 0.35),
    ("voicemail: left a message", 0.15),
    ("not interested", 0.25),
    ("call back later", 0.15),
    ("has a wholesaler; sent our price list by e-mail", 0.1),
)
UNANSWERED = ["no answer", "voicemail: left a message", "line busy"]
MONTHLY_COST = {"field": 1500, "web_form": 600, "licence_register": 250, "telemarketing": 900}
# Where the lost deals are lost: half before the qualified stage, half after it.
LOST_AT = (("lead", 0.2), ("contacted", 0.3), ("qualified", 0.175), ("tasting", 0.175), ("offer", 0.15))
LOST_REASONS = {
    "lead": ["no answer after three calls", "closed for renovation", "not interested"],
    "contacted": ["buys only from their current wholesaler", "outside our delivery area", "too small"],
    "qualified": ["no budget this season", "decision postponed"],
    "tasting": ["did not like the range", "prefers a competitor's range"],
    "offer": ["price too high", "went with a competitor", "payment terms not accepted"],
}
# The task before each move into the stage: kind, title; and the call's outcome.
STEP = {
    "contacted": ("call", "First call", "reached the owner; interested"),
    "qualified": ("call", "Qualify: volumes, range, decision maker", "qualified: volumes and decision maker known"),
    "tasting": ("visit", "Arrange the tasting", "tasting agreed"),
    "offer": ("send_offer", "Send the offer after the tasting", "tasting went well; offer requested"),
    "won": ("follow_up", "Follow up the offer", "offer accepted; first order placed"),
    "lost": ("follow_up", "Follow up", "declined"),
}


@dataclass
class DealPlan:
    """Decided before the visits are generated: which active accounts were won when."""

    first_day: dt.date  # first day a lead may be opened
    last_day: dt.date
    seed: int
    acquired: dict[int, dt.date] = field(default_factory=dict)  # account -> its acquisition day
    territory_of: dict[int, int] = field(default_factory=dict)  # account -> territory
    prospects: list[int] = field(default_factory=list)

    def may_order(self, account_id: int, day: dt.date) -> bool:
        """An acquired account places no order before its acquisition day."""
        acquired = self.acquired.get(account_id)
        return acquired is None or day >= acquired


@dataclass
class DealCounts:
    deals: int = 0
    won: int = 0
    lost: int = 0
    open: int = 0
    stage_changes: int = 0
    handovers: int = 0
    tasks: int = 0
    calls: int = 0
    source_costs: int = 0

    def line(self) -> str:
        return (
            f"deals: {self.deals} leads ({self.won} won, {self.lost} lost, {self.open} open), "
            f"{self.stage_changes} stage changes, {self.handovers} hand-overs, {self.tasks} tasks, "
            f"{self.calls} calls, {self.source_costs} monthly source costs"
        )


def plan_deals(accounts: dict[int, list[SimAccount]], first: dt.date, last: dt.date, seed: int) -> DealPlan:
    """Choose the accounts won during the history's last year (and their acquisition days) and the
    prospects leads may be opened on. `accounts` by territory."""
    deal_from = max(first + dt.timedelta(days=90), last - dt.timedelta(days=DEAL_DAYS))
    plan = DealPlan(deal_from, last, seed)
    latest = last - dt.timedelta(days=20)  # the won account's first order mostly falls inside the history
    earliest = deal_from + dt.timedelta(days=60)  # room for the stages before the win
    for territory_id in sorted(accounts):
        for account in accounts[territory_id]:
            plan.territory_of[account.id] = territory_id
            rng = random.Random(f"{seed}:deals:account:{account.id}")  # noqa: S311 - reproducible demo data
            if account.status == "active" and latest > earliest and rng.random() < ACQUIRED_SHARE:
                plan.acquired[account.id] = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days))
            elif account.status == "potential":
                plan.prospects.append(account.id)
    return plan


@dataclass
class _Rows:
    deals: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    handovers: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    managers: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _FirstOrder:
    ordered_at: dt.datetime
    delivered_at: dt.datetime | None
    delivered_by: int | None


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _at(zone: zoneinfo.ZoneInfo, day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(seconds=seconds)


def _weekday(day: dt.date, back: bool) -> dt.date:
    while day.isoweekday() > 5:
        day += dt.timedelta(days=-1 if back else 1)
    return day


def _dwell(rng: random.Random, stage: PipelineStageRow) -> int:
    return max(1, round(stage.norm_days * rng.uniform(0.4, 1.3)))


class _Builder:
    def __init__(
        self,
        stages: list[PipelineStageRow],
        rules: dict[str, tuple[int, str]],
        holders: dict[tuple[int, str], int],
        zone: zoneinfo.ZoneInfo,
        seed: int,
    ) -> None:
        self.stages = {stage.code: stage for stage in stages}
        self.open_codes = [stage.code for stage in stages if stage.outcome == "open"]
        self.won = next(stage for stage in stages if stage.outcome == "won")
        self.lost = next(stage for stage in stages if stage.outcome == "lost")
        self.pipeline_id = stages[0].pipeline_id
        self.rules = rules  # "stage:<code>" or "first_delivered_order" -> (rule id, to_role)
        self.holders = holders
        self.zone, self.seed = zone, seed
        self.rows = _Rows()
        self.counts = DealCounts()
        self.telemarketers = {user for (_, role), user in holders.items() if role == "telemarketer"}

    def cold_calls(self, prospects: list[int], first: dt.date, last: dt.date) -> None:
        """The telemarketers' cold calls to prospects on each weekday of [first, last] (not the fixed
        holidays): 5-9 a day, 09:00-16:00, 0-5 minutes, no deal."""
        if not prospects:
            return
        for person in sorted(self.telemarketers):
            day = first
            while day <= last:
                if day.isoweekday() <= 5 and (day.month, day.day) not in FIXED_HOLIDAYS:
                    rng = random.Random(f"{self.seed}:deals:cold:{person}:{day}")  # noqa: S311
                    times = sorted(rng.sample(range(9 * 3600, 16 * 3600, 60), rng.randint(*COLD_CALLS_PER_DAY)))
                    for index, seconds in enumerate(times):
                        at = _at(self.zone, day, seconds)
                        self.rows.activities.append(
                            (self._id("cold", person, day, index), rng.choice(prospects), None, person, "call",
                             "outbound", at, rng.randint(0, 300), _weighted(rng, COLD_OUTCOMES), None, at)
                        )  # fmt: skip
                        self.counts.calls += 1
                day += dt.timedelta(days=1)

    def _id(self, *key: object) -> uuid.UUID:
        return uuid.uuid5(DEAL_NAMESPACE, f"{self.seed}:" + ":".join(str(part) for part in key))

    def deal(
        self,
        account_id: int,
        territory_id: int,
        path: list[tuple[str, dt.datetime]],
        lost_reason: str | None,
        rng: random.Random,
        first_order: _FirstOrder | None = None,
    ) -> None:
        """Write one deal that went through `path` ((stage code, entered at), the first its opening)."""
        hunter = self.holders.get((territory_id, "hunter"))
        if hunter is None or not path:
            return
        deal_id = self._id("deal", account_id, path[0][1].isoformat())
        source = _weighted(random.Random(f"{self.seed}:deals:source:{deal_id}"), SOURCES)  # noqa: S311
        # A telemarketing lead is the telemarketer's (they found it on the phone); the others the hunter's.
        opener = self.holders.get((territory_id, "telemarketer"), hunter) if source == "telemarketing" else hunter
        handover_rule = next(
            ((code, rule) for key, rule in self.rules.items() if key.startswith("stage:") for code in [key[6:]]),
            None,
        )
        owner = opener
        previous: str | None = None
        previous_at = path[0][1]
        for index, (code, at) in enumerate(path):
            stage = self.stages[code]
            mover = owner
            if index > 0:
                self._task_and_call(deal_id, account_id, owner, code, previous_at, at, rng)
            self.rows.changes.append(
                (deal_id, None if previous is None else self.stages[previous].id, stage.id, mover, at)
            )
            if handover_rule is not None and code == handover_rule[0]:
                rule_id, to_role = handover_rule[1]
                holder = self.holders.get((territory_id, to_role))
                if holder is not None and holder != owner:
                    reason = f"reached stage {code!r}: the deal goes to the territory's {to_role}"
                    self.rows.handovers.append((deal_id, account_id, owner, holder, rule_id, reason, mover, at))
                    owner = holder
                    # The new owner plans the next step half an hour after the hand-over.
                    at = at + dt.timedelta(minutes=30)
            previous, previous_at = code, at
        final_code, final_at = path[-1]
        final = self.stages[final_code]
        status = final.outcome
        closed_at = final_at if status != "open" else None
        created_at = path[0][1]
        amount = Decimal(rng.randrange(15, 90) * 100)
        self.rows.deals.append(
            (deal_id, self.pipeline_id, account_id, final.id, status, owner, source, amount,
             created_at.astimezone(self.zone).date() + dt.timedelta(days=56), lost_reason, "New customer",
             opener, created_at, final_at, closed_at, final_at)
        )  # fmt: skip
        self.counts.deals += 1
        self.counts.stage_changes += len(path)
        setattr(self.counts, status, getattr(self.counts, status) + 1)
        if status == "won" and first_order is not None and first_order.delivered_at is not None:
            self._to_farmer(deal_id, account_id, territory_id, owner, first_order, rng)

    def _task_and_call(
        self,
        deal_id: uuid.UUID,
        account_id: int,
        owner: int,
        code: str,
        since: dt.datetime,
        move_at: dt.datetime,
        rng: random.Random,
    ) -> None:
        kind, title, outcome = STEP["won" if code == self.won.code else "lost" if code == self.lost.code else code]
        task_id = self._id("task", deal_id, code)
        due_at = move_at + dt.timedelta(minutes=30)
        remind_at = due_at - dt.timedelta(hours=1)
        done_at = move_at - dt.timedelta(minutes=2)
        created_at = min(since + dt.timedelta(minutes=10), done_at - dt.timedelta(minutes=1))
        self.rows.tasks.append(
            (task_id, owner, account_id, deal_id, kind, title, None, due_at, remind_at, remind_at, "done", done_at,
             owner, created_at, done_at)
        )  # fmt: skip
        called_at = move_at - dt.timedelta(minutes=rng.randint(10, 40))
        self.rows.activities.append(
            (self._id("call", deal_id, code), account_id, deal_id, owner, "call", "outbound", called_at,
             rng.randint(60, 900), outcome, None, called_at)
        )  # fmt: skip
        if owner in self.telemarketers:
            # The telemarketer reached the decision maker after 0-2 unanswered calls earlier that day.
            tries = random.Random(f"{self.seed}:deals:tries:{deal_id}:{code}")  # noqa: S311
            for attempt in range(tries.randint(0, 2)):
                tried_at = called_at - dt.timedelta(minutes=(attempt + 1) * tries.randint(40, 90))
                self.rows.activities.append(
                    (self._id("call", deal_id, code, "attempt", attempt), account_id, deal_id, owner, "call",
                     "outbound", tried_at, tries.randint(0, 40), tries.choice(UNANSWERED), None, tried_at)
                )  # fmt: skip
                self.counts.calls += 1
        self.counts.tasks += 1
        self.counts.calls += 1

    def _to_farmer(
        self,
        deal_id: uuid.UUID,
        account_id: int,
        territory_id: int,
        owner: int,
        first_order: _FirstOrder,
        rng: random.Random,
    ) -> None:
        rule = self.rules.get("first_delivered_order")
        assert first_order.delivered_at is not None
        if rule is None:
            return
        rule_id, to_role = rule
        farmer = self.holders.get((territory_id, to_role))
        if farmer is None:
            return
        at = first_order.delivered_at
        reason = f"first delivered order: the account goes to the territory's {to_role}"
        self.rows.handovers.append((deal_id, account_id, owner, farmer, rule_id, reason, first_order.delivered_by, at))
        self.rows.managers[account_id] = farmer
        # The farmer's welcome call two working days after the delivery.
        day = at.astimezone(self.zone).date()
        for _ in range(2):
            day = _weekday(day + dt.timedelta(days=1), back=False)
        due_at = _at(self.zone, day, 10 * 3600 + rng.randrange(0, 6 * 3600, 300))
        done_at = due_at - dt.timedelta(minutes=rng.randint(5, 60))
        self.rows.tasks.append(
            (self._id("task", deal_id, "welcome"), farmer, account_id, deal_id, "call", "Welcome call after the "
             "first delivery", None, due_at, due_at - dt.timedelta(hours=1), due_at - dt.timedelta(hours=1), "done",
             done_at, farmer, at + dt.timedelta(minutes=10), done_at)
        )  # fmt: skip
        self.rows.activities.append(
            (self._id("call", deal_id, "welcome"), account_id, deal_id, farmer, "call", "outbound", done_at,
             rng.randint(120, 600), "delivery fine; next order in two weeks", None, done_at)
        )  # fmt: skip
        self.counts.tasks += 1
        self.counts.calls += 1


def _moment(zone: zoneinfo.ZoneInfo, day: dt.date, rng: random.Random) -> dt.datetime:
    """A working moment of `day` (09:00-16:00 local)."""
    return _at(zone, day, rng.randrange(9 * 3600, 16 * 3600, 60))


def _won_path(builder: _Builder, won_at: dt.datetime, rng: random.Random) -> list[tuple[str, dt.datetime]]:
    """lead -> ... -> offer laid out backwards from the win, each stage lasting about its norm."""
    zone = builder.zone
    path: list[tuple[str, dt.datetime]] = [(builder.won.code, won_at)]
    next_day = won_at.astimezone(zone).date()
    for code in reversed(builder.open_codes):
        day = _weekday(next_day - dt.timedelta(days=_dwell(rng, builder.stages[code])), back=True)
        path.append((code, _moment(zone, day, rng)))
        next_day = day
    path.reverse()
    return path


def _lost_path(
    builder: _Builder, created_day: dt.date, lost_at: str, end: dt.datetime, rng: random.Random
) -> tuple[list[tuple[str, dt.datetime]], bool]:
    """From the opening forward to the stage it is lost at, then lost; cut at `end` (then still open).
    The path and whether it reached lost."""
    zone = builder.zone
    path: list[tuple[str, dt.datetime]] = []
    day = _weekday(created_day, back=False)
    for code in builder.open_codes:
        at = _moment(zone, day, rng)
        if at > end:
            return path, False
        path.append((code, at))
        day = _weekday(day + dt.timedelta(days=_dwell(rng, builder.stages[code])), back=False)
        if code == lost_at:
            break
    at = _moment(zone, day, rng)
    if at > end:
        return path, False
    path.append((builder.lost.code, at))
    return path, True


def _first_orders(
    orders: list[tuple[Any, ...]], plan: DealPlan, offices: dict[int, int | None]
) -> dict[int, _FirstOrder]:
    """Each acquired account's first order that was not cancelled (rows as history.py builds them:
    id, account, rep, visit, territory, status, ordered_at, order_day, delivery_day, ..., updated_at)."""
    first: dict[int, _FirstOrder] = {}
    for order in orders:
        account_id, rep_id, status, ordered_at = order[1], order[2], order[5], order[6]
        if account_id not in plan.acquired or status == "cancelled":
            continue
        known = first.get(account_id)
        if known is None or ordered_at < known.ordered_at:
            delivered = order[-1] if status == "delivered" else None
            first[account_id] = _FirstOrder(ordered_at, delivered, offices.get(rep_id))
    return first


async def write_deals(
    conn: asyncpg.Connection,
    plan: DealPlan,
    orders: list[tuple[Any, ...]],
    offices: dict[int, int | None],
    time_zone: str,
) -> DealCounts | None:
    """Generate and write the deal history of `plan` (None: no demo pipeline, or deals exist already)."""
    stages = await repository.pipeline_stages_of(conn, PIPELINE_CODE)
    if not stages or await repository.deals_exist(conn):
        return None
    by_id = {stage.id: stage.code for stage in stages}
    rules: dict[str, tuple[int, str]] = {}
    for rule in await repository.pipeline_rules_of(conn, stages[0].pipeline_id):
        key = f"stage:{by_id[rule.stage_id]}" if rule.stage_id is not None else rule.trigger
        rules.setdefault(key, (rule.id, rule.to_role))
    zone = zoneinfo.ZoneInfo(time_zone)
    builder = _Builder(stages, rules, await repository.territory_role_holders(conn), zone, plan.seed)
    end = _at(zone, plan.last_day, 24 * 3600 - 1)
    first_orders = _first_orders(orders, plan, offices)
    for account_id in sorted(first_orders):
        rng = random.Random(f"{plan.seed}:deals:won:{account_id}")  # noqa: S311 - reproducible demo data
        first_order = first_orders[account_id]
        won_at = first_order.ordered_at + dt.timedelta(minutes=rng.randint(30, 180))
        if won_at > end:
            continue
        path = _won_path(builder, won_at, rng)
        builder.deal(account_id, plan.territory_of[account_id], path, None, rng, first_order)
    others = min(round(builder.counts.won * OTHER_DEALS_PER_WON), int(len(plan.prospects) * 0.6))
    picker = random.Random(f"{plan.seed}:deals:prospects")  # noqa: S311 - reproducible demo data
    span = max(1, (plan.last_day - plan.first_day).days)
    for account_id in sorted(picker.sample(plan.prospects, others)):
        rng = random.Random(f"{plan.seed}:deals:lead:{account_id}")  # noqa: S311 - reproducible demo data
        created_day = plan.first_day + dt.timedelta(days=rng.randrange(span))
        lost_at = _weighted(rng, LOST_AT)
        path, lost = _lost_path(builder, created_day, lost_at, end, rng)
        reason = rng.choice(LOST_REASONS.get(lost_at, ["not interested"])) if lost else None
        builder.deal(account_id, plan.territory_of[account_id], path, reason, rng)
    builder.cold_calls(sorted(plan.prospects), plan.first_day, plan.last_day)
    rows = builder.rows
    await repository.copy_history_deals(conn, rows.deals, rows.changes, rows.handovers, rows.tasks, rows.activities)
    await repository.set_history_account_managers(conn, rows.managers)
    builder.counts.handovers = len(rows.handovers)
    used = sorted({deal[6] for deal in rows.deals})
    costs: list[tuple[str, dt.date, Decimal]] = []
    month = plan.first_day.replace(day=1)
    last_month = _add_months(plan.last_day.replace(day=1), 2)
    while month <= last_month:
        for source in used:
            rng = random.Random(f"{plan.seed}:deals:cost:{source}:{month}")  # noqa: S311 - reproducible demo data
            amount = round(MONTHLY_COST[source] * rng.uniform(0.85, 1.15) / 10) * 10
            costs.append((source, month, Decimal(amount)))
        month = _add_months(month, 1)
    builder.counts.source_costs = await repository.insert_history_source_costs(
        conn, costs, await repository.first_admin(conn)
    )
    return builder.counts


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
