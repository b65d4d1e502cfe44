"""The demo's order history before its simulated weeks: months of visits and the orders taken in them,
generated in bulk (docs/architecture.md ("The demo sells")).

Driving two years day by day through the API would take far longer than `make run` may, so the months
before the simulated weeks are generated here in one pass and written with a few bulk statements,
under the same rules as the live product:

- **Visits** (rows of `visits`, no route: none was published then): every working day of each rep
  (the rep's weekdays, minus public holidays recorded and the fixed Finnish ones below, minus the rep's
  absences), the rep visits the active accounts of their territory at the journey-plan frequency
  (`visit_frequency_per_4_weeks`, at a seeded phase: A weekly, B every two weeks, C every four) and
  prospects about twice a year; 7 % of the visits are skipped. The day starts up to 30 minutes after
  the shift start; stops follow nearest-first from home, travel by car (haversine x 1.3 at 25 km/h),
  service time x 0.7-1.3, check-in 2-25 m from the outlet.
- **Orders**: in each visit of an active account the demand model of the demo catalogue
  (`backend.catalogue.demo.order_for_visit`: core assortment, December peak, summer terraces for
  HoReCa, quiet January-February) decides the lines; prospects place no order (their status says they
  never bought). Each line is priced as `POST /api/v1/orders` prices it (`backend.catalogue.rules.
  applicable_price`, `backend.orders.rules.line_amount`); the order id is the uuid5 of its visit's id,
  its `ordered_at` 2-5 minutes after the check-in, `visit_id` the visit: every order comes from a
  visit of the same rep and account on the same day.
- **Statuses**: taken as submitted by the rep; the next working day at 09:00-11:00 the rep's
  supervisor confirms it (2 % are cancelled instead), the working day after delivers it (the
  delivery day); each move is an `order_status_changes` row.
- **Plans** (`sales_monthly`, source `demo-history`): per rep, root category and region, each month
  from the history's thirteenth to two months after its end (the simulated weeks and the current
  month), the fact of the same month a year earlier + 5 % (money rounded to 100 EUR, whole units), so
  plan vs fact has something to compare with; plans already set are kept.
- **Deterministic**: every choice comes from `random.Random(f"{seed}:history:...")`; the same city,
  catalogue, seed and dates give the same rows.

Written with `COPY` (orders, lines, status changes) and one `unnest` insert (visits, whose points are
PostGIS geometry); the order lines' monthly roll-up trigger fires per line as for any order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg

from backend.catalogue.demo import DEMO_CATALOGUE_SEED, DemoCatalogue, build_demo_catalogue, order_for_visit
from backend.catalogue.rules import PriceListRef, applicable_price
from backend.orders.rules import line_amount
from backend.simulation import repository
from backend.simulation.pipeline_history import FIXED_HOLIDAYS, DealCounts, DealPlan, plan_deals, write_deals
from backend.simulation.schemas import HistoryProduct, SimAccount, SimRep

HISTORY_MONTHS = 24
VISIT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldsales.example/simulation/history-visits")
ORDER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldsales.example/simulation/orders")
SKIP_SHARE = 0.07
PROSPECT_PERIOD_DAYS = 120  # working days between two visits of a prospect
CANCEL_SHARE = 0.02
PLAN_GROWTH = Decimal("1.05")  # each month's plan: the same month a year earlier + 5 %
SPEED_M_S = 7.0
DETOUR = 1.3


def history_first_day(simulated_from: dt.date, months: int = HISTORY_MONTHS) -> dt.date:
    """The first day of the month `months` months before the month of `simulated_from`."""
    index = simulated_from.year * 12 + simulated_from.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class HistoryCounts:
    first_day: dt.date
    last_day: dt.date
    seed: int
    rep_days: int = 0
    visits: int = 0
    orders: int = 0
    lines: int = 0
    cancelled: int = 0
    plans: int = 0
    amount: Decimal = Decimal(0)
    months: dict[dt.date, Decimal] = field(default_factory=dict)  # fact amount per month
    deals: DealCounts | None = None

    def lines_of_summary(self) -> list[str]:
        months = sorted(self.months)
        peak = max(months, key=lambda month: self.months[month]) if months else None
        mean = sum(self.months.values(), Decimal(0)) / len(months) if months else Decimal(0)
        return [
            f"history {self.first_day}..{self.last_day} (seed {self.seed}): {self.rep_days} rep-days, "
            f"{self.visits} visits, {self.orders} orders ({self.cancelled} cancelled), {self.lines} lines, "
            f"{self.amount:,.0f} EUR; {self.plans} monthly plans (rep x category x region)",
            f"busiest month {peak:%Y-%m}: {self.months[peak]:,.0f} EUR against a monthly mean of {mean:,.0f} EUR"
            if peak is not None
            else "no orders",
            self.deals.line() if self.deals is not None else "deals: none (no demo pipeline, or deals exist)",
        ]


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    north = metres * math.cos(math.radians(bearing_deg))
    east = metres * math.sin(math.radians(bearing_deg))
    return lat + north / 111_320, lon + east / (111_320 * math.cos(math.radians(lat)))


def _working_days(
    rep: SimRep, first: dt.date, last: dt.date, holidays: set[dt.date], absent: set[dt.date]
) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        off = day in holidays or day in absent or (day.month, day.day) in FIXED_HOLIDAYS
        if day.isoweekday() in rep.working_days and not off:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _next_working(day: dt.date, after: int) -> dt.date:
    """The `after`-th weekday after `day` (fixed holidays skipped)."""
    while after > 0:
        day += dt.timedelta(days=1)
        if day.isoweekday() <= 5 and (day.month, day.day) not in FIXED_HOLIDAYS:
            after -= 1
    return day


def _plan(accounts: list[SimAccount], rng_key: str) -> list[tuple[SimAccount, int, int]]:
    """The journey plan: (account, period, phase) in working days; the account is due on working day
    number i when i % period == phase. Active accounts at their frequency (20 working days = 4 weeks),
    half the prospects every `PROSPECT_PERIOD_DAYS`, the other prospects never."""
    plan = []
    for account in accounts:
        rng = random.Random(f"{rng_key}:phase:{account.id}")  # noqa: S311 - reproducible demo data
        if account.status == "active":
            period = max(1, round(20 / max(1, account.visit_frequency_per_4_weeks)))
            plan.append((account, period, rng.randrange(period)))
        elif account.status == "potential" and rng.random() < 0.5:
            plan.append((account, PROSPECT_PERIOD_DAYS, rng.randrange(PROSPECT_PERIOD_DAYS)))
    return plan


@dataclass
class _Rows:
    """What the generator writes, built in memory first (one bulk statement per table)."""

    visits: list[list[Any]] = field(default_factory=lambda: [[] for _ in range(9)])  # column-wise
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    moves: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Context:
    """The priced catalogue and the demand model, read once."""

    catalogue: DemoCatalogue
    catalogue_seed: int
    lists: list[PriceListRef]
    products: dict[str, HistoryProduct]
    supervisors: dict[int, int | None]

    def order(
        self,
        rows: _Rows,
        counts: HistoryCounts,
        rep: SimRep,
        account: SimAccount,
        day: dt.date,
        visit_id: uuid.UUID,
        checked_in_at: dt.datetime,
        rng: random.Random,
    ) -> None:
        """The order the demand model gives for the visit (none: nothing), priced by the order rules,
        with its status moves by the rep's supervisor."""
        wanted = order_for_visit(
            self.catalogue, account.id, account.channel, account.account_class, day, self.catalogue_seed
        )
        order_id = uuid.uuid5(ORDER_NAMESPACE, str(visit_id))
        cancelled = rng.random() < CANCEL_SHARE
        status = "cancelled" if cancelled else "delivered"
        total = units = Decimal(0)
        mask = 0
        lines: list[tuple[Any, ...]] = []
        for line in wanted:
            product = self.products.get(line.sku)
            applied = (
                None if product is None else applicable_price(self.lists, product.id, account.id, account.channel, day)
            )
            if product is None or applied is None:  # not on the account's lists that day: not offered
                continue
            quantity = Decimal(str(line.quantity))
            amount = line_amount(quantity, applied.price, Decimal(0))
            line_no = len(lines)
            lines.append(
                (order_id, line_no, product.id, applied.price_list_id, quantity, applied.price, Decimal(0), amount,
                 day, status, account.id, rep.id, rep.territory_id, product.root_id)
            )  # fmt: skip
            total, units = total + amount, units + quantity
            if product.bit_index >= 0:
                mask |= 1 << product.bit_index
        if not lines:
            return
        zone = zoneinfo.ZoneInfo(rep.time_zone)
        office = self.supervisors.get(rep.id)
        ordered_at = checked_in_at + dt.timedelta(seconds=rng.randint(120, 300))
        decided_at = _at(zone, _next_working(day, 1), 9 * 3600 + rng.randint(0, 7200))
        rows.moves.append((order_id, None, "submitted", rep.id, ordered_at))
        delivery_day: dt.date | None = None
        if cancelled:
            rows.moves.append((order_id, "submitted", "cancelled", office, decided_at))
            updated_at = decided_at
            counts.cancelled += 1
        else:
            delivery_day = _next_working(day, 2)
            updated_at = _at(zone, delivery_day, 13 * 3600 + rng.randint(0, 10800))
            rows.moves.append((order_id, "submitted", "confirmed", office, decided_at))
            rows.moves.append((order_id, "confirmed", "delivered", office, updated_at))
            month = day.replace(day=1)
            counts.months[month] = counts.months.get(month, Decimal(0)) + total
            counts.amount += total
        received_at = ordered_at + dt.timedelta(seconds=rng.randint(0, 600))
        header = (order_id, account.id, rep.id, visit_id, rep.territory_id, status, ordered_at, day, delivery_day)
        rows.orders.append((*header, total, units, len(lines), mask, received_at, updated_at))
        rows.lines += lines
        counts.orders += 1
        counts.lines += len(lines)


async def generate_history(
    conn: asyncpg.Connection,
    first: dt.date,
    last: dt.date,
    *,
    seed: int = 1,
    catalogue_seed: int = DEMO_CATALOGUE_SEED,
    time_zone: str = "Europe/Helsinki",
) -> HistoryCounts | None:
    """Generate and write the visits and orders of [first, last]; None (nothing written) when any
    visit or order already lies in that period."""
    if last < first or await repository.history_taken(conn, first, last):
        return None
    counts = HistoryCounts(first, last, seed)
    grouped: dict[int, PriceListRef] = {}
    for item in await repository.history_price_items(conn):
        ref = grouped.setdefault(
            item.id, PriceListRef(item.id, item.account_id, item.channel, item.valid_from, item.valid_to, {})
        )
        ref.prices[item.product_id] = item.price
    context = _Context(
        catalogue=build_demo_catalogue(catalogue_seed),
        catalogue_seed=catalogue_seed,
        lists=list(grouped.values()),
        products={product.sku: product for product in await repository.history_products(conn)},
        supervisors=await repository.rep_supervisors(conn),
    )
    holidays, absences = await repository.days_off(conn)
    rows = _Rows()
    reps = [rep for rep in await repository.reps(conn) if rep.territory_id is not None]
    accounts = {rep.id: await repository.territory_accounts(conn, rep.territory_id) for rep in reps if rep.territory_id}
    # The customers won during the last year place no order before their acquisition day.
    deal_plan: DealPlan = plan_deals(
        {rep.territory_id: accounts[rep.id] for rep in reps if rep.territory_id}, first, last, seed
    )
    for rep in reps:
        key = f"{seed}:history:{rep.id}"
        plan = _plan(accounts[rep.id], key)
        zone = zoneinfo.ZoneInfo(rep.time_zone)
        for index, day in enumerate(_working_days(rep, first, last, holidays, absences.get(rep.id, set()))):
            rng = random.Random(f"{key}:{day.isoformat()}")  # noqa: S311 - reproducible demo data
            due = [account for account, period, phase in plan if index % period == phase and rng.random() >= SKIP_SHARE]
            if not due:
                continue
            counts.rep_days += 1
            now_s = rep.shift_start_s + rng.randint(0, 1800)
            lat, lon = rep.home_lat, rep.home_lon
            while due and now_s < rep.shift_end_s:
                account = min(due, key=lambda a: _distance_m(lat, lon, a.lat, a.lon))
                due.remove(account)
                now_s += int(_distance_m(lat, lon, account.lat, account.lon) * DETOUR / SPEED_M_S)
                checked_in_at = _at(zone, day, now_s)
                service_s = max(300, int(account.service_s * rng.uniform(0.7, 1.3)))
                visit_id = uuid.uuid5(VISIT_NAMESPACE, f"{seed}:{rep.id}:{account.id}:{day.isoformat()}")
                distance = rng.uniform(2, 25)
                point_lat, point_lon = _offset(account.lat, account.lon, distance, rng.uniform(0, 360))
                checked_out_at = checked_in_at + dt.timedelta(seconds=service_s)
                visit = (visit_id, rep.id, account.id, checked_in_at, checked_out_at, point_lat, point_lon)
                for column, value in zip(rows.visits, (*visit, rng.uniform(5, 25), distance), strict=True):
                    column.append(value)
                counts.visits += 1
                now_s += service_s
                lat, lon = account.lat, account.lon
                # Prospects place no order (their status says they never bought); nor does a customer won
                # later in the history before its acquisition day.
                if account.status == "active" and deal_plan.may_order(account.id, day):
                    context.order(rows, counts, rep, account, day, visit_id, checked_in_at, rng)
    await repository.insert_history_visits(conn, rows.visits)
    await repository.copy_history_orders(conn, rows.orders, rows.lines, rows.moves)
    counts.deals = await write_deals(conn, deal_plan, rows.orders, context.supervisors, time_zone)
    # Plans from the second year of the history to two months after it (the simulated weeks and the
    # current month): last year's fact of the month plus the growth target.
    plans_to = _add_months(last.replace(day=1), 3) - dt.timedelta(days=1)
    counts.plans = await repository.insert_history_plans(
        conn, first, _add_months(plans_to.replace(day=1), -11) - dt.timedelta(days=1), PLAN_GROWTH
    )
    return counts


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(zone: zoneinfo.ZoneInfo, day: dt.date, seconds: int) -> dt.datetime:
    """Local `seconds` after midnight of `day` in the rep's time zone, as an aware instant."""
    return dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(seconds=seconds)
