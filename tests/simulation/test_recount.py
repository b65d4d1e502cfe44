"""The simulator's own recounts, by hand on small fixtures (they are what the invariants trust)."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.simulation.invariants import min_gap_days, recount_plan_vs_fact, visited_inside_gap
from backend.simulation.schemas import RouteVersion
from backend.simulation.synthetic_city import synthetic_city

DAY = dt.date(2026, 11, 3)
UTC = dt.UTC


def _version(version: int, accounts: list[int], published_hour: int, kind: str = "nightly") -> RouteVersion:
    return RouteVersion(
        id=version,
        rep_id=7,
        version=version,
        kind=kind,
        run_id=None,
        published_at=dt.datetime(2026, 11, 3, published_hour, tzinfo=UTC),
        travel_s=0,
        distance_m=0.0,
        unassigned=[],
        account_ids=accounts,
        sources=["schedule"] * len(accounts),
        due_days=[DAY] * len(accounts),
    )


def test_plan_is_the_version_in_force_at_shift_start_plus_added_minus_removed() -> None:
    # Nightly route 1-2-3-4 published at 02:00; at 11:00 a re-plan drops 3 and adds 5; the supervisor
    # removed 4. The rep visited 1 and 5 (on a route), and 9 (on no version): off plan.
    versions = [_version(1, [1, 2, 3, 4], 2), _version(2, [2, 5], 11, "replan")]
    fact = recount_plan_vs_fact(
        versions, removed={4}, visited={1, 5, 9}, start_instant=dt.datetime(2026, 11, 3, 6, tzinfo=UTC)
    )
    # planned: 1, 2, 3 (4 removed); done on plan: 1; missed: 2, 3; added: 5, done; off plan: 9.
    assert (fact.planned, fact.done_on_plan, fact.missed) == (3, 1, 2)
    assert (fact.added, fact.done_added, fact.off_plan) == (1, 1, 1)
    assert fact.planned == fact.done_on_plan + fact.missed
    assert fact.done == 3  # each of the three visits once


def test_a_version_published_after_the_shift_start_is_not_the_plan_of_the_day() -> None:
    versions = [_version(1, [1, 2], 2), _version(2, [1, 2, 3], 9, "replan")]
    fact = recount_plan_vs_fact(
        versions, removed=set(), visited={3}, start_instant=dt.datetime(2026, 11, 3, 6, tzinfo=UTC)
    )
    assert (fact.planned, fact.missed, fact.added, fact.done_added) == (2, 2, 1, 1)
    # With no version before the shift start, the first version is the plan.
    late = recount_plan_vs_fact(
        versions[1:], removed=set(), visited={3}, start_instant=dt.datetime(2026, 11, 3, 6, tzinfo=UTC)
    )
    assert (late.planned, late.done_on_plan, late.missed) == (3, 1, 2)


def test_min_gap_days_follows_the_frequency() -> None:
    assert [min_gap_days(f) for f in (1, 2, 4, 14, 20, 0)] == [14, 7, 3, 1, 1, 28]
    visited = {dt.date(2026, 11, 2)}  # a Monday
    # Weekly (gap 3): not due on Tuesday or Wednesday, due again on Thursday.
    assert visited_inside_gap(dt.date(2026, 11, 4), visited, 4) == [dt.date(2026, 11, 2)]
    assert visited_inside_gap(dt.date(2026, 11, 5), visited, 4) == []
    assert visited_inside_gap(dt.date(2026, 11, 2), visited, 4) == []  # the same day is another rule


def test_the_synthetic_city_is_fixed_by_its_seed() -> None:
    one, again, other = synthetic_city(4, 30, seed=5), synthetic_city(4, 30, seed=5), synthetic_city(4, 30, seed=6)
    assert one.accounts == again.accounts and one.accounts != other.accounts
    assert len(one.reps) == len(one.territories) == 4 and len(one.accounts) == 120
    # Every outlet lies inside its own territory's square, none on a border.
    polygons = {t.code: t.polygon for t in one.territories}
    import shapely

    assert all(polygons[a.territory_code].contains(shapely.Point(a.lon, a.lat)) for a in one.accounts)


def test_the_sales_recount_counts_fact_orders_per_rep_by_hand() -> None:
    from decimal import Decimal

    from backend.simulation.sales import PostedOrder, line_amount, order_id_for_visit, recount_sales

    # 3 bottles at 12.35 with 5 %: 35.1975 -> 35.20 (half-up to the cent); 7 x 0.15 = 1.05.
    assert line_amount(Decimal(3), Decimal("12.35"), Decimal(5)) == Decimal("35.20")
    assert line_amount(Decimal(7), Decimal("0.15"), Decimal(0)) == Decimal("1.05")
    visit = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert order_id_for_visit(visit) == order_id_for_visit(visit) != visit
    orders = [
        PostedOrder(uuid.uuid4(), 1, 10, DAY, 2, Decimal(12), Decimal("100.00"), "submitted"),
        PostedOrder(uuid.uuid4(), 1, 10, DAY, 3, Decimal(6), Decimal("50.50"), "delivered"),
        PostedOrder(uuid.uuid4(), 1, 11, DAY, 1, Decimal(1), Decimal("9.99"), "cancelled"),  # never counts
        PostedOrder(uuid.uuid4(), 2, 12, DAY, 4, Decimal(30), Decimal("200.00"), "confirmed"),
    ]
    counted = recount_sales(orders, {"submitted", "confirmed", "delivered"})
    assert counted[1].orders == 2 and counted[1].lines == 5 and counted[1].accounts == 1
    assert counted[1].amount == Decimal("150.50") and counted[1].units == Decimal(18)
    assert counted[2].orders == 1 and counted[2].units == Decimal(30)
    # With FIELDSALES_SALES_FACT_FROM=delivered only the delivered order counts.
    delivered = recount_sales(orders, {"delivered"})
    assert set(delivered) == {1} and delivered[1].amount == Decimal("50.50")
