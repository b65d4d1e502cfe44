"""The nightly run at city scale: N reps with 30-40 due visits each, through the real queue.

Builds a database of its own (`fieldsales_bench_nightly` on the server of DATABASE_URL or the local
one), with synthetic reps spread over a 60 x 40 km city and accounts around each rep's home with
realistic opening hours (split lunch closures, evening-only bars, shops). Then, for each worker count,
it enqueues a run with `fieldsales plan nightly` and starts that many `fieldsales worker --drain`
processes, timing the whole run and reading per-rep solve times from the run report.

    .venv/bin/python -m benchmarks.nightly --reps 1000 --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))


def _next_working_day(today: dt.date) -> dt.date:
    """The first Monday-Friday after today: `fieldsales plan nightly` refuses a day in the past."""
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


DAY = _next_working_day(dt.date.today())
DB = "fieldsales_bench_nightly"
CENTRE = (60.20, 24.90)

HOURS = [
    [(8 * 3600, 20 * 3600)],  # shop
    [(10 * 3600, 14 * 3600), (16 * 3600, 22 * 3600)],  # restaurant with a lunch break
    [(15 * 3600, 24 * 3600)],  # bar
    [(7 * 3600, 17 * 3600)],  # café
    [(9 * 3600, 18 * 3600)],  # kiosk
]


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/fieldsales")
    return url.rsplit("/", 1)[0]


async def build(reps: int, seed: int) -> None:
    rnd = random.Random(seed)
    admin = await asyncpg.connect(f"{server_url()}/postgres")
    await admin.execute(f"drop database if exists {DB} with (force)")
    await admin.execute(f"create database {DB}")
    await admin.close()
    env = {**os.environ, "DATABASE_URL": f"{server_url()}/{DB}", "FIELDSALES_ENV": "test"}
    subprocess.run([FIELDSALES, "migrate"], env=env, check=True, capture_output=True)
    conn = await asyncpg.connect(f"{server_url()}/{DB}")
    try:
        async with conn.transaction():
            homes: list[tuple[str, float, float, int]] = []
            for number in range(reps):
                home = (CENTRE[0] + rnd.uniform(-0.18, 0.18), CENTRE[1] + rnd.uniform(-0.55, 0.55))
                rep_id = await conn.fetchval(
                    "insert into users (email, name, role, password_hash) values ($1, $2, 'rep', 'x') returning id",
                    f"rep{number}@bench.example",
                    f"Rep {number}",
                )
                await conn.execute(
                    "insert into reps (user_id, home, travel_mode) "
                    "values ($1, ST_SetSRID(ST_MakePoint($3, $2), 4326), 'car')",
                    rep_id,
                    home[0],
                    home[1],
                )
                homes.append((f"T{number}", home[0], home[1], rep_id))
                due = rnd.randint(30, 40)
                rows: list[tuple[str, float, float, int, str]] = []
                for _ in range(due):
                    rows.append(
                        (
                            f"Outlet {number}-{len(rows)}",
                            home[0] + rnd.gauss(0, 0.02),
                            home[1] + rnd.gauss(0, 0.04),
                            rnd.choice([300, 450, 600, 900]),
                            rnd.choice("ABC"),
                        )
                    )
                ids = await conn.fetch(
                    "insert into accounts (name, channel, location, service_s, account_class) "
                    "select n, 'horeca', ST_SetSRID(ST_MakePoint(lon, lat), 4326), s, c "
                    "from unnest($1::text[], $2::float8[], $3::float8[], $4::int[], $5::text[]) "
                    "as t(n, lat, lon, s, c) "
                    "returning id",
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                    [r[3] for r in rows],
                    [r[4] for r in rows],
                )
                hours = []
                for row in ids:
                    for start, end in rnd.choice(HOURS):
                        hours.append((row["id"], DAY.isoweekday(), start, min(end, 86400)))
                await conn.executemany(
                    "insert into account_opening_hours (account_id, weekday, open_s, close_s) values ($1, $2, $3, $4)",
                    hours,
                )
                schedule_id = await conn.fetchval(
                    "insert into schedules (rep_id, start_day, weeks, end_day, feasible) "
                    "values ($1, $2, 1, $3, true) returning id",
                    rep_id,
                    DAY,
                    DAY + dt.timedelta(days=7),
                )
                await conn.executemany(
                    "insert into scheduled_visits (schedule_id, account_id, day) values ($1, $2, $3)",
                    [(schedule_id, row["id"], DAY) for row in ids],
                )
            # The planner plans only a rep who owns (or backs up) a territory: a small one at each
            # home, covering none of the accounts (they keep the schedule's visits). One statement:
            # the territories trigger re-derives every account's territory once per statement.
            await conn.execute(
                "insert into territories (code, name, geom, owner_rep_id) "
                "select code, code, ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 0.0005)), rep "
                "from unnest($1::text[], $2::float8[], $3::float8[], $4::bigint[]) as t(code, lat, lon, rep)",
                [h[0] for h in homes],
                [h[1] for h in homes],
                [h[2] for h in homes],
                [h[3] for h in homes],
            )
    finally:
        await conn.close()


async def run_once(workers: int) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": f"{server_url()}/{DB}", "FIELDSALES_ENV": "test"}
    conn = await asyncpg.connect(f"{server_url()}/{DB}")
    await conn.execute("delete from routes; delete from planning_runs")
    output = subprocess.run(
        [FIELDSALES, "plan", "nightly", "--day", DAY.isoformat()], env=env, check=True, capture_output=True, text=True
    ).stdout
    run_id = int(output.split()[2])
    began = time.perf_counter()
    processes = [
        subprocess.Popen(
            [FIELDSALES, "worker", "--drain", "--no-timer"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.wait()
    wall_s = time.perf_counter() - began
    rows = await conn.fetch(
        "select status, solve_s, visits_planned, visits_dropped from planning_run_reps where run_id = $1", run_id
    )
    await conn.close()
    solve = sorted(row["solve_s"] for row in rows if row["solve_s"] is not None)
    planned = sum(row["visits_planned"] or 0 for row in rows)
    dropped = sum(row["visits_dropped"] or 0 for row in rows)
    return {
        "workers": workers,
        "reps": len(rows),
        "planned_ok": sum(1 for row in rows if row["status"] == "planned"),
        "wall_s": wall_s,
        "per_rep_p50_s": statistics.median(solve) if solve else float("nan"),
        "per_rep_p95_s": solve[int(0.95 * (len(solve) - 1))] if solve else float("nan"),
        "visits_planned": planned,
        "visits_dropped": dropped,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse the database built by an earlier run")
    args = parser.parse_args()
    if not args.reuse:
        began = time.perf_counter()
        await build(args.reps, args.seed)
        print(f"built {args.reps} reps in {time.perf_counter() - began:.1f} s", flush=True)
    results = []
    for workers in args.workers:
        result = await run_once(workers)
        results.append(result)
        print(
            f"workers={workers} reps={result['reps']} planned={result['planned_ok']} wall={result['wall_s']:.1f}s "
            f"per-rep p50={result['per_rep_p50_s']:.2f}s p95={result['per_rep_p95_s']:.2f}s "
            f"visits planned={result['visits_planned']} dropped={result['visits_dropped']}",
            flush=True,
        )
    by_workers = {result["workers"]: result["wall_s"] for result in results}
    if 1 in by_workers and 2 in by_workers:
        print(f"speed-up 1 -> 2 workers: {by_workers[1] / by_workers[2]:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
