"""Re-plan latency: the remaining stops of a rep's day re-sequenced from where the rep stands.

Uses the database built by `benchmarks.nightly` (reps with 30-40 visits on its day, routes planned by
a run of it) and times `replan_rep_day` end to end, as the API calls it: reading the route, building
the matrix, solving in the solver process (no connection held meanwhile), writing the new version.
Each new version is deleted afterwards, so every sample re-plans the night's route.

    .venv/bin/python -m benchmarks.nightly --reps 40 --workers 2
    .venv/bin/python -m benchmarks.replan --samples 40
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time

from backend.db.pool import create_pool
from backend.planning.service import replan_rep_day
from backend.planning.solver_pool import SolverPool
from backend.settings import load_settings
from benchmarks.nightly import DAY, DB, server_url
from routing.matrix import HaversineProvider


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=None, help="default: the service's setting")
    args = parser.parse_args()
    settings = load_settings(environment="test", database_url=f"{server_url()}/{DB}")
    time_limit = args.time_limit if args.time_limit is not None else settings.replan_time_limit_s
    pool = await create_pool(settings)
    solver = SolverPool(1)
    provider = HaversineProvider()
    rows = await pool.fetch(
        "select r.rep_id, count(s.*) as stops, min(s.start_s) as first_start, "
        "(array_agg(ST_Y(a.location) order by s.seq))[3] as lat, "
        "(array_agg(ST_X(a.location) order by s.seq))[3] as lon "
        "from routes r join route_stops s on s.route_id = r.id join accounts a on a.id = s.account_id "
        "where r.day = $1 group by r.rep_id having count(s.*) >= 10 order by r.rep_id",
        DAY,
    )
    if not rows:
        raise SystemExit("no planned routes: run benchmarks.nightly first")
    # Warm the solver process once (imports, OR-Tools load) as the API's pool would be.
    timings: list[float] = []
    remaining: list[int] = []
    for index in range(args.samples + 1):
        row = rows[index % len(rows)]
        began = time.perf_counter()
        route_id = await replan_rep_day(
            pool,
            solver,
            provider,
            row["rep_id"],
            DAY,
            (row["lat"], row["lon"]),
            11 * 3600,
            dt.datetime.now(dt.UTC),
            time_limit_s=time_limit,
            acquire_timeout_s=5.0,
        )
        elapsed = time.perf_counter() - began
        assert route_id is not None, "the route changed meanwhile: nothing else should write here"
        replanned = await pool.fetchval("select count(*) from route_stops where route_id = $1", route_id)
        await pool.execute("delete from routes where id = $1", route_id)
        if index:
            timings.append(elapsed)
            remaining.append(replanned)
    solver.close()
    await pool.close()
    timings.sort()
    print(
        f"replan giving {statistics.mean(remaining):.0f} stops on average, solver limit {time_limit} s, "
        f"{len(timings)} samples: p50 {statistics.median(timings) * 1000:.0f} ms, "
        f"p95 {timings[int(0.95 * (len(timings) - 1))] * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
