"""The simulator at scale: N reps of the synthetic city over W weeks, through the API, the nightly
run and the worker, with every invariant checked after every day.

Builds a database of its own (`fieldsales_bench_simulate` on the server of DATABASE_URL or the local
one), loads `synthetic_city(N, accounts_per_rep, seed)` and runs `backend.simulation.runner.run_simulation`;
prints and stores (benchmarks/results/simulate-<time>.json) the wall time, nightly time per rep job,
invariant checks and violations.

    .venv/bin/python -m benchmarks.simulate --reps 200 --weeks 4
    .venv/bin/python -m benchmarks.simulate --reps 200 --weeks 1 --days 2   # what fits a short session
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import time
from pathlib import Path

import asyncpg

from backend.settings import load_settings
from backend.simulation.runner import prepare_database, run_simulation
from backend.simulation.synthetic_city import synthetic_city

ROOT = Path(__file__).resolve().parents[1]
DB = "fieldsales_bench_simulate"
MONDAY = dt.date(2026, 11, 2)


def database_url() -> str:
    script = ROOT / "scripts" / "ensure_db.sh"
    return subprocess.run([str(script), DB], check=True, capture_output=True, text=True, env=os.environ).stdout.strip()


async def main(args: argparse.Namespace) -> dict[str, object]:
    url = database_url()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("drop schema if exists public cascade; create schema public; create extension postgis")
    finally:
        await conn.close()
    settings = load_settings({}, environment="dev", database_url=url)
    city = synthetic_city(args.reps, args.accounts_per_rep, args.seed)
    started = time.perf_counter()
    await prepare_database(settings, city)
    load_s = time.perf_counter() - started
    last_day = None if args.days is None else MONDAY + dt.timedelta(days=args.days - 1)
    summary, violations = await run_simulation(
        settings,
        start=MONDAY,
        weeks=args.weeks,
        seed=args.seed,
        supervisor_email=city.supervisor.email,
        admin_email=city.admin.email,
        worker_concurrency=args.workers,
        last_day=last_day,
        progress=lambda line: print(line, flush=True),
    )
    by_invariant: dict[str, int] = {}
    for violation in violations:
        by_invariant[violation.invariant] = by_invariant.get(violation.invariant, 0) + 1
    result: dict[str, object] = {
        "command": "python -m benchmarks.simulate "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_end": os.getloadavg(),
        "reps": args.reps,
        "accounts": len(city.accounts),
        "days": summary.days,
        "city_load_s": round(load_s, 1),
        "summary": {k: getattr(summary, k) for k in summary.__dataclass_fields__},
        "violations_by_invariant": by_invariant,
        "violations_sample": [f"{v.day} [{v.invariant}] {v.detail}" for v in violations[:20]],
    }
    for line in summary.lines():
        print(line)
    print("violations by invariant:", by_invariant or "none")
    out = ROOT / "benchmarks" / "results" / f"simulate-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"stored {out.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--days", type=int, default=None, help="stop after this many days")
    parser.add_argument("--accounts-per-rep", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1, help="planning jobs at once")
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
