"""Load benchmark of the field-visit API: check-in and 3 MB photo upload at N concurrent clients.

Starts the real service (uvicorn, one worker, its own asyncpg pool) on 127.0.0.1 against a
scratch database (migrated, demo city loaded), then drives it with `--clients` concurrent httpx
clients on this machine (so client and server share the cores). Every request is bounded in count;
nothing leaves the loopback interface.

Two load shapes:

- closed loop (default): each client sends its next request as soon as the previous answered;
- open loop (`--rate R`): requests are scheduled at R per second in total, and latency is measured
  from the scheduled time, so a stalled server is not hidden (no coordinated omission).

Peers measured in the same run, for ratios: GET /health (HTTP without the database) for the
check-in, and `visits.photos.process_photo` on the same bytes in-process (the decode, EXIF, pHash
and thumbnail work alone) for the upload.

    .venv/bin/python -m benchmarks.visits_load --clients 20 --checkins 2000 --photos 300
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-password"
REPS = ["rep1@example.com", "rep2@example.com", "rep3@example.com"]

SERVER = """
import sys, uvicorn
from backend.app import create_app
from backend.settings import load_settings
settings = load_settings(
    environment="test", database_url=sys.argv[1], photo_dir=sys.argv[2], access_token_ttl_s=3600,
    pool_max_size=int(sys.argv[4]),
)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", access_log=False)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(name: str, latencies_s: list[float], wall_s: float, errors: int) -> dict[str, Any]:
    ms = [value * 1000 for value in latencies_s]
    return {
        "name": name,
        "requests": len(ms),
        "errors": errors,
        "throughput_rps": round(len(ms) / wall_s, 1) if wall_s > 0 else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
    }


async def prepare_database(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from backend.db.migrate import migrate
    from backend.db.pool import connect
    from backend.demo.service import DEMO_PASSWORD, load_demo_city
    from backend.settings import load_settings
    from geo_data.demo_city import load_demo_city as read_demo_city

    settings = load_settings({}, environment="test", database_url=url)
    conn = await connect(settings)
    try:
        await conn.execute("drop schema if exists public cascade; create schema public;")
        await migrate(conn)
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city(), DEMO_PASSWORD)
    finally:
        await conn.close()


def ensure_database(name: str) -> str:
    script = ROOT / "scripts" / "ensure_db.sh"
    return subprocess.run([str(script), name], check=True, capture_output=True, text=True).stdout.strip()


def make_photo(seed: int, target_bytes: int) -> bytes:
    """A JPEG of about `target_bytes`: a shelf-like picture with sensor-like noise (phone photos
    compress poorly), 12 MP like a phone camera."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    size = (4000, 3000)
    base = Image.new("RGB", size, (rng.randrange(60, 200),) * 3)
    draw = ImageDraw.Draw(base)
    for _ in range(120):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(40, 900), rng.randrange(40, 700)
        draw.rectangle((x, y, x + w, y + h), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise(size, 40).convert("RGB")
    picture = Image.blend(base, noise, 0.25)
    low, high = 30, 98
    best = b""
    while low <= high:  # the quality whose size is closest to the target from below
        quality = (low + high) // 2
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=quality)
        if out.tell() <= target_bytes:
            best, low = out.getvalue(), quality + 1
        else:
            high = quality - 1
    return best or out.getvalue()


def with_capture_time(photo: bytes, taken_at: datetime) -> bytes:
    """The same pixels with another EXIF capture time: other bytes (another content hash)."""
    from PIL import Image

    with Image.open(io.BytesIO(photo)) as image:
        exif = image.getexif()
        exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        # Splice the new EXIF segment in without re-encoding the pixels.
        segment = b"Exif\x00\x00" + exif.tobytes()
    app1 = b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment
    return photo[:2] + app1 + photo[2:]


async def run_load(
    clients: int, total: int, rate: float | None, send: Callable[[int, int], Awaitable[bool]]
) -> tuple[list[float], float, int]:
    """Run `total` requests over `clients` tasks; returns latencies, wall time and errors."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    start = time.perf_counter()

    async def client(index: int) -> None:
        nonlocal errors
        for number in counter:
            scheduled = start + number / rate if rate else time.perf_counter()
            if rate:
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            ok = await send(index, number)
            latencies.append(time.perf_counter() - scheduled)
            errors += 0 if ok else 1

    await asyncio.gather(*(client(index) for index in range(clients)))
    return latencies, time.perf_counter() - start, errors


async def benchmark(args: argparse.Namespace) -> list[dict[str, Any]]:
    url = args.database_url or ensure_database("fieldsales_bench_visits")
    await prepare_database(url)
    photo_dir = tempfile.mkdtemp(prefix="fieldsales-bench-photos-")
    server = subprocess.Popen(  # started once, before any load
        [sys.executable, "-c", SERVER, url, photo_dir, str(args.port), str(args.pool)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    results: list[dict[str, Any]] = []
    try:
        base = f"http://127.0.0.1:{args.port}"
        limits = httpx.Limits(max_connections=args.clients + 5, max_keepalive_connections=args.clients + 5)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            for _ in range(100):
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError("the server did not start")
            tokens = {}
            for email in REPS:
                login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
                login.raise_for_status()
                tokens[email] = {"Authorization": f"Bearer {login.json()['access_token']}"}
            accounts: dict[str, list[dict[str, Any]]] = {}
            for email in REPS:
                page = await http.get("/api/v1/me/accounts?limit=500", headers=tokens[email])
                accounts[email] = page.json()["items"]
            day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)

            async def health(_: int, __: int) -> bool:
                return (await http.get("/health")).status_code == 200

            visit_of_client: dict[int, str] = {}

            async def check_in(index: int, number: int) -> bool:
                email = REPS[index % len(REPS)]
                account = random.choice(accounts[email])
                body = {
                    "id": str(uuid.uuid4()),
                    "account_id": account["id"],
                    "checked_in_at": (day + timedelta(seconds=number * 7)).isoformat(),
                    "lat": account["lat"] + random.uniform(-0.0005, 0.0005),
                    "lon": account["lon"] + random.uniform(-0.0005, 0.0005),
                    "accuracy_m": random.uniform(3, 40),
                    "sent_at": datetime.now(UTC).isoformat(),
                }
                response = await http.post("/api/v1/visits", json=body, headers=tokens[email])
                if response.status_code == 201:
                    visit_of_client[index] = body["id"]
                return response.status_code == 201

            print(f"warm-up and peers ({args.clients} clients)...", flush=True)
            await run_load(args.clients, 200, None, health)
            latencies, wall, errors = await run_load(args.clients, args.checkins, args.rate, health)
            results.append(summary("GET /health (peer: no database, same load shape)", latencies, wall, errors))
            await run_load(args.clients, 200, None, check_in)
            print("check-in...", flush=True)
            latencies, wall, errors = await run_load(args.clients, args.checkins, args.rate, check_in)
            shape = f"open loop {args.rate}/s" if args.rate else "closed loop"
            results.append(summary(f"POST /api/v1/visits check-in ({shape})", latencies, wall, errors))

            print(f"making {args.distinct_photos} photos of ~{args.photo_mb} MB...", flush=True)
            target = int(args.photo_mb * 1024 * 1024)
            bases = [make_photo(seed, target) for seed in range(args.distinct_photos)]
            uploads = [
                with_capture_time(bases[number % len(bases)], day + timedelta(seconds=number))
                for number in range(args.photos)
            ]
            sizes = [len(photo) for photo in uploads]

            from visits.photos import PhotoPolicy, process_photo

            policy = PhotoPolicy(max_bytes=16 * 1024 * 1024, max_pixels=40_000_000)
            inprocess = []
            for photo in uploads[: min(20, len(uploads))]:
                began = time.perf_counter()
                process_photo(photo, policy)
                inprocess.append(time.perf_counter() - began)
            peer = "process_photo in-process (peer: the image work alone)"
            results.append(summary(peer, inprocess, sum(inprocess), 0))

            async def upload(index: int, number: int) -> bool:
                email = REPS[index % len(REPS)]
                visit_id = visit_of_client[index]
                response = await http.post(
                    f"/api/v1/visits/{visit_id}/photos",
                    data={"photo_id": str(uuid.uuid4())},
                    files={"file": ("IMG.jpg", uploads[number], "image/jpeg")},
                    headers=tokens[email],
                )
                if response.status_code != 201:
                    print("upload failed:", response.status_code, response.text[:200], flush=True)
                return response.status_code == 201

            print("photo upload...", flush=True)
            latencies, wall, errors = await run_load(args.clients, args.photos, args.photo_rate, upload)
            shape = f"open loop {args.photo_rate}/s" if args.photo_rate else "closed loop"
            name = f"POST photo {statistics.fmean(sizes) / 1e6:.1f} MB incl. thumbnail ({shape})"
            results.append(summary(name, latencies, wall, errors))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="scratch database (its schema is dropped!)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--checkins", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--distinct-photos", type=int, default=10)
    parser.add_argument("--photo-mb", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=None, help="open-loop check-ins per second")
    parser.add_argument("--photo-rate", type=float, default=None, help="open-loop uploads per second")
    parser.add_argument("--pool", type=int, default=10, help="the server's pool_max_size")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results = asyncio.run(benchmark(args))
    print(f"\n{args.clients} concurrent clients, {os.cpu_count()} cores shared by client and server\n")
    print("| what | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['name']} | {row['requests']} | {row['errors']} | {row['throughput_rps']} | {row['p50_ms']} "
            f"| {row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} |"
        )
    by_name = {row["name"].split(" (")[0]: row for row in results}
    check_in = next(row for row in results if row["name"].startswith("POST /api/v1/visits"))
    photo = next(row for row in results if row["name"].startswith("POST photo"))
    print(f"\ncheck-in p95 / health p95: {check_in['p95_ms'] / by_name['GET /health']['p95_ms']:.1f}x")
    pure = by_name["process_photo in-process"]
    print(f"photo upload p50 / process_photo p50: {photo['p50_ms'] / pure['p50_ms']:.1f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
