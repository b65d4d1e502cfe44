"""The sale in the simulated visit: reps take orders, the office confirms and delivers them, and an
invariant recounts the sales figures from what was posted (docs/architecture.md ("The demo sells")).

- **Orders in visits** (`OrdersInVisits`): a few minutes after a check-in the rep posts an order
  (`POST /api/v1/orders`) when the seeded demand model of the demo catalogue
  (`backend.catalogue.demo.order_for_visit`) says the account orders that day. The order id is the
  uuid5 of the visit id, so a phone that sends it again replays the same order (5 % of the orders are
  sent twice, the second time with a later `sent_at`: the answer must be the stored order, marked
  `Idempotent-Replayed`). Lines are
  kept only for SKUs priced for the account on the day, read from the rep's offline catalogue
  (`GET /api/v1/me/catalogue`); one line in ten carries a small discount. A prospect (an account not
  active) orders in 15 % of its visits only: a first order is what the rep works for.
- **The office** (`OfficeMovesOrders`): at 16:30 of every working day the supervisor confirms the
  orders submitted before today (3 % are cancelled instead: the customer withdrew) and delivers
  those confirmed two or more days earlier (`POST /api/v1/orders/{id}/status`).
- **The recount** (`SalesRecount`): after every day, the orders the simulator posted (its own
  ledger, amounts computed by hand from the prices it read: quantity x price x (1 - discount),
  rounded half-up to the cent) are summed per rep for the day and for the run so far, and compared
  with `GET /api/v1/sales/kpis?group_by=rep`: orders, lines, money, units and active accounts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.catalogue.demo import DEMO_CATALOGUE_SEED, DemoCatalogue, build_demo_catalogue, order_for_visit
from backend.simulation.engine import Agent, Hook, Simulation
from backend.simulation.schemas import SimAccount, SimRep

ORDER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldsales.example/simulation/orders")
CENT = Decimal("0.01")
FACT_STATUSES = {"submitted": {"submitted", "confirmed", "delivered"}, "delivered": {"delivered"}}


def order_id_for_visit(visit_id: uuid.UUID) -> uuid.UUID:
    """The order taken in a visit: one per visit, the same id however often the phone sends it."""
    return uuid.uuid5(ORDER_NAMESPACE, str(visit_id))


@dataclass(frozen=True)
class PriceList:
    id: int
    channel: str | None
    account_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass
class PostedOrder:
    """What the simulated rep sent and what the office did with it, as the simulator knows it."""

    id: uuid.UUID
    rep_id: int
    account_id: int
    day: dt.date
    lines: int
    units: Decimal
    amount: Decimal
    status: str = "submitted"


@dataclass
class Ledger:
    """The simulator's own books: every order it posted, priced by hand."""

    orders: dict[uuid.UUID, PostedOrder] = field(default_factory=dict)
    replays: int = 0
    moves: dict[str, int] = field(default_factory=dict)


def ledger(sim: Simulation) -> Ledger:
    found = sim.state.get(OrdersInVisits.name)
    if not isinstance(found, Ledger):
        found = Ledger()
        sim.state[OrdersInVisits.name] = found
    return found


def line_amount(quantity: Decimal, price: Decimal, discount_pct: Decimal) -> Decimal:
    """quantity x price x (1 - discount / 100), rounded half-up to the cent (the order rules, by hand)."""
    return (quantity * price * (Decimal(100) - discount_pct) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)


class OrdersInVisits(Hook):
    """A few minutes after check-in the rep posts the order the demand model gives for the visit."""

    name = "orders"

    def __init__(
        self,
        catalogue_seed: int = DEMO_CATALOGUE_SEED,
        replay_share: float = 0.05,
        discount_share: float = 0.1,
        prospect_share: float = 0.15,
    ) -> None:
        self.catalogue: DemoCatalogue = build_demo_catalogue(catalogue_seed)
        self.catalogue_seed = catalogue_seed
        self.replay_share, self.discount_share = replay_share, discount_share
        self.prospect_share = prospect_share
        self.lists: list[PriceList] = []
        self.prices: dict[tuple[int, str], Decimal] = {}  # (price list, sku) -> price
        self.max_discount = Decimal("0")

    async def setup(self, sim: Simulation) -> None:
        ledger(sim)
        self.max_discount = Decimal(str(min(5.0, sim.settings.order_max_discount_pct)))
        lists: dict[int, PriceList] = {}
        for rep in sim.reps:
            # Each rep's phone keeps its own offline catalogue: the lists of that rep's accounts.
            bundle = await sim.api(sim.user(rep.email), "GET", "/api/v1/me/catalogue")
            if not bundle:
                continue
            sku_of = {product["id"]: product["sku"] for product in bundle["products"]}
            for item in bundle["price_lists"]:
                lists[item["id"]] = PriceList(
                    item["id"],
                    item["channel"],
                    item["account_id"],
                    dt.date.fromisoformat(item["valid_from"]),
                    None if item["valid_to"] is None else dt.date.fromisoformat(item["valid_to"]),
                )
            for price in bundle["prices"]:
                if price["product_id"] in sku_of:
                    self.prices[(price["price_list_id"], sku_of[price["product_id"]])] = Decimal(str(price["price"]))
        self.lists = sorted(lists.values(), key=lambda item: item.id)

    def price(self, account: SimAccount, sku: str, day: dt.date) -> Decimal | None:
        """The price that applies: the account's own list valid that day, else its channel's."""
        return self.price_for(account.id, account.channel, sku, day)

    def price_for(self, account_id: int, channel: str, sku: str, day: dt.date) -> Decimal | None:
        for own in (True, False):
            for price_list in self.lists:
                target = price_list.account_id == account_id if own else price_list.channel == channel
                if target and price_list.valid_on(day) and (price_list.id, sku) in self.prices:
                    return self.prices[(price_list.id, sku)]
        return None

    def in_visit(
        self, sim: Simulation, rep: SimRep, day: dt.date, visit_id: uuid.UUID, account_id: int, at: dt.datetime
    ) -> Agent | None:
        account = next((a for a in sim.accounts.get(rep.id, []) if a.id == account_id), None)
        if account is None:
            return None
        if account.status != "active" and sim.rng(self.name, "prospect", visit_id).random() >= self.prospect_share:
            return None
        wanted = order_for_visit(
            self.catalogue, account.id, account.channel, account.account_class, day, self.catalogue_seed
        )
        if not wanted:
            return None
        return self._order(sim, rep, day, visit_id, account, at, wanted)

    async def _order(
        self,
        sim: Simulation,
        rep: SimRep,
        day: dt.date,
        visit_id: uuid.UUID,
        account: SimAccount,
        at: dt.datetime,
        wanted: list[Any],
    ) -> Agent:
        rng = sim.rng(self.name, rep.id, day, visit_id)
        lines: list[dict[str, Any]] = []
        amount = units = Decimal(0)
        for line in wanted:
            price = self.price(account, line.sku, day)
            if price is None:  # not on the account's lists (e.g. a channel without a list): not offered
                continue
            discount = self.max_discount if rng.random() < self.discount_share else Decimal(0)
            quantity = Decimal(str(line.quantity))
            lines.append({"sku": line.sku, "quantity": line.quantity, "discount_pct": float(discount)})
            amount += line_amount(quantity, price, discount)
            units += quantity
        if not lines:
            return
        ordered_at = at + dt.timedelta(seconds=rng.randint(120, 280))
        yield ordered_at
        order_id = order_id_for_visit(visit_id)
        body = {
            "id": str(order_id),
            "account_id": account.id,
            "visit_id": str(visit_id),
            "ordered_at": ordered_at.isoformat(),
            "lines": lines,
            "sent_at": ordered_at.isoformat(),
        }
        who = sim.user(rep.email)
        if await sim.api(who, "POST", "/api/v1/orders", json=body, expect=(201,)) is None:
            return
        books = ledger(sim)
        books.orders[order_id] = PostedOrder(order_id, rep.id, account.id, day, len(lines), units, amount)
        if rng.random() < self.replay_share:
            # The phone did not get the answer and sends the order again a minute later.
            resend = {**body, "sent_at": (ordered_at + dt.timedelta(minutes=1)).isoformat()}
            answer = await who.request("POST", "/api/v1/orders", json=resend)
            if answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true":
                books.replays += 1
            else:
                sim.figures.api_errors.append(
                    f"{day} {rep.email} sent order {order_id} again: {answer.status_code} without a replay "
                    f"({answer.text[:200]})"
                )


class OfficeMovesOrders(Hook):
    """At 16:30 of each working day the office confirms yesterday's and older submitted orders (3 %
    cancelled: the customer withdrew) and delivers the orders confirmed two or more days ago."""

    name = "office"

    def __init__(self, cancel_share: float = 0.03) -> None:
        self.cancel_share = cancel_share

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        return [self._work(sim, day)] if day.isoweekday() <= 5 else []

    async def _work(self, sim: Simulation, day: dt.date) -> Agent:
        yield sim.at(day, 16 * 3600 + 1800)
        books = ledger(sim)
        confirmed_on: dict[uuid.UUID, dt.date] = sim.state.setdefault("office_confirmed_on", {})
        for order in sorted(books.orders.values(), key=lambda item: (item.day, str(item.id))):
            target: str | None = None
            if order.status == "submitted" and order.day < day:
                cancel = sim.rng(self.name, order.id).random() < self.cancel_share
                target = "cancelled" if cancel else "confirmed"
            elif order.status == "confirmed" and (day - confirmed_on.get(order.id, day)).days >= 2:
                target = "delivered"
            if target is None:
                continue
            moved = await sim.api(
                sim.supervisor, "POST", f"/api/v1/orders/{order.id}/status", json={"status": target}, expect=(200,)
            )
            if moved is None:
                continue
            order.status = target
            books.moves[target] = books.moves.get(target, 0) + 1
            if target == "confirmed":
                confirmed_on[order.id] = day


@dataclass(frozen=True)
class SalesCount:
    orders: int
    lines: int
    amount: Decimal
    units: Decimal
    accounts: int


def recount_sales(orders: list[PostedOrder], fact: set[str]) -> dict[int, SalesCount]:
    """Per rep: the fact orders (statuses in `fact`), their lines, money, units and distinct accounts."""
    by_rep: dict[int, list[PostedOrder]] = {}
    for order in orders:
        if order.status in fact:
            by_rep.setdefault(order.rep_id, []).append(order)
    return {
        rep_id: SalesCount(
            orders=len(items),
            lines=sum(item.lines for item in items),
            amount=sum((item.amount for item in items), Decimal(0)),
            units=sum((item.units for item in items), Decimal(0)),
            accounts=len({item.account_id for item in items}),
        )
        for rep_id, items in by_rep.items()
    }


class SalesRecount:
    """The sales KPIs per rep (the day, and the run so far) equal the simulator's own recount of the
    orders it posted: fact orders, lines, money, units and active accounts (AKB)."""

    name = "sales_recount"

    async def check(self, sim: Simulation, day: dt.date) -> list[str]:
        books = ledger(sim)
        fact = FACT_STATUSES[sim.settings.sales_fact_from]
        problems: list[str] = []
        for first, label in ((day, "the day"), (sim.start, "the run so far")):
            orders = [order for order in books.orders.values() if first <= order.day <= day]
            expected = recount_sales(orders, fact)
            report = await sim.api(
                sim.admin, "GET", "/api/v1/sales/kpis", params={"from": str(first), "to": str(day), "group_by": "rep"}
            )
            if report is None:
                return [f"the sales KPI report did not answer for {first}..{day}"]
            answered = {int(row["key"]): row for row in report["rows"] if str(row["key"]).isdigit()}
            for rep_id in sorted(set(expected) | set(answered)):
                problems += _compare(rep_id, label, expected.get(rep_id), answered.get(rep_id))
        return problems


def _compare(rep_id: int, label: str, expected: SalesCount | None, row: dict[str, Any] | None) -> list[str]:
    want = expected or SalesCount(0, 0, Decimal(0), Decimal(0), 0)
    got = row or {"orders": 0, "lines": 0, "amount": 0.0, "units": 0.0, "akb": 0}
    pairs = (
        ("orders", want.orders, got["orders"]),
        ("lines", want.lines, got["lines"]),
        ("money", want.amount, Decimal(str(got["amount"])).quantize(CENT, ROUND_HALF_UP)),
        ("units", want.units, Decimal(str(got["units"]))),
        ("active accounts", want.accounts, got["akb"]),
    )
    return [
        f"rep {rep_id}, {label}: the KPI report says {name} = {reported}, the posted orders recount to {recounted}"
        for name, recounted, reported in pairs
        if recounted != reported
    ]
