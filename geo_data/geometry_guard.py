"""A boundary's validity check and repair, in a child process bounded in time and memory.

Checking a ring that crosses itself everywhere means computing every crossing: a random ring of 15k
vertices has tens of millions. In-process (shapely) that cannot be interrupted; in PostGIS it ran past
its statement timeout and grew one backend to 20 GB before the kernel killed it, restarting the whole
database server. So the check runs in a child process with a capped address space and a wall-clock
limit: whatever the boundary, it costs at most ``timeout_s`` and ``memory_bytes``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import dataclass

__all__ = ["GeometryTooComplex", "ValidityCheck", "check_validity_isolated"]

_CHILD = "from geo_data.geometry_guard import _child_main; _child_main()"


class GeometryTooComplex(ValueError):
    """The boundary could not be checked within the limits."""


@dataclass(frozen=True)
class ValidityCheck:
    valid: bool
    reason: str
    repaired_wkb: bytes | None  # the polygonal parts of shapely's make_valid, when it was invalid


def check_validity_isolated(
    wkb: bytes, *, timeout_s: float = 5.0, memory_bytes: int = 512 * 1024 * 1024
) -> ValidityCheck:
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", _CHILD, str(memory_bytes)],
            input=wkb,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GeometryTooComplex(f"checking it took longer than {timeout_s:g} s") from exc
    if done.returncode != 0:
        raise GeometryTooComplex(f"checking it needed more than {memory_bytes / 2**20:.0f} MiB")
    head, _, body = done.stdout.partition(b"\n")
    verdict = json.loads(head)
    return ValidityCheck(bool(verdict["valid"]), str(verdict["reason"]), body or None)


def _child_main() -> None:
    memory_bytes = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    shape = shapely.from_wkb(sys.stdin.buffer.read())
    if shapely.is_valid(shape):
        sys.stdout.buffer.write(json.dumps({"valid": True, "reason": "Valid Geometry"}).encode() + b"\n")
        return
    reason = shapely.is_valid_reason(shape)
    repaired = shapely.make_valid(shape)
    parts = [part for part in getattr(repaired, "geoms", [repaired]) if isinstance(part, Polygon | MultiPolygon)]
    sys.stdout.buffer.write(json.dumps({"valid": False, "reason": reason}).encode() + b"\n")
    if parts:
        sys.stdout.buffer.write(shapely.to_wkb(shapely.unary_union(parts)))
