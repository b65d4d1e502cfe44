"""A morning under load: 1,000 reps and their supervisors against `fieldsales serve`, with locust.

    .venv/bin/python -m benchmarks.load_morning [--reps 1000] [--run-time 150] [--spawn-rate 25]
        [--restart-postgres-at 90]

Builds its own database (`fieldsales_load`, dropped and recreated: migrations, the demo city, then
`--reps` reps on a grid of 1 km territories north of Helsinki, 20 accounts each, a published route of
10 stops for today, 10 supervisors of 100 reps each), serves the API (one uvicorn process, as
`fieldsales serve`) on 127.0.0.1 and runs locust headless on the same machine (benchmarks/locustfile.py):
600 reps polling their route (0.5/s each = 300 req/s), 400 reps visiting (check-in + checklist +
check-out at 0.25/s each = 100 check-ins/s, a 1 MP photo on every 10th visit), 10 supervisors reading
the map layers (1/s each). Rates are constant (`constant_throughput`), so latency is not hidden by
coordinated omission; statistics are reset once every user has logged in.

Afterwards: every check-in the server acknowledged (2xx) must be in the database (counted by id).
With `--restart-postgres-at S` PostgreSQL is restarted S seconds into the run
(`pg_ctlcluster --skip-systemctl-redirect 15 main restart`; a ~1 s blip of a shared server) to show
that requests fail cleanly (503) or succeed, the pool recovers, and no acknowledged write is lost.

Client and server share the machine's 2 cores (and colleagues' benchmarks): figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.live_server import recreate_database, serve

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-artifacts" / "load"
LOCUST = str(Path(sys.executable).with_name("locust"))
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
GRID_ORIGIN = (60.40, 24.40)  # north of the demo city: no overlap with its territories
CELL = (0.009, 0.018)  # about 1 km x 1 km
TEMPLATE = {
    "code": "load-check",
    "name": "Morning check",
    "items": [
        {
            "key": "brand_a_listed",
            "label": "Brand A on shelf",
            "type": "yes_no",
            "required": True,
            "scoring": {"kind": "must_stock", "weight": 2},
        },
        {
            "key": "share",
            "label": "Share of shelf %",
            "type": "share_of_shelf",
            "scoring": {"kind": "share_of_shelf", "weight": 1, "target": 40},
        },
    ],
}


async def build(database_url: str, reps: int, seed: int = 7) -> None:
    from backend.db.pool import connect
    from backend.demo.service import DEMO_PASSWORD, load_demo_city
    from backend.settings import load_settings
    from geo_data.demo_city import load_demo_city as read_demo_city

    rnd = random.Random(seed)
    await recreate_database(database_url)
    conn = await connect(load_settings({}, environment="test", database_url=database_url))
    today = dt.datetime.now(HELSINKI).date()
    try:
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city(), DEMO_PASSWORD)
            password_hash = await conn.fetchval("select password_hash from users where email = 'rep1@example.com'")
            # Synthetic rows: without the territory triggers (each new polygon re-derives accounts, 0.7 s
            # apiece at this size); the accounts get their territory explicitly below.
            await conn.execute("set local session_replication_role = replica")
            supervisors = [
                await conn.fetchval(
                    "insert into users (email, name, role, password_hash) values ($1, $2, 'supervisor', $3) "
                    "returning id",
                    f"loadsup{n}@example.com",
                    f"Load Supervisor {n}",
                    password_hash,
                )
                for n in range(max(1, reps // 100))
            ]
            side = int(reps**0.5) + 1
            for number in range(reps):
                row, col = divmod(number, side)
                lat0, lon0 = GRID_ORIGIN[0] + row * CELL[0], GRID_ORIGIN[1] + col * CELL[1]
                rep_id = await conn.fetchval(
                    "insert into users (email, name, role, password_hash, supervisor_id) "
                    "values ($1, $2, 'rep', $3, $4) returning id",
                    f"load{number}@example.com",
                    f"Load Rep {number}",
                    password_hash,
                    supervisors[number % len(supervisors)],
                )
                await conn.execute(
                    "insert into reps (user_id, home, travel_mode, shift_start_s, shift_end_s, working_days) "
                    "values ($1, ST_SetSRID(ST_MakePoint($3, $2), 4326), 'car', 0, 86400, '{1,2,3,4,5,6,7}')",
                    rep_id,
                    lat0 + CELL[0] / 2,
                    lon0 + CELL[1] / 2,
                )
                territory_id = await conn.fetchval(
                    "insert into territories (code, name, geom, owner_rep_id) values ($1, $2, "
                    "ST_Multi(ST_MakeEnvelope($4, $3, $6, $5, 4326)), $7) returning id",
                    f"L{number}",
                    f"Load territory {number}",
                    lat0,
                    lon0,
                    lat0 + CELL[0],
                    lon0 + CELL[1],
                    rep_id,
                )
                points = [
                    (lat0 + rnd.uniform(0.1, 0.9) * CELL[0], lon0 + rnd.uniform(0.1, 0.9) * CELL[1]) for _ in range(20)
                ]
                ids = [
                    r["id"]
                    for r in await conn.fetch(
                        "insert into accounts (name, channel, location, service_s, account_class, status, "
                        "territory_id) "
                        "select n, 'horeca', ST_SetSRID(ST_MakePoint(lon, lat), 4326), 900, 'B', 'active', $4 "
                        "from unnest($1::text[], $2::float8[], $3::float8[]) as t(n, lat, lon) returning id",
                        [f"Outlet {number}-{i}" for i in range(20)],
                        [p[0] for p in points],
                        [p[1] for p in points],
                        territory_id,
                    )
                ]
                route_id = await conn.fetchval(
                    "insert into routes (rep_id, day, version, kind, inputs_hash, start_s, end_s, travel_s, "
                    "distance_m) values ($1, $2, 1, 'nightly', 'load', 32400, 57600, 3600, 12000) returning id",
                    rep_id,
                    today,
                )
                await conn.executemany(
                    "insert into route_stops (route_id, seq, account_id, source, due_day, priority, arrival_s, "
                    "start_s, end_s, service_s, travel_from_previous_s) "
                    "values ($1, $2, $3, 'schedule', $4, 50, $5, $5, $5 + 900, 900, 300)",
                    [(route_id, seq, account, today, 32400 + seq * 1500) for seq, account in enumerate(ids[:10])],
                )
    finally:
        await conn.close()


def make_photo() -> bytes:
    """A 1 MP JPEG with noise (about 100-200 KB), like a downscaled phone photo."""
    from PIL import Image

    picture = Image.effect_noise((1280, 800), 30).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def restart_postgres_later(delay_s: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["bash", "-c", f"sleep {delay_s}; pg_ctlcluster --skip-systemctl-redirect 15 main restart"],
        start_new_session=True,
    )


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    rows = []
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--run-time", type=int, default=150, help="seconds, including the log-in ramp")
    parser.add_argument("--spawn-rate", type=float, default=25.0)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/fieldsales_load")
    parser.add_argument("--restart-postgres-at", type=float, default=None)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--tag", default="morning")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.skip_build:
        started = time.monotonic()
        asyncio.run(build(args.database_url, args.reps))
        print(f"built {args.reps} reps in {time.monotonic() - started:.0f} s", flush=True)
    photo_file = OUT / "photo.jpg"
    photo_file.write_bytes(make_photo())
    ack_file = OUT / f"{args.tag}-acked.json"
    prefix = OUT / args.tag
    with serve(args.database_url, OUT / f"{args.tag}-server.log") as base:
        admin = httpx.post(
            f"{base}/api/v1/auth/login", json={"email": "admin@example.com", "password": "demo-password"}
        ).json()
        template = httpx.post(
            f"{base}/api/v1/checklist-templates",
            json=TEMPLATE,
            headers={"Authorization": f"Bearer {admin['access_token']}"},
        ).json()
        env = {
            **os.environ,
            "LOAD_TEMPLATE_ID": str(template["id"]),
            "LOAD_PHOTO_FILE": str(photo_file),
            "LOAD_ACK_FILE": str(ack_file),
            "LOAD_SUPERVISORS": str(max(1, args.reps // 100)),
        }
        users = args.reps + max(1, args.reps // 100)
        restart = None
        if args.restart_postgres_at is not None:
            restart = restart_postgres_later(args.restart_postgres_at)
        command = [
            LOCUST,
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--host",
            base,
            "-u",
            str(users),
            "-r",
            str(args.spawn_rate),
            "--run-time",
            f"{args.run_time}s",
            "--reset-stats",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
        ]
        started = time.monotonic()
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if restart is not None:
            restart.wait()
        (OUT / f"{args.tag}-locust.log").write_text(completed.stdout + completed.stderr)
    acked = json.loads(ack_file.read_text()) if ack_file.exists() else []
    stored = asyncio.run(_count_stored(args.database_url, acked))
    rows = read_stats(prefix)
    print(f"\n{args.tag}: {users} users, {args.run_time} s (stats reset after the log-in ramp), wall {wall:.0f} s")
    print(f"{'endpoint':<34} {'requests':>9} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
    for row in rows:
        print(
            f"{row['Name']:<34} {row['Request Count']:>9} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    print(f"acknowledged check-ins: {len(acked)}; found in the database: {stored}; lost: {len(acked) - stored}")
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        print(failures.read_text()[:3000])


async def _count_stored(database_url: str, acked: list[str]) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("select count(*) from visits where id = any($1::uuid[])", acked))
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
