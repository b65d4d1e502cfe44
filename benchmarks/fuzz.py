"""Fuzz the API from its OpenAPI schema with schemathesis (`st run`), as each role, against a live server.

    .venv/bin/python -m benchmarks.fuzz [--max-examples 100] [--database-url URL] [--seed N]

Builds its own database (default: `fieldsales_fuzz` on 127.0.0.1:5432, dropped and recreated: migrations
+ the demo city), serves the API with `fieldsales serve` on a free port of 127.0.0.1, logs in as the
demo admin, supervisor and rep, and runs `st run` once per role over every operation (every phase:
examples, coverage, fuzzing, stateful) with NUL bytes in strings and dates from the calendar's edges
(benchmarks/fuzz_hooks.py), checking: no 5xx (`not_a_server_error`) and every documented
response matches its schema (`response_schema_conformance`). Prints per role the operations, the cases
tried and the failures, and writes schemathesis' JSON/JUnit reports under test-artifacts/fuzz/.

The bounded version runs in `make test` (tests/e2e/test_schemathesis.py) with the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.live_server import recreate_database, serve

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "fuzz"
DEMO_PASSWORD = "demo-password"
ROLES = {"admin": "admin@example.com", "supervisor": "supervisor@example.com", "rep": "rep1@example.com"}
CHECKS = "not_a_server_error,response_schema_conformance"


@dataclass
class RoleResult:
    role: str
    exit_code: int
    operations: int
    cases: int
    failures: int
    seconds: float
    output: str


async def build_database(database_url: str) -> None:
    """Drop and recreate the database; migrate; load the demo city (committed: the server reads it)."""
    from backend.db.pool import connect
    from backend.demo.service import load_demo_city
    from backend.settings import load_settings
    from geo_data.demo_city import load_demo_city as read_demo_city

    await recreate_database(database_url)
    conn = await connect(load_settings({}, environment="test", database_url=database_url))
    try:
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city(), DEMO_PASSWORD)
    finally:
        await conn.close()


def access_token(base: str, email: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=10)
    response.raise_for_status()
    return str(response.json()["access_token"])


def _junit_counts(path: Path) -> tuple[int, int]:
    """(operations, failing operations) from schemathesis' JUnit report."""
    if not path.exists():
        return 0, 0
    root = ET.parse(path).getroot()
    cases = root.findall(".//testcase")
    failing = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    return len(cases), len(failing)


def _cases_tried(ndjson: Path) -> int:
    """Test cases sent, counted from the NDJSON event stream (one ScenarioFinished per scenario)."""
    if not ndjson.exists():
        return 0
    total = 0
    for line in ndjson.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        finished = event.get("ScenarioFinished")
        if finished:
            recorder = finished.get("recorder") or {}
            total += len(recorder.get("cases") or {})
    return total


def run_role(
    base: str,
    role: str,
    token: str,
    *,
    max_examples: int,
    seed: int,
    out_dir: Path,
    phases: str = "examples,coverage,fuzzing,stateful",
    timeout_s: float = 1200,
) -> RoleResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    junit = out_dir / f"{role}.junit.xml"
    ndjson = out_dir / f"{role}.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        phases,
        # One worker: schemathesis 4.32's coverage phase hit a Hypothesis internal error with two threads.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "-H",
        f"Authorization: Bearer {token}",
        "--suppress-health-check",
        "all",
        # Logging out ends the role's token (every later case would be a 401): tested by its own tests.
        "--exclude-path",
        "/api/v1/auth/logout",
        # NUL bytes in every generated string; dates and times from the calendar's edges (fuzz_hooks).
        "--generation-allow-x00",
        "true",
        "--report",
        "junit,ndjson",
        "--report-junit-path",
        str(junit),
        "--report-ndjson-path",
        str(ndjson),
        "--no-color",
    ]
    started = time.monotonic()
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "benchmarks.fuzz_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s, cwd=out_dir, check=False, env=env
    )
    seconds = time.monotonic() - started
    (out_dir / f"{role}.log").write_text(completed.stdout + completed.stderr)
    operations, failing = _junit_counts(junit)
    return RoleResult(
        role=role,
        exit_code=completed.returncode,
        operations=operations,
        cases=_cases_tried(ndjson),
        failures=failing,
        seconds=seconds,
        output=completed.stdout[-20000:] + completed.stderr[-5000:],
    )


def access_tokens(base: str) -> dict[str, str]:
    """Every role's token before any fuzzing: fuzzing the login endpoint trips the per-address limit of
    failed logins (20 in 15 minutes, then 429), so logging in later from the same address would fail."""
    return {role: access_token(base, email) for role, email in ROLES.items()}


def fuzz(base: str, *, max_examples: int, seed: int, out_dir: Path) -> list[RoleResult]:
    tokens = access_tokens(base)  # valid 15 minutes: enough for a role's run up to a few hundred examples
    return [
        run_role(base, role, token, max_examples=max_examples, seed=seed, out_dir=out_dir)
        for role, token in tokens.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/fieldsales_fuzz")
    args = parser.parse_args()
    asyncio.run(build_database(args.database_url))
    started = time.monotonic()
    with serve(args.database_url, ARTIFACTS / "server.log") as base:
        results = fuzz(base, max_examples=args.max_examples, seed=args.seed, out_dir=ARTIFACTS)
    print(f"\nschemathesis, max {args.max_examples} examples per operation, seed {args.seed}")
    print(f"{'role':<11} {'operations':>10} {'cases':>8} {'failing ops':>11} {'seconds':>8}")
    for r in results:
        print(f"{r.role:<11} {r.operations:>10} {r.cases:>8} {r.failures:>11} {r.seconds:>8.0f}")
    print(f"total {time.monotonic() - started:.0f} s; reports in {ARTIFACTS}")
    for r in results:
        if r.exit_code != 0:
            print(f"\n--- {r.role}: exit {r.exit_code}\n{r.output}")
    sys.exit(0 if all(r.exit_code == 0 for r in results) else 1)


if __name__ == "__main__":
    main()
