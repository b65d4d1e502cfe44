"""Order submission under load: POST /api/v1/orders from 20 concurrent clients.

Starts the real service (uvicorn, one worker) on 127.0.0.1 against a scratch database (migrated, demo
city and demo catalogue loaded), logs the three demo reps in, and sends orders decided by the demo
demand model (`backend.catalogue.demo.order_for_visit`: 2-7 lines each) for accounts of each rep's
territory, each with a new client UUID; a tenth of them are resent (a phone retrying: replayed, not
stored twice). Latency is measured from the scheduled send time at a constant rate (`--rate`, no
coordinated omission), and also in a closed loop. GET /health in the same run is the peer.

    .venv/bin/python -m benchmarks.orders_load --clients 20 --rate 40 --orders 1200
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from benchmarks.visits_load import ensure_database, prepare_database, run_load, summary

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-password"
REPS = ["rep1@example.com", "rep2@example.com", "rep3@example.com"]
SERVER = """
import sys, uvicorn
from backend.app import create_app
from backend.settings import load_settings
settings = load_settings(environment="test", database_url=sys.argv[1], access_token_ttl_s=3600)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


async def load_catalogue(url: str) -> None:
    from backend.catalogue.demo import build_demo_catalogue, load_demo_catalogue
    from backend.db.pool import connect
    from backend.settings import load_settings

    conn = await connect(load_settings({}, environment="test", database_url=url))
    try:
        async with conn.transaction():
            await load_demo_catalogue(conn, build_demo_catalogue(7), dt.date(2024, 1, 1))
    finally:
        await conn.close()


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from backend.catalogue.demo import build_demo_catalogue, order_for_visit

    url = args.database_url or ensure_database("fieldsales_bench_orders_load")
    await prepare_database(url)
    await load_catalogue(url)
    catalogue = build_demo_catalogue(7)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(args.port)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        limits = httpx.Limits(max_connections=args.clients + 5, max_keepalive_connections=args.clients + 5)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", timeout=60, limits=limits) as http:
            for _ in range(150):
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError("the server did not start")
            headers: dict[str, dict[str, str]] = {}
            accounts: dict[str, list[dict[str, Any]]] = {}
            for email in REPS:
                login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
                login.raise_for_status()
                headers[email] = {"Authorization": f"Bearer {login.json()['access_token']}"}
                mine = await http.get("/api/v1/me/accounts", params={"limit": 500}, headers=headers[email])
                accounts[email] = [item for item in mine.json()["items"] if item["channel"] in ("horeca", "retail")]
            bodies: list[tuple[str, dict[str, Any]]] = []
            number = 0
            day = dt.date(2026, 12, 1)
            while len(bodies) < args.orders:
                email = REPS[number % len(REPS)]
                account = accounts[email][(number // len(REPS)) % len(accounts[email])]
                lines = order_for_visit(
                    catalogue,
                    account["id"],
                    account["channel"],
                    account["account_class"],
                    day + dt.timedelta(days=number % 20),
                )
                number += 1
                if not lines:
                    continue
                body = {
                    "id": str(uuid.uuid4()),
                    "account_id": account["id"],
                    "ordered_at": dt.datetime.combine(day, dt.time(11), ZoneInfo("Europe/Helsinki")).isoformat(),
                    "lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines],
                }
                bodies.append((email, body))
                if len(bodies) % 10 == 0:
                    bodies.append((email, body))  # a retry of the same order

            async def send_order(_: int, index: int) -> bool:
                email, body = bodies[index]
                response = await http.post("/api/v1/orders", json=body, headers=headers[email])
                return response.status_code == 201

            async def send_health(_: int, __: int) -> bool:
                return (await http.get("/health")).status_code == 200

            results: dict[str, Any] = {"orders_in_run": len(bodies)}
            half = len(bodies) // 2
            first, second = bodies[:half], bodies[half:]
            bodies[:] = first
            latencies, wall, errors = await run_load(args.clients, len(first), args.rate, send_order)
            results["constant_rate"] = summary(f"POST /api/v1/orders at {args.rate}/s", latencies, wall, errors)
            latencies, wall, errors = await run_load(args.clients, 400, args.rate, send_health)
            results["health_peer"] = summary(f"GET /health at {args.rate}/s", latencies, wall, errors)
            bodies[:] = second
            latencies, wall, errors = await run_load(args.clients, len(second), None, send_order)
            results["closed_loop"] = summary("POST /api/v1/orders, closed loop", latencies, wall, errors)
            return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--orders", type=int, default=1200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(benchmark(args)), indent=2))


if __name__ == "__main__":
    main()
