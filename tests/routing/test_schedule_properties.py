"""Properties of the visit schedule on small random inputs."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.schedule import ScheduleAccount, ScheduleRep, ScheduleRequest, plan_schedule
from routing.schedule._assignment import Costs, greedy
from routing.schedule.feasibility import check, prepare
from tests.routing.test_schedule import MONDAY, assert_plan_keeps_rules, gaps

weekdays = st.frozensets(st.integers(1, 7), min_size=1, max_size=7)


@st.composite
def requests(draw: st.DrawFn) -> ScheduleRequest:
    weeks = draw(st.integers(1, 4))
    n = draw(st.integers(0, 10))
    accs = []
    for k in range(n):
        cls = draw(st.sampled_from(["A", "B", "C"]))
        accs.append(
            ScheduleAccount(
                id=f"a{k}",
                lat=60.17 + draw(st.floats(-0.02, 0.02)),
                lon=24.94 + draw(st.floats(-0.04, 0.04)),
                account_class=cls,  # type: ignore[arg-type]
                visits_per_cycle=draw(st.integers(1, 2 * weeks)),
                service_s=draw(st.integers(0, 3 * 3600)),
                open_weekdays=draw(st.none() | weekdays),
                pinned_weekday=draw(st.none() | st.integers(1, 7)),
            )
        )
    the_rep = ScheduleRep(
        id="r",
        home_lat=60.17,
        home_lon=24.94,
        working_weekdays=draw(weekdays),
        shift_s=draw(st.integers(3600, 9 * 3600)),
        max_visits_per_day=draw(st.none() | st.integers(1, 4)),
        speed_m_per_s=draw(st.floats(1.0, 15.0)),
    )
    days_off = draw(st.frozensets(st.integers(0, 7 * weeks - 1), max_size=6))
    return ScheduleRequest(
        rep=the_rep,
        accounts=accs,
        start=MONDAY + dt.timedelta(days=draw(st.integers(0, 6))),
        weeks=weeks,
        days_off=frozenset(MONDAY + dt.timedelta(days=i) for i in days_off),
        force_class_a=draw(st.booleans()),
        spacing_tolerance_days=draw(st.integers(0, 3)),
    )


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_no_day_over_capacity_no_visit_on_a_day_off_or_closed_day_none_over_frequency(req: ScheduleRequest) -> None:
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    tol = req.spacing_tolerance_days
    for a in req.accounts:
        dates = s.visits.get(a.id, [])
        period = 7 * req.weeks / a.visits_per_cycle
        slack = tol if period == int(period) else tol + 1
        if len(dates) == a.visits_per_cycle:  # a complete set of visits is evenly spaced
            for gap in gaps(dates):
                assert gap > 0 and abs(gap - period) <= slack
    planned = sum(len(v) for v in s.visits.values())
    assert planned + sum(c.missing_visits for c in s.shortfall) == sum(a.visits_per_cycle for a in req.accounts)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_the_greedy_start_keeps_every_day_limit(req: ScheduleRequest) -> None:
    ctx = prepare(req)
    gone = {d.id for d in check(ctx).dropped}
    active = [i for i, a in enumerate(ctx.accounts) if a.id not in gone]
    costs = Costs(ctx, active, {}, {t: 600.0 for t in ctx.cal.working_days})
    ok, _ = costs.evaluate(greedy(costs, active))
    assert ok
