"""The 4-week visit schedule (journey plan): time to plan, and how compact the days are against peers.

    .venv/bin/python -m benchmarks.schedule                  # 150 accounts (25 A / 50 B / 75 C), 4 weeks
    .venv/bin/python -m benchmarks.schedule --sizes 60 150 300 --repeats 5

Instances: seeded random outlets in a ~3 x 3 km square around central Helsinki (the issue's scenario),
service 15-30 min, an 8 h shift, 16 visits a day at most, A weekly / B fortnightly / C four-weekly in the
ratio 1:2:3. Peers measured in the same run, on the same instance:

* ``round-robin``: frequencies and spacing kept, geography ignored (account k on weekday k mod 5, phases
  in turn), i.e. what a spreadsheet does;
* ``random-days``: our day sizes, filled with randomly chosen visits (a compactness floor).

Compactness is the mean pairwise distance between the accounts of one day; travel is the sum of every
day's estimated tour (home -> accounts -> home, nearest neighbour + 2-opt), the figure the plan reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import statistics
import time

import numpy as np

from routing.schedule import ScheduleAccount, ScheduleRep, ScheduleRequest, check_feasibility, plan_schedule
from routing.schedule._geo import haversine_m, tour

FREQUENCY = {"A": 4, "B": 2, "C": 1}
MONDAY = dt.date(2026, 1, 5)


def instance(n: int, seed: int = 1, cap: int = 16) -> ScheduleRequest:
    rng = random.Random(seed)
    n_a, n_b = round(n / 6), round(n / 3)
    counts = {"A": n_a, "B": n_b, "C": n - n_a - n_b}
    accounts = [
        ScheduleAccount(
            id=f"{cls}{k:03d}",
            lat=60.17 + rng.uniform(-0.0135, 0.0135),
            lon=24.94 + rng.uniform(-0.027, 0.027),
            account_class=cls,
            visits_per_cycle=FREQUENCY[cls],
            service_s=rng.randint(15, 30) * 60,
        )
        for cls in ("A", "B", "C")
        for k in range(counts[cls])
    ]
    rep = ScheduleRep(
        id="rep", home_lat=60.17, home_lon=24.94, shift_s=8 * 3600, max_visits_per_day=cap, speed_m_per_s=30 / 3.6
    )
    return ScheduleRequest(rep=rep, accounts=accounts, start=MONDAY, weeks=4)


def round_robin(req: ScheduleRequest) -> list[list[str]]:
    days: dict[int, list[str]] = {i: [] for i in range(28) if i % 7 < 5}
    for k, a in enumerate(req.accounts):
        weekday = k % 5
        period_weeks = 4 // a.visits_per_cycle
        phase = (k // 5) % period_weeks
        for w in range(phase, 4, period_weeks):
            days[7 * w + weekday].append(a.id)
    return list(days.values())


def random_days(sizes: list[int], ids: list[str], seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    pool = list(ids)
    rng.shuffle(pool)
    out, k = [], 0
    for n in sizes:
        out.append(pool[k : k + n])
        k += n
    return out


class Geometry:
    def __init__(self, req: ScheduleRequest) -> None:
        self.index = {a.id: i for i, a in enumerate(req.accounts)}
        lat = np.array([a.lat for a in req.accounts] + [req.rep.home_lat])
        lon = np.array([a.lon for a in req.accounts] + [req.rep.home_lon])
        self.metres = haversine_m(lat, lon)
        self.travel_s = self.metres * req.rep.circuity / req.rep.speed_m_per_s
        self.home = len(req.accounts)

    def compactness_m(self, days: list[list[str]]) -> float:
        pairs = [self.metres[self.index[a], self.index[b]] for ids in days for a, b in itertools.combinations(ids, 2)]
        return float(np.mean(pairs))

    def travel_h(self, days: list[list[str]]) -> float:
        return sum(tour(self.travel_s, [self.index[a] for a in ids], self.home)[1] for ids in days) / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'accounts':>8} {'visits':>6} {'plan s (median)':>15} {'check s':>8} {'feasible':>8} "
        f"{'max/day':>7} {'max work h':>10} | {'compact m':>9} {'vs round-robin':>14} {'vs random':>9} | "
        f"{'travel h':>8} {'vs round-robin':>14}"
    )
    for n in args.sizes:
        req = instance(n)
        plan_times, check_times = [], []
        schedule = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            check_feasibility(req)
            check_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            schedule = plan_schedule(req)
            plan_times.append(time.perf_counter() - t0)
        assert schedule is not None
        geo = Geometry(req)
        ours = [d.account_ids for d in schedule.days]
        robin = round_robin(req)
        rand = random_days([len(d) for d in ours], [a for d in ours for a in d])
        ours_c, robin_c, rand_c = geo.compactness_m(ours), geo.compactness_m(robin), geo.compactness_m(rand)
        ours_t, robin_t = geo.travel_h(ours), geo.travel_h(robin)
        visits = sum(len(d) for d in ours)
        print(
            f"{n:>8} {visits:>6} {statistics.median(plan_times):>15.3f} {statistics.median(check_times):>8.3f} "
            f"{schedule.feasible!s:>8} {max(len(d) for d in ours):>7} "
            f"{max(d.workload_s for d in schedule.days) / 3600:>10.2f} | {ours_c:>9.0f} "
            f"{ours_c / robin_c:>14.2f} {ours_c / rand_c:>9.2f} | {ours_t:>8.2f} {ours_t / robin_t:>14.2f}"
        )
        if not math.isfinite(ours_c):
            raise SystemExit("no visits planned")


if __name__ == "__main__":
    main()
