"""The simulator at scale: N reps of the synthetic city over W weeks, through the API, the nightly
run and the worker, with every invariant checked after every day.

Builds a database of its own (`fieldsales_bench_simulate` on the server of DATABASE_URL or the local
one), loads `synthetic_city(N, accounts_per_rep, seed)` and runs `backend.simulation.runner.run_simulation`;
prints and stores (benchmarks/results/simulate-<time>.json) the wall time, nightly time per rep job,
invariant checks and violations. After every simulated day it prints a progress line and rewrites the
results file with the days done so far (a run cut short is still a measured result).

The reps' requests run `--concurrency` at a time (steps less than 5 simulated minutes apart; each
rep's choices come from its own random source), and the journey plans are made the same way;
`--concurrency 1` is the strictly sequential simulation of `fieldsales simulate` and `make test`.

    .venv/bin/python -m benchmarks.simulate --reps 200 --weeks 4
    .venv/bin/python -m benchmarks.simulate --reps 200 --weeks 1 --days 2   # what fits a short session
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import time
from pathlib import Path

import asyncpg

from backend.settings import load_settings
from backend.simulation.engine import Simulation, Violation
from backend.simulation.runner import prepare_database, run_simulation
from backend.simulation.synthetic_city import synthetic_city

ROOT = Path(__file__).resolve().parents[1]
DB = "fieldsales_bench_simulate"
MONDAY = dt.date(2026, 11, 2)


def database_url(name: str) -> str:
    script = ROOT / "scripts" / "ensure_db.sh"
    return subprocess.run(
        [str(script), name], check=True, capture_output=True, text=True, env=os.environ
    ).stdout.strip()


def cpu_s() -> dict[str, float]:
    """CPU seconds of this process and of its live descendants (the solver processes are children of
    a fork server); ended descendants are counted only when this process reaped them."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    mine = {os.getpid()}
    grown = True
    while grown:
        found = {pid for pid, ppid in parent.items() if ppid in mine} - mine
        grown = bool(found)
        mine |= found
    live = sum(used[pid] for pid in mine if pid != os.getpid())
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self": round(time.process_time(), 1), "descendants": round(live + ended.ru_utime + ended.ru_stime, 1)}


async def give_backup_reps(url: str) -> None:
    """Each territory's backup rep is the rep living nearest to its owner. Without backups an absent
    rep's visits go to the whole team: in one 200-rep team that is a 199-rep hand-over solve, which
    ran over 10 minutes without finishing (2026-12-04 23:00 UTC) and held up the day."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """
            update territories t set backup_rep_id = (
                select other.user_id from reps own, reps other
                where own.user_id = t.owner_rep_id and other.user_id <> own.user_id
                order by own.home <-> other.home, other.user_id limit 1)
            where t.owner_rep_id is not null
            """
        )
    finally:
        await conn.close()


class DayLog:
    """Per simulated day: a progress line and the results file rewritten with the days done so far."""

    def __init__(self, out: Path, result: dict[str, object], started: float) -> None:
        self.out, self.result, self.started = out, result, started
        self.days: list[dict[str, object]] = []
        self.last: dict[str, float] = {"nightly_s": 0.0, "jobs": 0, "visits": 0, "checks": 0}
        self.last_phase: dict[str, float] = {}
        result["per_day"] = self.days

    def __call__(self, sim: Simulation, day: dt.date, found: list[Violation]) -> None:
        figures = sim.figures
        nightly_s = figures.nightly_s - self.last["nightly_s"]
        jobs = figures.nightly_rep_jobs - self.last["jobs"]
        record = {
            "day": f"{day} {day:%a}",
            "wall_s_so_far": round(time.perf_counter() - self.started, 1),
            "nightly_s": round(nightly_s, 1),
            "nightly_rep_jobs": int(jobs),
            "nightly_s_per_rep_job": round(nightly_s / jobs, 3) if jobs else None,
            "phase_s": {k: round(v - self.last_phase.get(k, 0.0), 1) for k, v in figures.phase_s.items()},
            "visits": figures.visits - int(self.last["visits"]),
            "visits_so_far": figures.visits,
            "invariant_checks_so_far": figures.checks,
            "violations_of_day": len(found),
            "violations_so_far": len(sim.violations),
            "api_errors_so_far": len(figures.api_errors),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu_s_so_far": cpu_s(),
        }
        self.last = {"nightly_s": figures.nightly_s, "jobs": figures.nightly_rep_jobs, "visits": figures.visits}
        self.last_phase = dict(figures.phase_s)
        self.days.append(record)
        self.result["days_completed"] = len(self.days)
        self.result["violations_so_far"] = len(sim.violations)
        self.result["violations_sample"] = [f"{v.day} [{v.invariant}] {v.detail}" for v in sim.violations[:20]]
        self.result["wall_s_so_far"] = record["wall_s_so_far"]
        self.out.write_text(json.dumps(self.result, indent=2, default=str))
        print(
            f"DAY {record['day']}: wall {record['wall_s_so_far']:.0f} s so far; nightly {nightly_s:.1f} s "
            f"({record['nightly_s_per_rep_job']} s per rep job); visits {record['visits']}; "
            f"violations so far {record['violations_so_far']}; load {record['load_average']}; "
            f"cpu {record['cpu_s_so_far']}",
            flush=True,
        )


async def main(args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    url = database_url(args.database)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("drop schema if exists public cascade; create schema public; create extension postgis")
    finally:
        await conn.close()
    settings = load_settings({}, environment="dev", database_url=url, api_solver_processes=args.solver_processes)
    city = synthetic_city(args.reps, args.accounts_per_rep, args.seed)
    await prepare_database(settings, city)
    if args.backup_reps:
        await give_backup_reps(url)
    load_s = time.perf_counter() - started
    out = ROOT / "benchmarks" / "results" / f"simulate-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    result: dict[str, object] = {
        "command": "python -m benchmarks.simulate "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": False,
        "reps": args.reps,
        "accounts": len(city.accounts),
        "days_planned": 7 * args.weeks if args.days is None else min(args.days, 7 * args.weeks),
        "city_load_s": round(load_s, 1),
    }
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"city loaded in {load_s:.0f} s; writing {out.relative_to(ROOT)} after every day", flush=True)
    day_log = DayLog(out, result, started)
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
        agent_concurrency=args.concurrency,
        on_day=day_log,
        progress=lambda line: print(line, flush=True),
    )
    by_invariant: dict[str, int] = {}
    for violation in violations:
        by_invariant[violation.invariant] = by_invariant.get(violation.invariant, 0) + 1
    result.update(
        {
            "finished": True,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_average_at_end": os.getloadavg(),
            "cpu_s": cpu_s(),
            "days": summary.days,
            "wall_s": round(time.perf_counter() - started, 1),
            "summary": {k: getattr(summary, k) for k in summary.__dataclass_fields__},
            "violations_by_invariant": by_invariant,
            "violations_sample": [f"{v.day} [{v.invariant}] {v.detail}" for v in violations[:20]],
        }
    )
    for line in summary.lines():
        print(line)
    print("violations by invariant:", by_invariant or "none")
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
    parser.add_argument(
        "--backup-reps", action=argparse.BooleanOptionalAction, default=True, help="nearest rep backs each territory"
    )
    parser.add_argument("--database", default=DB, help="database name (emptied first)")
    parser.add_argument("--concurrency", type=int, default=8, help="agents' steps (API requests) at once")
    parser.add_argument("--solver-processes", type=int, default=2, help="the API's solver processes (re-plans)")
    asyncio.run(main(parser.parse_args()))
