"""The visit schedule (journey plan): the issue's scenarios and the rules each plan must keep."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter

import msgspec
import pytest

from routing.errors import ProblemError
from routing.schedule import (
    Schedule,
    ScheduleAccount,
    ScheduleRep,
    ScheduleRequest,
    check_feasibility,
    plan_schedule,
)

MONDAY = dt.date(2026, 1, 5)
HOUR = 3600
FREQUENCY = {"A": 4, "B": 2, "C": 1}


def accounts(n_a: int, n_b: int, n_c: int, seed: int = 1) -> list[ScheduleAccount]:
    """Seeded random outlets in a ~3 x 3 km square around central Helsinki, service 15-30 min."""
    rng = random.Random(seed)
    out = []
    for cls, n in (("A", n_a), ("B", n_b), ("C", n_c)):
        for k in range(n):
            out.append(
                ScheduleAccount(
                    id=f"{cls}{k:03d}",
                    lat=60.17 + rng.uniform(-0.0135, 0.0135),
                    lon=24.94 + rng.uniform(-0.027, 0.027),
                    account_class=cls,  # type: ignore[arg-type]
                    visits_per_cycle=FREQUENCY[cls],
                    service_s=rng.randint(15, 30) * 60,
                )
            )
    return out


def rep(cap: int | None = 16, shift_s: int = 8 * HOUR, **extra: object) -> ScheduleRep:
    return ScheduleRep(
        id="rep1",
        home_lat=60.17,
        home_lon=24.94,
        shift_s=shift_s,
        max_visits_per_day=cap,
        speed_m_per_s=30 / 3.6,
        **extra,  # type: ignore[arg-type]
    )


def request(accs: list[ScheduleAccount], the_rep: ScheduleRep | None = None, **extra: object) -> ScheduleRequest:
    return ScheduleRequest(rep=the_rep or rep(), accounts=accs, start=MONDAY, **extra)  # type: ignore[arg-type]


def assert_plan_keeps_rules(req: ScheduleRequest, s: Schedule) -> None:
    """Invariants of every plan: the days and the visits agree; caps, shift, days off, open days, frequency."""
    by_id = {a.id: a for a in req.accounts}
    cycle = {req.start + dt.timedelta(days=i) for i in range(7 * req.weeks)}
    from_days: dict[str, list[dt.date]] = {}
    for day in s.days:
        assert day.day in cycle
        assert day.day not in req.days_off
        assert day.day.isoweekday() in req.rep.working_weekdays
        if req.rep.max_visits_per_day is not None:
            assert len(day.account_ids) <= req.rep.max_visits_per_day
        assert day.service_s == sum(by_id[a].service_s for a in day.account_ids)
        assert day.workload_s == day.service_s + day.travel_estimate_s
        assert day.workload_s <= req.rep.shift_s
        assert len(set(day.account_ids)) == len(day.account_ids)
        for aid in day.account_ids:
            from_days.setdefault(aid, []).append(day.day)
            a = by_id[aid]
            assert a.open_weekdays is None or day.day.isoweekday() in a.open_weekdays
    assert {k: v for k, v in s.visits.items() if v} == from_days
    dropped = {d.id for d in s.dropped}
    assert not dropped & {k for k, v in s.visits.items() if v}
    for aid, dates in s.visits.items():
        assert dates == sorted(dates)
        assert len(dates) <= by_id[aid].visits_per_cycle
    assert s.feasible == (not s.shortfall)


def gaps(dates: list[dt.date]) -> list[int]:
    return [(b - a).days for a, b in itertools.pairwise(dates)]


def mean_intra_day_m(days: list[list[str]], where: dict[str, tuple[float, float]]) -> float:
    def metres(p: tuple[float, float], q: tuple[float, float]) -> float:
        dy = (p[0] - q[0]) * 111_320
        dx = (p[1] - q[1]) * 111_320 * math.cos(math.radians(60.17))
        return math.hypot(dx, dy)

    pairs = [metres(where[a], where[b]) for ids in days for a, b in itertools.combinations(ids, 2)]
    return sum(pairs) / len(pairs)


@pytest.fixture(scope="module")
def base_plan() -> tuple[ScheduleRequest, Schedule]:
    req = request(accounts(20, 40, 60))
    return req, plan_schedule(req)


def test_4_week_plan_meets_every_frequency_with_the_spacing(base_plan: tuple[ScheduleRequest, Schedule]) -> None:
    req, s = base_plan
    assert s.feasible and not s.shortfall and not s.dropped and not s.missing
    assert_plan_keeps_rules(req, s)
    assert len(s.days) == 20
    assert all(len(d.account_ids) <= 16 for d in s.days)
    for a in req.accounts:
        dates = s.visits[a.id]
        assert len(dates) == a.visits_per_cycle, a.id
        if a.account_class == "A":
            assert len({d.isoweekday() for d in dates}) == 1  # a stable weekday
            assert gaps(dates) == [7, 7, 7]
        elif a.account_class == "B":
            assert all(12 <= g <= 16 for g in gaps(dates))
    assert s.check is not None and s.check.feasible


def test_days_are_geographically_compact(base_plan: tuple[ScheduleRequest, Schedule]) -> None:
    req, s = base_plan
    where = {a.id: (a.lat, a.lon) for a in req.accounts}
    planned = [d.account_ids for d in s.days]
    # The same day sizes, filled at random (seeded): the baseline a planner must beat.
    rng = random.Random(7)
    pool = [aid for ids in planned for aid in ids]
    rng.shuffle(pool)
    shuffled, k = [], 0
    for ids in planned:
        shuffled.append(pool[k : k + len(ids)])
        k += len(ids)
    assert mean_intra_day_m(planned, where) < 0.7 * mean_intra_day_m(shuffled, where)


def test_200_accounts_with_a_12_visit_cap_are_infeasible_lowest_class_dropped_first() -> None:
    req = request(accounts(33, 67, 100), rep(cap=12))
    report = check_feasibility(req)
    assert not report.feasible
    assert report.required_visits == 33 * 4 + 67 * 2 + 100
    assert report.day_capacity == 12 and report.capacity_visits == 240
    short = {c.account_class: c for c in report.shortfall}
    assert set(short) == {"B", "C"}
    assert short["C"].missing_visits == 100 and short["C"].planned_visits == 0
    assert short["B"].missing_visits > 0
    assert all(c.required_visits == c.planned_visits + c.missing_visits for c in report.classes)
    dropped = Counter(d.account_class for d in report.dropped)
    assert dropped["A"] == 0 and dropped["C"] == 100 and 0 < dropped["B"] < 67
    assert all(d.reason.startswith("capacity: 366 visits needed, 240 fit") for d in report.dropped)
    assert all("class C dropped first" in d.reason for d in report.dropped if d.account_class == "C")

    s = plan_schedule(req)
    assert not s.feasible
    assert_plan_keeps_rules(req, s)
    assert {c.account_class for c in s.shortfall} <= {"B", "C"}
    assert not any(d.account_class == "A" for d in s.dropped)
    assert all(len(s.visits[a.id]) == 4 for a in req.accounts if a.account_class == "A")
    assert sum(len(d.account_ids) for d in s.days) <= 240


def test_class_a_is_dropped_only_when_forced() -> None:
    accs = accounts(20, 0, 0)
    unforced = check_feasibility(request(accs, rep(cap=3)))
    assert not unforced.feasible and not unforced.dropped
    assert [c.account_class for c in unforced.shortfall] == ["A"]
    assert unforced.shortfall[0].missing_visits == 80 - 60
    forced = check_feasibility(request(accs, rep(cap=3), force_class_a=True))
    assert len(forced.dropped) == 5 and all("force_class_a" in d.reason for d in forced.dropped)
    s = plan_schedule(request(accs, rep(cap=3)))
    assert not s.dropped and s.missing and not s.feasible
    assert s.shortfall[0].account_class == "A"


def test_holidays_get_no_visits_and_weekly_visits_move_within_their_week() -> None:
    wednesday_week2 = MONDAY + dt.timedelta(days=9)
    monday_week3 = MONDAY + dt.timedelta(days=14)
    off = frozenset({wednesday_week2, monday_week3})
    req = request(accounts(20, 40, 60), days_off=off)
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    assert s.feasible
    assert all(d.day not in off for d in s.days) and len(s.days) == 18
    assert all(not set(dates) & off for dates in s.visits.values())
    for a in req.accounts:
        dates = s.visits[a.id]
        assert len(dates) == a.visits_per_cycle
        if a.account_class == "A":
            assert [(d - MONDAY).days // 7 for d in dates] == [0, 1, 2, 3]  # one visit in each week
            assert all(5 <= g <= 9 for g in gaps(dates))
            assert Counter(d.isoweekday() for d in dates).most_common(1)[0][1] >= 3
        elif a.account_class == "B":
            assert all(12 <= g <= 16 for g in gaps(dates))


def test_a_holiday_visit_without_room_in_the_spacing_is_missing_with_a_reason() -> None:
    accs = [
        ScheduleAccount(
            id="w", lat=60.17, lon=24.95, account_class="A", visits_per_cycle=4, service_s=1800, pinned_weekday=3
        )
    ]
    holiday = MONDAY + dt.timedelta(days=9)
    req = request(accs, days_off=frozenset({holiday}), spacing_tolerance_days=0)
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    assert len(s.visits["w"]) == 3 and holiday not in s.visits["w"]
    assert [(m.id, m.day) for m in s.missing] == [("w", holiday)]
    assert "day off" in s.missing[0].reason
    assert not s.feasible and s.shortfall[0].missing_visits == 1


def test_closed_weekdays_and_pinned_weekdays_are_respected() -> None:
    accs = accounts(10, 20, 30, seed=3)
    accs = [
        msgspec.structs.replace(a, open_weekdays=frozenset({2, 4}))
        if k % 3 == 0
        else msgspec.structs.replace(a, pinned_weekday=5)
        if k % 7 == 1
        else a
        for k, a in enumerate(accs)
    ]
    accs.append(
        ScheduleAccount(
            id="weekend",
            lat=60.17,
            lon=24.94,
            account_class="B",
            visits_per_cycle=2,
            service_s=900,
            open_weekdays=frozenset({6, 7}),
        )
    )
    req = request(accs)
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    for k, a in enumerate(accs[:-1]):
        days = {d.isoweekday() for d in s.visits[a.id]}
        assert len(s.visits[a.id]) == a.visits_per_cycle
        if k % 3 == 0:
            assert days <= {2, 4}
        elif k % 7 == 1:
            assert days == {5}
    assert [(d.id, d.reason.split(":")[0]) for d in s.dropped] == [("weekend", "closed")]


def test_workload_stays_within_a_short_shift() -> None:
    req = request(accounts(15, 30, 45, seed=5), rep(cap=None, shift_s=4 * HOUR))
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    assert max(d.workload_s for d in s.days) <= 4 * HOUR
    assert all(d.travel_estimate_s > 0 for d in s.days if d.account_ids)


def test_same_input_same_schedule(base_plan: tuple[ScheduleRequest, Schedule]) -> None:
    req, s = base_plan
    assert msgspec.json.encode(plan_schedule(req)) == msgspec.json.encode(s)


def test_invalid_input_names_the_field() -> None:
    accs = accounts(2, 0, 0)
    with pytest.raises(ProblemError) as err:
        plan_schedule(request([*accs, accs[0]]))
    assert err.value.field == "accounts[2].id"
    with pytest.raises(ProblemError) as err:
        check_feasibility(request([msgspec.structs.replace(accs[0], visits_per_cycle=0)]))
    assert err.value.field == "accounts[0].visits_per_cycle"


def test_accounts_that_cannot_be_visited_are_dropped_with_their_reason() -> None:
    base = accounts(3, 3, 3, seed=9)
    accs = [
        *base,
        msgspec.structs.replace(base[0], id="saturday", pinned_weekday=6),
        msgspec.structs.replace(base[1], id="long", service_s=9 * HOUR),
    ]
    req = request(accs)
    report = check_feasibility(req)
    assert [(d.id, d.reason.split(":")[0]) for d in report.dropped] == [("saturday", "pinned"), ("long", "workload")]
    assert report.dropped[0].account_class == "A"  # whatever the class: it cannot be visited at all
    s = plan_schedule(req)
    assert s.check == report
    assert [d.id for d in s.dropped] == ["saturday", "long"]
    assert "saturday" not in s.visits and all(len(s.visits[a.id]) == a.visits_per_cycle for a in base)


def test_a_cycle_starting_midweek_keeps_weekly_accounts_on_one_weekday() -> None:
    two_weekly = {"A": 2, "B": 1}  # a 2-week cycle: A weekly, B fortnightly
    accs = [msgspec.structs.replace(a, visits_per_cycle=two_weekly[a.account_class]) for a in accounts(15, 30, 0)]
    req = ScheduleRequest(rep=rep(), accounts=accs, start=MONDAY + dt.timedelta(days=2), weeks=2)
    s = plan_schedule(req)
    assert_plan_keeps_rules(req, s)
    assert s.feasible and s.days[0].day.isoweekday() == 3
    for a in accs:
        dates = s.visits[a.id]
        assert len(dates) == a.visits_per_cycle
        if a.account_class == "A":
            assert gaps(dates) == [7]
