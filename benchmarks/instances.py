"""Solomon VRPTW instances, their scaled integer form, best-known values, and the route checker.

Two arc conventions, the same for every solver in a run (travel time = arc length; time windows
and service times x100, they are integers):

- ``dimacs`` (the default of the benchmark): every arc truncated to 0.1, as the proven optima in
  ``bks_all_conventions.csv`` were computed; solvers get ``10 * floor(10 d)`` as cost and time (whole
  numbers, exact), and routes are re-checked and valued with the truncated arcs. A gap to the
  reference is then the gap to the optimum of the very problem the solver was given.
- ``float``: costs ``round(100 d)``, travel times ``ceil(100 d)`` (rounded up, so a route feasible
  with integer times is feasible with float times); routes re-checked and valued with float
  distances. Stricter than the reference's problem, so even an optimal route shows a gap (about
  0.3 % on these instances).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

SOLOMON_DIR = Path("/work/shared/bench/solomon")
REFERENCE_CONVENTION = "distance_min_trunc1dec_DIMACS_optimal"
SCALE = 100
EPS = 1e-6
ARC_CONVENTIONS = ("dimacs", "float")


@dataclass(frozen=True)
class Instance:
    """Index 0 is the depot; customers are 1..n. Times in the instance's own units (not scaled)."""

    name: str
    num_vehicles: int
    capacity: int | None
    coords: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]
    notes: str = field(default="", compare=False)
    arcs: str = "dimacs"  # one of ARC_CONVENTIONS

    def with_arcs(self, arcs: str) -> Instance:
        if arcs not in ARC_CONVENTIONS:
            raise ValueError(f"arcs must be one of {ARC_CONVENTIONS}, not {arcs!r}")
        return replace(self, arcs=arcs)

    @property
    def n_customers(self) -> int:
        return len(self.coords) - 1

    def dist(self, i: int, j: int) -> float:
        (x1, y1), (x2, y2) = self.coords[i], self.coords[j]
        return math.hypot(x1 - x2, y1 - y2)

    @cached_property
    def _tenths(self) -> list[list[int]]:
        """Arcs truncated to 0.1, in tenths (the small epsilon keeps an exact 5.0 at 50)."""
        n = len(self.coords)
        return [[math.floor(10 * self.dist(i, j) + 1e-9) for j in range(n)] for i in range(n)]

    @cached_property
    def dist_float(self) -> list[list[float]]:
        """Arc lengths the checker values routes with, in the instance's units."""
        if self.arcs == "dimacs":
            return [[t / 10 for t in row] for row in self._tenths]
        n = len(self.coords)
        return [[self.dist(i, j) for j in range(n)] for i in range(n)]

    @cached_property
    def dist_int(self) -> list[list[int]]:
        """Costs given to solvers: ``10 floor(10 d)`` (dimacs) or ``round(100 d)`` (float)."""
        if self.arcs == "dimacs":
            return [[10 * t for t in row] for row in self._tenths]
        return [[round(SCALE * d) for d in row] for row in self.dist_float]

    @cached_property
    def time_int(self) -> list[list[int]]:
        """Travel times given to solvers: as the costs (dimacs) or ``ceil(100 d)`` (float)."""
        if self.arcs == "dimacs":
            return self.dist_int
        return [[math.ceil(SCALE * d) for d in row] for row in self.dist_float]

    def scaled(self, values: Sequence[int]) -> list[int]:
        return [SCALE * v for v in values]

    def first(self, n: int, *, vehicles: int = 1, capacity: bool = False) -> Instance:
        """The depot and the first ``n`` customers, as a rep's day: ``vehicles`` vehicles, no capacity."""
        k = n + 1
        return Instance(
            name=f"{self.name}-{n}",
            num_vehicles=vehicles,
            capacity=self.capacity if capacity else None,
            coords=self.coords[:k],
            demand=self.demand[:k],
            ready=self.ready[:k],
            due=self.due[:k],
            service=self.service[:k],
            arcs=self.arcs,
            notes=f"first {n} customers of {self.name}, {vehicles} vehicle(s)" + ("" if capacity else ", no capacity"),
        )


def load_instance(name: str, directory: Path = SOLOMON_DIR) -> Instance:
    """Parse ``NAME.txt`` in the classic Solomon format."""
    lines = (directory / f"{name}.txt").read_text().splitlines()
    vehicles = capacity = None
    rows: list[list[int]] = []
    for idx, line in enumerate(lines):
        if line.strip().upper().startswith("NUMBER") and "CAPACITY" in line.upper():
            vehicles, capacity = (int(v) for v in lines[idx + 1].split()[:2])
        parts = line.split()
        if len(parts) == 7 and all(p.lstrip("-").isdigit() for p in parts):
            rows.append([int(p) for p in parts])
    if vehicles is None or capacity is None or not rows:
        raise ValueError(f"{name}: not a Solomon instance file")
    rows.sort(key=lambda r: r[0])
    if [r[0] for r in rows] != list(range(len(rows))):
        raise ValueError(f"{name}: customer numbers are not 0..n")
    return Instance(
        name=name,
        num_vehicles=vehicles,
        capacity=capacity,
        coords=tuple((float(r[1]), float(r[2])) for r in rows),
        demand=tuple(r[3] for r in rows),
        ready=tuple(r[4] for r in rows),
        due=tuple(r[5] for r in rows),
        service=tuple(r[6] for r in rows),
    )


def load_references(directory: Path = SOLOMON_DIR) -> dict[str, float]:
    """Proven optima with arcs truncated to one decimal (DIMACS): a float-distance gap to them is >= 0."""
    out: dict[str, float] = {}
    with open(directory / "bks_all_conventions.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("convention") == REFERENCE_CONVENTION and row.get("distance"):
                out[row["instance"]] = float(row["distance"])
    return out


def load_double_bks(directory: Path = SOLOMON_DIR) -> dict[str, float]:
    """Best-known distances in double precision (``bks.csv``) without the rows flagged SUSPECT.

    Only to compare with figures quoted elsewhere: gaps to these can be negative.
    """
    out: dict[str, float] = {}
    with open(directory / "bks.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("distance") and "SUSPECT" not in (row.get("source") or ""):
                out[row["instance"]] = float(row["distance"])
    return out


@dataclass(frozen=True)
class Check:
    """The re-check of one solver's routes with the instance's arcs."""

    feasible: bool
    distance: float
    routes_used: int
    served: int
    violations: tuple[str, ...]


def check_routes(inst: Instance, routes: Sequence[Sequence[int]]) -> Check:
    """Re-check routes (lists of customers 1..n, depot implied at both ends) with the instance's arcs.

    Time: leave the depot at its ready time; service starts at max(arrival, ready) and must start by
    ``due`` (Solomon); back at the depot by its due time. Capacity per route if the instance has one.
    """
    violations: list[str] = []
    seen: dict[int, int] = {}
    total = 0.0
    used = 0
    for r, route in enumerate(routes):
        if not route:
            continue
        used += 1
        load = 0
        t = float(inst.ready[0])
        prev = 0
        for c in route:
            if not 1 <= c <= inst.n_customers:
                violations.append(f"route {r}: unknown customer {c}")
                break
            seen[c] = seen.get(c, 0) + 1
            d = inst.dist_float[prev][c]
            total += d
            arrival = t + (inst.service[prev] if prev else 0) + d
            start = max(arrival, float(inst.ready[c]))
            if start > inst.due[c] + EPS:
                violations.append(f"route {r}: customer {c} starts at {start:.3f} > due {inst.due[c]}")
            load += inst.demand[c]
            t = start
            prev = c
        d = inst.dist_float[prev][0]
        total += d
        back = t + (inst.service[prev] if prev else 0) + d
        if back > inst.due[0] + EPS:
            violations.append(f"route {r}: back at the depot at {back:.3f} > {inst.due[0]}")
        if inst.capacity is not None and load > inst.capacity:
            violations.append(f"route {r}: load {load} > capacity {inst.capacity}")
    if used > inst.num_vehicles:
        violations.append(f"{used} routes > {inst.num_vehicles} vehicles")
    missing = [c for c in range(1, inst.n_customers + 1) if c not in seen]
    if missing:
        violations.append(f"{len(missing)} customers not served: {missing[:10]}")
    twice = [c for c, k in seen.items() if k > 1]
    if twice:
        violations.append(f"customers served more than once: {twice[:10]}")
    return Check(
        feasible=not violations,
        distance=round(total, 6),  # a sum of tenths (dimacs) would otherwise show -0.00 % gaps
        routes_used=used,
        served=len(seen),
        violations=tuple(violations),
    )
