"""A rep's day, as the product gives it to the solver: this project against VROOM and PyVRP, same limits.

    .venv/bin/python -m benchmarks.days --time-limits 0.2 0.5 1 2

**The days** (`make_day(seed)`, seeds `DAY_SEEDS`; seeds 1-8 one rep, 9-10 two reps, 11-12 three):

- A rep lives at a random point of a 11 x 11 km city centre (Helsinki); shift 08:30-17:00 or
  09:00-17:30 with one 30-minute break starting 11:30-13:30 (it must end by 14:00).
- 30-45 visits per rep around the rep's home (normal spread 2 km north-south, 2 km east-west), drawn
  from five kinds of outlet, each with its opening hours (the visit must end before closing, so a
  visit's start windows are ``[open, close - service]``):
  shop 09:00-19:00 (35 %), kiosk 07:00-21:00 (15 %), café 07:30-15:00 (15 %), restaurant with a
  lunch closure 10:00-14:30 and 16:00-22:00 (20 %, a split window), evening-only bar 15:30-23:00
  (15 %, can only be seen at the end of the shift).
- Service 5, 10, 15 or 20 minutes; priority by account class: A 90-100 (20 %), B 50-70 (40 %),
  C 10-40 (40 %).
- One pinned appointment per rep: a class-A visit of that rep, at a fixed half hour inside its
  window, priority 100.
- On multi-rep days the reps' visits are one pool (anyone may take any visit), except that
  restaurants and bars need the skill ``horeca``, which the first rep lacks, and each pinned visit
  belongs to its rep.
- Over-subscribed: 30-45 visits of 12.5 minutes on average plus travel do not fit in 8 hours.

Travel: the project's one haversine model (car: 25 km/h x 1.4), rounded up to whole seconds; every
solver gets the same integer matrix (seconds) and minimises travel time.

**Scoring**: priority served (sum of the served visits' priorities) first, then travel seconds.
Every answer is timed by the earliest schedule of its visit order and checked by the project's
independent checker (`routing.check_solution`).

**How each peer is given the day (fair translation)**:

- VROOM 1.15 (pyvroom, exploration 5, one thread): everything natively: several time windows per job,
  vehicle breaks (time window for the break's start, its duration as service), skills (pinned visits
  get a skill only their rep has), priorities (0-100, which VROOM maximises before cost).
- PyVRP 0.14.1: no breaks and no multiple time windows per client. Split windows: one optional
  client per window in a mutually exclusive client group (at most one served). Priorities: prizes
  of ``priority x 100,000`` (more than any day's travel, so priority comes first). Skills and pinned
  visits: each rep its own vehicle type with its own routing profile, where arcs into visits the
  rep may not serve cost 10^9. The break: the shift's end is moved 30 minutes earlier; its route is
  then timed with the break, and when the break does not fit, the visits of lowest priority are
  taken off until it does (reported as "repaired").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from routing import Problem, Solution, SolveParams, check_solution, problem_from_dict, solve
from routing.matrix.haversine import HaversineProvider

RESULTS_DIR = Path(__file__).parent / "results"
DAY_SEEDS = tuple(range(1, 13))
CENTRE = (60.1699, 24.9384)
HOUR = 3600
BREAK_S = 30 * 60
PRIZE_PER_PRIORITY = 100_000
FORBIDDEN = 10**9
# name, share, opening intervals (seconds from midnight)
KINDS: tuple[tuple[str, float, tuple[tuple[int, int], ...]], ...] = (
    ("shop", 0.35, ((9 * HOUR, 19 * HOUR),)),
    ("kiosk", 0.15, ((7 * HOUR, 21 * HOUR),)),
    ("cafe", 0.15, ((7 * HOUR + 1800, 15 * HOUR),)),
    ("restaurant", 0.20, ((10 * HOUR, 14 * HOUR + 1800), (16 * HOUR, 22 * HOUR))),
    ("bar", 0.15, ((15 * HOUR + 1800, 23 * HOUR),)),
)
HORECA = {"restaurant", "bar"}


def reps_of(seed: int) -> int:
    return 1 if seed <= 8 else 2 if seed <= 10 else 3


def make_day(seed: int) -> dict[str, Any]:
    """One generated day as the project's problem dict (with its integer matrix)."""
    rnd = random.Random(seed * 7919)
    n_reps = reps_of(seed)
    homes: list[tuple[float, float]] = []
    reps: list[dict[str, Any]] = []
    for r in range(n_reps):
        homes.append((CENTRE[0] + rnd.uniform(-0.05, 0.05), CENTRE[1] + rnd.uniform(-0.1, 0.1)))
        start = rnd.choice((8 * HOUR + 1800, 9 * HOUR))
        break_start = rnd.choice((11 * HOUR + 1800, 12 * HOUR, 12 * HOUR + 1800, 13 * HOUR, 13 * HOUR + 1800))
        rep: dict[str, Any] = {
            "id": f"rep{r + 1}",
            "start_index": r,
            "shift": [start, start + 8 * HOUR + 1800],
            "breaks": [{"window": [break_start, max(break_start + BREAK_S, 14 * HOUR)], "duration_s": BREAK_S}],
        }
        if r > 0 or n_reps == 1:
            rep["skills"] = ["horeca"]
        reps.append(rep)
    points = list(homes)
    visits: list[dict[str, Any]] = []
    for r in range(n_reps):
        home = homes[r]
        count = rnd.randint(30, 45)
        pinned_done = False
        for k in range(count):
            roll, acc = rnd.random(), 0.0
            kind, opening = KINDS[-1][0], KINDS[-1][2]
            for name, share, hours in KINDS:
                acc += share
                if roll < acc:
                    kind, opening = name, hours
                    break
            service = rnd.choice((300, 600, 900, 1200))
            cls = rnd.random()
            priority = rnd.randint(90, 100) if cls < 0.2 else rnd.randint(50, 70) if cls < 0.6 else rnd.randint(10, 40)
            windows = [[lo, hi - service] for lo, hi in opening if hi - service >= lo]
            visit: dict[str, Any] = {
                "id": f"{kind}-{r + 1}-{k}",
                "location_index": len(points),
                "service_s": service,
                "priority": priority,
                "time_windows": windows,
            }
            if kind in HORECA and n_reps > 1:
                visit["skills"] = ["horeca"]
            shift = reps[r]["shift"]
            if not pinned_done and priority >= 90 and kind in ("shop", "kiosk"):
                # An appointment on a half hour inside the window, clear of the break window.
                lo = max(windows[0][0], shift[0] + HOUR)
                hi = min(windows[0][1], shift[1] - HOUR)
                slots = [t for t in range(lo - lo % 1800 + 1800, hi + 1, 1800) if not 11 * HOUR <= t <= 14 * HOUR]
                if slots:
                    at = rnd.choice(slots)
                    visit["priority"] = 100
                    visit["pinned"] = {"rep": reps[r]["id"], "start_s": at}
                    visit["time_windows"] = [[at, at]]
                    pinned_done = True
            points.append((home[0] + rnd.gauss(0, 0.018), home[1] + rnd.gauss(0, 0.036)))
            visits.append(visit)
    durations, distances = HaversineProvider().arrays(points, "car")
    return {
        "reps": reps,
        "visits": visits,
        "matrix": {
            "durations": [[math.ceil(x - 1e-9) for x in row] for row in durations.tolist()],
            "distances": [[round(x) for x in row] for row in distances.tolist()],
        },
        "objective": "duration",
    }


# --------------------------------------------------------------------------------------------------
# Peers: each returns the visit order per rep (visit ids), and notes
# --------------------------------------------------------------------------------------------------


def _may_serve(rep: dict[str, Any], visit: dict[str, Any]) -> bool:
    if "pinned" in visit and visit["pinned"]["rep"] != rep["id"]:
        return False
    return set(visit.get("skills", ())) <= set(rep.get("skills", ()))


def solve_vroom(day: dict[str, Any], limit_s: float, seed: int, threads: int = 1) -> tuple[dict[str, list[str]], str]:
    import vroom

    inp = vroom.Input()
    inp.set_durations_matrix("car", day["matrix"]["durations"])
    inp.set_costs_matrix("car", day["matrix"]["durations"])
    reps = day["reps"]
    skill_ids = {"horeca": 1}
    for r, rep in enumerate(reps):
        skills = {skill_ids[s] for s in rep.get("skills", ())} | {100 + r}
        breaks = [
            vroom.Break(
                1000 * (r + 1) + b,
                time_windows=[vroom.TimeWindow(brk["window"][0], brk["window"][1] - brk["duration_s"])],
                service=brk["duration_s"],
            )
            for b, brk in enumerate(rep.get("breaks", ()))
        ]
        inp.add_vehicle(
            vroom.Vehicle(
                r + 1,
                start=rep["start_index"],
                end=rep["start_index"],
                skills=skills,
                time_window=vroom.TimeWindow(*rep["shift"]),
                breaks=breaks,
            )
        )
    rep_index = {rep["id"]: r for r, rep in enumerate(reps)}
    for j, visit in enumerate(day["visits"]):
        skills = {skill_ids[s] for s in visit.get("skills", ())}
        if "pinned" in visit:
            skills.add(100 + rep_index[visit["pinned"]["rep"]])
        inp.add_job(
            vroom.Job(
                j + 1,
                location=visit["location_index"],
                default_service=visit["service_s"],
                priority=visit["priority"],
                skills=skills,
                time_windows=[vroom.TimeWindow(lo, hi) for lo, hi in visit["time_windows"]],
            )
        )
    sol = inp.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=limit_s))
    orders: dict[str, list[str]] = {rep["id"]: [] for rep in reps}
    frame = sol.routes
    for vid, kind, jid in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        if str(kind) == "job":
            orders[reps[int(vid) - 1]["id"]].append(day["visits"][int(jid) - 1]["id"])
    return orders, ""


def solve_pyvrp(day: dict[str, Any], limit_s: float, seed: int) -> tuple[dict[str, list[str]], str]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    m = Model()
    durations = day["matrix"]["durations"]
    locations = [m.add_location(0, 0) for _ in durations]
    reps = day["reps"]
    depots = [m.add_depot(locations[rep["start_index"]]) for rep in reps]
    restricted = len(reps) > 1 or any("pinned" in v or "skills" in v for v in day["visits"])
    profiles = [m.add_profile() for _ in reps] if restricted else [None]
    for r, rep in enumerate(reps):
        lost = sum(b["duration_s"] for b in rep.get("breaks", ()))
        m.add_vehicle_type(
            start_depot=depots[r],
            end_depot=depots[r],
            tw_early=rep["shift"][0],
            tw_late=rep["shift"][1] - lost,
            profile=profiles[r] if restricted else None,
        )
    client_of: list[int] = []  # pyvrp client number -> visit number
    for j, visit in enumerate(day["visits"]):
        windows = visit["time_windows"]
        prize = visit["priority"] * PRIZE_PER_PRIORITY
        group = m.add_client_group(required=False) if len(windows) > 1 else None
        for lo, hi in windows:
            m.add_client(
                locations[visit["location_index"]],
                service_duration=visit["service_s"],
                tw_early=lo,
                tw_late=hi,
                prize=prize,
                required=False,
                group=group,
            )
            client_of.append(j)
    may = [[_may_serve(rep, visit) for visit in day["visits"]] for rep in reps]
    visit_at = {visit["location_index"]: j for j, visit in enumerate(day["visits"])}
    for r, profile in enumerate(profiles):
        for i, a in enumerate(locations):
            for k, b in enumerate(locations):
                if i == k:
                    continue
                d = durations[i][k]
                target = visit_at.get(k)
                cost = d if profile is None or target is None or may[r][target] else FORBIDDEN
                m.add_edge(a, b, distance=cost, duration=d, profile=profile)
    result = m.solve(MaxRuntime(limit_s), seed=seed, display=False, collect_stats=False)
    orders: dict[str, list[str]] = {rep["id"]: [] for rep in reps}
    for route in result.best.routes():
        rep = reps[route.vehicle_type()]
        for act in route:
            is_client = act.is_client() if callable(act.is_client) else act.is_client
            if is_client:
                orders[rep["id"]].append(day["visits"][client_of[act.idx]]["id"])
    return orders, "" if result.is_feasible() else "infeasible (own check)"


def solve_project(day: dict[str, Any], limit_s: float, seed: int) -> tuple[Solution, str]:
    problem = problem_from_dict(day)
    return solve(problem, SolveParams(time_limit_s=limit_s, seed=seed)), ""


def solve_project_rounds(day: dict[str, Any], rounds: int, seed: int) -> tuple[Solution, str]:
    problem = problem_from_dict(day)
    return solve(problem, SolveParams(iterations=rounds, seed=seed)), ""


# --------------------------------------------------------------------------------------------------
# Timing peers' orders and scoring
# --------------------------------------------------------------------------------------------------


def timed_solution(problem: Problem, orders: dict[str, list[str]]) -> tuple[Solution, int]:
    """The earliest schedule of each rep's order; visits taken off (lowest priority first) until it fits."""
    from routing._instance import compile_instance, make_lookup
    from routing._schedule import RepScheduler
    from routing.solve import _build_solution

    inst = compile_instance(problem)
    lookup = make_lookup(inst)
    index = {v.id: i for i, v in enumerate(problem.visits)}
    routes: list[list[int]] = []
    removed = 0
    for r, rep in enumerate(problem.reps):
        scheduler = RepScheduler(inst, lookup, r)
        seq = [index[v] for v in orders.get(rep.id, [])]
        while seq and scheduler.timed(seq) is None:
            worst = min(seq, key=lambda v: (problem.visits[v].priority, -v))
            seq.remove(worst)
            removed += 1
        routes.append(seq)
    served = {v for seq in routes for v in seq}
    reasons: dict[int, Any] = {v: "priority" for v in range(len(problem.visits)) if v not in served}
    return _build_solution(inst, [RepScheduler(inst, lookup, r) for r in range(inst.n_reps)], routes, reasons, 0.0), (
        removed
    )


@dataclass
class Result:
    day: int
    reps: int
    visits: int
    solver: str
    limit_s: float
    wall_s: float
    priority: int
    served: int
    travel_s: int
    feasible: bool
    repaired: int = 0
    note: str = ""
    violations: list[str] = field(default_factory=list)


SOLVERS = ("vroom", "pyvrp", "fieldsales")
# Not a peer of the targets (VROOM there has one thread): VROOM on the same two threads our
# timed solve gives VROOM's start, shown beside them so the cores are compared alike too.
VROOM_TWO_THREADS = "vroom-2t"
ALL_SOLVERS = (*SOLVERS, VROOM_TWO_THREADS, "fieldsales-80r")


def run_one(seed: int, day: dict[str, Any], solver: str, limit_s: float, run_seed: int) -> Result:
    problem = problem_from_dict(day)
    t0 = time.perf_counter()
    repaired = 0
    if solver == "fieldsales":
        solution, note = solve_project(day, limit_s, run_seed)
        wall = time.perf_counter() - t0
    elif solver == "fieldsales-80r":
        solution, note = solve_project_rounds(day, 80, run_seed)
        wall = time.perf_counter() - t0
    elif solver == VROOM_TWO_THREADS:
        orders, note = solve_vroom(day, limit_s, run_seed, threads=2)
        wall = time.perf_counter() - t0
        solution, repaired = timed_solution(problem, orders)
    else:
        fn = solve_vroom if solver == "vroom" else solve_pyvrp
        orders, note = fn(day, limit_s, run_seed)
        wall = time.perf_counter() - t0
        solution, repaired = timed_solution(problem, orders)
    violations = check_solution(problem, solution)
    return Result(
        day=seed,
        reps=len(problem.reps),
        visits=len(problem.visits),
        solver=solver,
        limit_s=limit_s,
        wall_s=round(wall, 3),
        priority=solution.summary.priority_served,
        served=solution.summary.visits_assigned,
        travel_s=round(solution.summary.travel_s),
        feasible=not violations,
        repaired=repaired,
        note=note,
        violations=violations[:3],
    )


def render(data: dict[str, Any]) -> str:
    meta = data["meta"]
    results = [Result(**r) for r in data["results"]]
    limits = sorted({r.limit_s for r in results})
    days = sorted({r.day for r in results})
    solvers = [s for s in ALL_SOLVERS if any(r.solver == s for r in results)]
    lines = [
        f"Run {meta['date']}, {meta['duration_s']} s, load average before {meta['load_before']}, "
        f"after {meta['load_after']} ({meta['machine']}); command `{meta['command']}`.",
        "",
        "Per day and limit: priority served / travel minutes (visits served); **bold** = ours at least the "
        "peers' best priority and, at equal priority, travel within 1 % of the best peer. "
        "`!` = not feasible, `r` = visits taken off so the break fits (PyVRP).",
        "",
    ]
    for limit in limits:
        lines.append(f"#### {limit:g} s")
        lines.append("")
        lines.append("| day | reps | visits | " + " | ".join(solvers) + " |")
        lines.append("|---" * (3 + len(solvers)) + "|")
        for d in days:
            row = {r.solver: r for r in results if r.day == d and r.limit_s == limit}
            if not row:
                continue
            any_r = next(iter(row.values()))
            cells = []
            verdict = _verdict(row)
            for s in solvers:
                r = row.get(s)
                if r is None:
                    cells.append("-")
                    continue
                text = f"{r.priority} / {r.travel_s / 60:.0f} ({r.served})"
                if not r.feasible:
                    text += " !"
                if r.repaired:
                    text += f" r{r.repaired}"
                if s == "fieldsales" and verdict:
                    text = f"**{text}**"
                cells.append(text)
            lines.append(f"| {d} | {any_r.reps} | {any_r.visits} | " + " | ".join(cells) + " |")
        wins = sum(1 for d in days if _verdict({r.solver: r for r in results if r.day == d and r.limit_s == limit}))
        lines.append("")
        lines.append(f"Ours meets the target on {wins} of {len(days)} days at {limit:g} s.")
        if VROOM_TWO_THREADS in solvers:
            same_cores = sum(
                1
                for d in days
                if _verdict({r.solver: r for r in results if r.day == d and r.limit_s == limit}, (VROOM_TWO_THREADS,))
            )
            lines.append(f"Against VROOM on two threads as well: {same_cores} of {len(days)} days.")
        lines.append("")
    return "\n".join(lines)


def _verdict(row: dict[str, Result], more_peers: tuple[str, ...] = ()) -> bool:
    ours = row.get("fieldsales")
    peers = [r for s, r in row.items() if s in ("vroom", "pyvrp", *more_peers) and r.feasible]
    if ours is None or not ours.feasible or not peers:
        return False
    best_priority = max(p.priority for p in peers)
    if ours.priority > best_priority:
        return True
    if ours.priority < best_priority:
        return False
    best_travel = min(p.travel_s for p in peers if p.priority == best_priority)
    return ours.travel_s <= best_travel * 1.01


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.days", description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limits", type=float, nargs="+", default=[0.2, 0.5, 1.0, 2.0])
    ap.add_argument("--days", type=int, nargs="+", default=list(DAY_SEEDS))
    ap.add_argument("--solvers", nargs="+", default=list(ALL_SOLVERS), choices=ALL_SOLVERS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--render", type=Path, help="only render an existing results JSON")
    args = ap.parse_args(argv)
    if args.render:
        print(render(json.loads(args.render.read_text())))
        return 0
    started = datetime.now(UTC)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: list[Result] = []
    for seed in args.days:
        day = make_day(seed)
        for limit in args.time_limits:
            # Peers and ours interleaved, so that they share the machine's load alike.
            for solver in args.solvers:
                if solver == "fieldsales-80r" and (limit != args.time_limits[0] or reps_of(seed) > 1):
                    continue  # the nightly path: one rep per solve, bounded by rounds (no clock)
                res = run_one(seed, day, solver, limit, args.seed)
                if solver == "fieldsales-80r":
                    for other in args.time_limits:
                        results.append(Result(**{**asdict(res), "limit_s": other}))
                else:
                    results.append(res)
                flag = "" if res.feasible else f" NOT FEASIBLE {res.violations}"
                print(
                    f"day {seed:2d} {solver:15s} T={limit:<4g} wall={res.wall_s:5.2f}s "
                    f"priority={res.priority} travel={res.travel_s} served={res.served}{flag}",
                    flush=True,
                )
    data = {
        "meta": {
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "duration_s": round((datetime.now(UTC) - started).total_seconds(), 1),
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "machine": f"{os.cpu_count()} cores",
            "command": "python -m benchmarks.days " + " ".join(sys.argv[1:] if argv is None else argv),
        },
        "results": [asdict(r) for r in results],
    }
    out = args.out or RESULTS_DIR / f"days-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    print(f"results written to {out}")
    print(render(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
