"""A real `fieldsales serve` on a database of its own, for the benchmarks and the end-to-end tests.

- `recreate_database` drops and creates a database, then runs `fieldsales migrate` (our migrations
  and pgqueuer's tables, as in production);
- `serve` starts the server on a free port of 127.0.0.1, waits for /health, yields its base URL and
  stops it (the server's output goes to a log file, quoted when it does not start).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def recreate_database(database_url: str, *, migrated: bool = True) -> None:
    server, name = database_url.rsplit("/", 1)
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()
    if migrated:
        env = {**os.environ, "DATABASE_URL": database_url, "FIELDSALES_ENV": "test"}
        subprocess.run([FIELDSALES, "migrate"], env=env, check=True, capture_output=True)


@contextmanager
def serve(
    database_url: str, log_path: Path, extra_env: dict[str, str] | None = None, *, unset: tuple[str, ...] = ()
) -> Iterator[str]:
    """`fieldsales serve` on a free port of 127.0.0.1; yields its base URL. `unset`: variables removed."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDSALES_ENV": "test",
        "FIELDSALES_HOST": "127.0.0.1",
        "FIELDSALES_PORT": str(port),
        "FIELDSALES_PHOTO_DIR": str(log_path.parent / "photos"),
        **(extra_env or {}),
    }
    for name in unset:
        env.pop(name, None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    process = subprocess.Popen(
        [FIELDSALES, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
