"""Travel-matrix timings: the Valhalla provider against a local service, and haversine.

    .venv/bin/python -m benchmarks.matrix            # needs pyvalhalla-weekly for the Valhalla rows

Points are random (seeded) inside the bundled central-Helsinki extract; the service runs with one
worker thread (``tests/routing/valhalla_service.py``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Sequence

from routing.matrix import HaversineProvider, Matrix, ValhallaProvider

BBOX = (60.1650, 60.1785, 24.9360, 24.9528)  # lat_min, lat_max, lon_min, lon_max, inside the extract


def _points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(BBOX[0], BBOX[1]), rng.uniform(BBOX[2], BBOX[3])) for _ in range(n)]


def _inf(v: float | None) -> bool:
    return v is None or math.isinf(v)


def _unreachable(m: Matrix) -> float:
    n = len(m.durations)
    bad = sum(_inf(m.durations[i][j]) for i in range(n) for j in range(n) if i != j)
    return bad / max(1, n * (n - 1))


def _timed(
    provider: ValhallaProvider | HaversineProvider, pts: Sequence[tuple[float, float]], mode: str
) -> tuple[float, Matrix]:
    t0 = time.perf_counter()
    m = provider.matrix(pts, mode)
    return time.perf_counter() - t0, m


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.matrix")
    ap.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 300])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print("| provider | request | time | pairs unreachable |")
    print("|---|---|---:|---:|")
    big = _points(2 * max(args.sizes), args.seed)
    dt, m = _timed(HaversineProvider(), big, "car")
    print(f"| haversine | {len(big)} x {len(big)} car | {dt:.3f} s | {_unreachable(m):.1%} |")
    try:
        from tests.routing import valhalla_service
    except ImportError as exc:
        print(f"(Valhalla rows skipped: {exc})")
        return 0
    reason = valhalla_service.valhalla_missing_reason()
    if reason:
        print(f"(Valhalla rows skipped: {reason})")
        return 0
    with valhalla_service.running() as svc:
        for n in args.sizes:
            pts = big[:n]
            for mode in ("car", "foot", "bicycle") if n <= 30 else ("car",):
                for block in sorted({100, n}):
                    dt, m = _timed(ValhallaProvider(svc.url, block_size=block), pts, mode)
                    print(f"| valhalla | {n} x {n} {mode}, blocks of {block} | {dt:.2f} s | {_unreachable(m):.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
