"""Hardening (issue 18): what hostile load costs a live server.

    .venv/bin/python -m benchmarks.hardening [--database-url URL] [--rows 5000000]

Builds its own database (default `fieldsales_hardening_bench` on 127.0.0.1:5432: schema dropped and
re-created, `fieldsales migrate`, `fieldsales demo`, which plans today's routes), serves it with
`fieldsales serve` (one process, default settings) on a free port, and measures:

1. peak server memory (VmHWM of the server process) while one rep posts 12 photos of 6300 x 6300
   pixels at once (the probe's case), then while three reps post 12 phone JPEGs (4000 x 3000) at once;
2. the wall time until the import of a 5-million-row XLSX (1.1 MB zipped: identical rows without
   references or <dimension>, the probe's kind) is refused;
3. 30 concurrent re-plans (ten per demo rep) while four clients keep reading other endpoints
   (GET /api/v1/me, /api/v1/me/accounts, /api/v1/territories, /health): the re-plans' answers and
   the other requests' p50/p99 latency, against the same reads on an idle server.

Prints a table and writes benchmarks/results/hardening-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.fuzz import DEMO_PASSWORD
from benchmarks.live_server import free_port
from tests.geo_data.workbooks import streamed_rows_xlsx
from tests.visits.images import huge_png, jpeg, shelf_image

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))
REPS = ("rep1@example.com", "rep2@example.com", "rep3@example.com")


def _env(database_url: str, port: int | None = None) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "FIELDSALES_ENV": "demo", "PYTHONPATH": str(ROOT)}
    if port is not None:
        env |= {"FIELDSALES_HOST": "127.0.0.1", "FIELDSALES_PORT": str(port)}
    return env


async def build(database_url: str) -> None:
    server, name = database_url.rsplit("/", 1)
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("create extension if not exists postgis")
    finally:
        await conn.close()
    for command in (["migrate"], ["demo"]):
        subprocess.run([FIELDSALES, *command], env=_env(database_url), check=True, capture_output=True)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: writing 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def token(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def open_visit(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    accounts = (await client.get("/api/v1/me/accounts", params={"limit": 1}, headers=headers)).json()["items"]
    account = accounts[0]
    body = {
        "id": str(uuid.uuid4()),
        "account_id": account["id"],
        "checked_in_at": dt.datetime.now(dt.UTC).isoformat(),
        "lat": account["lat"],
        "lon": account["lon"],
        "accuracy_m": 8.0,
    }
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    response.raise_for_status()
    return str(response.json()["id"])


async def upload(client: httpx.AsyncClient, headers: dict[str, str], visit_id: str, content: bytes) -> int:
    response = await client.post(
        f"/api/v1/visits/{visit_id}/photos",
        data={"photo_id": str(uuid.uuid4())},
        files={"file": ("photo.png", content, "application/octet-stream")},
        headers=headers,
        timeout=120,
    )
    return response.status_code


def _counts(statuses: list[int]) -> dict[str, int]:
    return {str(status): statuses.count(status) for status in sorted(set(statuses))}


async def photos(client: httpx.AsyncClient, pid: int, reps: dict[str, dict[str, str]]) -> dict[str, Any]:
    visits = {email: await open_visit(client, headers) for email, headers in reps.items()}
    bomb = huge_png(6300, 6300)
    reset_peak(pid)
    before = peak_rss_mb(pid)
    one_rep = REPS[0]
    statuses = await asyncio.gather(*(upload(client, reps[one_rep], visits[one_rep], bomb) for _ in range(12)))
    png_peak = peak_rss_mb(pid)
    phone = [jpeg(shelf_image(seed, (4000, 3000)), quality=85) for seed in range(12)]
    reset_peak(pid)
    jpeg_statuses = await asyncio.gather(
        *(upload(client, reps[REPS[i % 3]], visits[REPS[i % 3]], phone[i]) for i in range(12))
    )
    jpeg_peak = peak_rss_mb(pid)
    return {
        "png_6300_bytes": len(bomb),
        "png_statuses": _counts(list(statuses)),
        "rss_before_mb": round(before, 1),
        "png_peak_mb": round(png_peak, 1),
        "jpeg_bytes_each": len(phone[0]),
        "jpeg_statuses": _counts(list(jpeg_statuses)),
        "jpeg_peak_mb": round(jpeg_peak, 1),
    }


async def zip_bomb(client: httpx.AsyncClient, admin: dict[str, str], rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.xlsx"
        with path.open("wb") as handle:
            streamed_rows_xlsx(rows, handle, references=False)
        size = path.stat().st_size
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = await client.post(
                "/api/v1/imports/accounts",
                files=[("files", ("bomb.xlsx", handle, "application/octet-stream"))],
                data={"dry_run": "true"},
                headers=admin,
                timeout=300,
            )
        seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "zipped_mb": round(size / 2**20, 1),
        "status": response.status_code,
        "seconds": round(seconds, 2),
        "detail": response.json().get("detail", "")[:200],
    }


async def reads(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], stop: asyncio.Event, statuses: list[int]
) -> list[float]:
    """Four clients reading other endpoints until `stop`; the latency of every read, in ms (answers
    that are not 200, such as a 503 when the pool is exhausted, are counted in `statuses`)."""
    latencies: list[float] = []
    targets = [
        ("/api/v1/me", tokens["rep1@example.com"]),
        ("/api/v1/me/accounts", tokens["rep2@example.com"]),
        ("/api/v1/territories", tokens["supervisor@example.com"]),
        ("/health", {}),
    ]

    async def loop(path: str, headers: dict[str, str]) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get(path, headers=headers, timeout=60)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses.append(response.status_code)

    await asyncio.gather(*(loop(path, headers) for path, headers in targets))
    return latencies


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
    }


async def replans(client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]) -> dict[str, Any]:
    stop = asyncio.Event()
    idle_statuses: list[int] = []
    idle_task = asyncio.create_task(reads(client, tokens, stop, idle_statuses))
    await asyncio.sleep(5)
    stop.set()
    idle = await idle_task
    stop = asyncio.Event()
    busy_statuses: list[int] = []
    busy_task = asyncio.create_task(reads(client, tokens, stop, busy_statuses))
    started = time.perf_counter()

    async def replan(email: str) -> tuple[int, float]:
        begun = time.perf_counter()
        response = await client.post(
            "/api/v1/me/route/replan",
            json={"lat": 60.17, "lon": 24.94, "time_s": 10 * 3600},  # mid-morning of today's route
            headers=tokens[email],
            timeout=120,
        )
        return response.status_code, time.perf_counter() - begun

    results = await asyncio.gather(*(replan(REPS[i % 3]) for i in range(30)))
    burst_s = time.perf_counter() - started
    stop.set()
    busy = await busy_task
    return {
        "replan_statuses": _counts([status for status, _ in results]),
        "replan_slowest_s": round(max(seconds for _, seconds in results), 2),
        "burst_s": round(burst_s, 2),
        "reads_idle": {**_percentiles(idle), "statuses": _counts(idle_statuses)},
        "reads_during_replans": {**_percentiles(busy), "statuses": _counts(busy_statuses)},
    }


async def measure(base: str, pid: int, rows: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=100)) as client:
        tokens = {email: await token(client, email) for email in (*REPS, "admin@example.com", "supervisor@example.com")}
        results: dict[str, Any] = {"photos": await photos(client, pid, {email: tokens[email] for email in REPS})}
        results["zip_bomb"] = await zip_bomb(client, tokens["admin@example.com"], rows)
        results["replans"] = await replans(client, tokens)
        results["server_peak_mb_overall"] = round(peak_rss_mb(pid), 1)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/fieldsales_hardening_bench")
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    asyncio.run(build(args.database_url))
    port = free_port()
    log_path = ROOT / "test-artifacts" / "hardening-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [FIELDSALES, "serve"],
            env=_env(args.database_url, port),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.3)
            results = asyncio.run(measure(base, server.pid, args.rows))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    load = os.getloadavg()
    results["machine_load_1m"] = round(load[0], 1)
    (RESULTS / f"hardening-{stamp}.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
