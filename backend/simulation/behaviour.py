"""What the simulated people do, as day hooks (docs/architecture.md, "The simulator").

Every choice comes from `sim.rng(...)` keyed by the seed, the hook, the rep and the day, so a run is
reproducible. Reps act only through the API a phone uses; the supervisor and the admin through theirs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import math
import uuid
from dataclasses import dataclass
from typing import Any

from PIL import Image

from backend.simulation.engine import Agent, Hook, ReplanRecord, Simulation
from backend.simulation.schemas import SimAccount, SimRep

SPEED_M_S = {"car": 7.0, "foot": 1.3}  # door to door, city
DETOUR = 1.3


@dataclass(frozen=True)
class Behaviour:
    """The reps' habits (shares are per rep-day unless said per visit)."""

    late_start_share: float = 0.2  # starts 10-40 min late
    skip_share: float = 0.07  # per stop: not visited
    off_route_share: float = 0.25  # one visit at an account not on the route
    far_share: float = 0.03  # per visit: checked in about 400 m away
    replan_share: float = 0.3  # re-plans mid-day (always after an urgent task)
    checklist_share: float = 0.5  # per visit
    photo_share: float = 0.2  # per visit
    service_noise: tuple[float, float] = (0.7, 1.3)
    travel_noise: tuple[float, float] = (0.9, 1.4)


@dataclass(frozen=True)
class Scenario:
    """The special days of a run."""

    holiday: dt.date | None
    sick_day: dt.date | None
    sick_rep_index: int
    import_day: dt.date | None
    appointments_per_day: int
    urgent_tasks_per_day: int


def default_scenario(start: dt.date, weeks: int, reps: int) -> Scenario:
    """Holiday on the Wednesday of week 2 (week 1 in a one-week run), the second rep sick on the first
    Thursday, an import on the Tuesday of the last week; an appointment and an urgent task every
    working day per 10 reps (at least one)."""
    holiday_week = 1 if weeks >= 2 else 0
    return Scenario(
        holiday=start + dt.timedelta(days=7 * holiday_week + 2),
        sick_day=start + dt.timedelta(days=3),
        sick_rep_index=1 if reps > 1 else 0,
        import_day=start + dt.timedelta(days=7 * (weeks - 1) + 1),
        appointments_per_day=max(1, reps // 10),
        urgent_tasks_per_day=max(1, reps // 10),
    )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    north = metres * math.cos(math.radians(bearing_deg))
    east = metres * math.sin(math.radians(bearing_deg))
    return lat + north / 111_320, lon + east / (111_320 * math.cos(math.radians(lat)))


def working(sim: Simulation, rep: SimRep, day: dt.date) -> bool:
    """Whether the supervisor knows the rep works `day` (weekday, holidays and absences recorded so far)."""
    known_off: set[tuple[int | None, dt.date]] = sim.state.setdefault("days_off", set())
    if (None, day) in known_off or (rep.id, day) in known_off:
        return False
    return day.isoweekday() in rep.working_days


# --- set-up: journey plans and a checklist -------------------------------------------------------


class JourneyPlans(Hook):
    """The supervisor plans each rep's 4-week visit schedule from the first Monday, and the next one
    every 4 weeks (the evening before it starts)."""

    name = "journey_plans"

    async def _plan(self, sim: Simulation, start: dt.date) -> None:
        # Through the API as a supervisor would, several at once when the simulation runs agents
        # concurrently (each plan is independent of the others).
        limit = asyncio.Semaphore(sim.agent_concurrency)

        async def plan(rep: SimRep) -> None:
            async with limit:
                body = {"rep_id": rep.id, "start": str(start)}
                await sim.api(sim.supervisor, "POST", "/api/v1/schedules", json=body)

        await asyncio.gather(*(plan(rep) for rep in sim.reps))

    async def setup(self, sim: Simulation) -> None:
        await self._plan(sim, sim.start)

    async def evening(self, sim: Simulation, day: dt.date) -> None:
        if day != sim.start and (day - sim.start).days % 28 == 0:
            await self._plan(sim, day)


class ChecklistTemplate(Hook):
    """The admin publishes the checklist reps fill in (must-stock and facings)."""

    name = "checklist_template"

    async def setup(self, sim: Simulation) -> None:
        template = {
            "code": f"simulation-{sim.seed}",
            "name": "Shelf check",
            "items": [
                {
                    "key": "stocked",
                    "label": "Our range on shelf",
                    "type": "yes_no",
                    "required": True,
                    "scoring": {"kind": "must_stock"},
                },
                {"key": "facings", "label": "Facings", "type": "count", "min": 0, "max": 50},
            ],
            "channels": ["horeca", "retail", "other"],
        }
        body = await sim.api(sim.admin, "POST", "/api/v1/checklist-templates", json=template)
        sim.state[self.name] = None if body is None else body["id"]


# --- the supervisor and the admin ------------------------------------------------------------------


def _account_open_for(sim: Simulation, rep: SimRep, day: dt.date, start_s: int, length_s: int) -> SimAccount | None:
    rng = sim.rng("appointment-account", rep.id, day, start_s)
    candidates = [a for a in sim.accounts.get(rep.id, []) if a.open_at(day, start_s, start_s + length_s)]
    return rng.choice(candidates) if candidates else None


class Appointments(Hook):
    """The evening before, the supervisor books appointments for the next working day (13:00-15:30,
    inside the account's opening hours and the rep's shift)."""

    name = "appointments"

    def __init__(self, per_day: int) -> None:
        self.per_day = per_day

    async def evening(self, sim: Simulation, day: dt.date) -> None:
        rng = sim.rng(self.name, day)
        reps = [rep for rep in sim.reps if working(sim, rep, day) and sim.accounts.get(rep.id)]
        for rep in rng.sample(reps, min(self.per_day, len(reps))):
            start_s = rng.randrange(13 * 3600, 15 * 3600 + 1801, 900)
            account = _account_open_for(sim, rep, day, start_s, 1800)
            if account is None or not rep.shift_start_s <= start_s < rep.shift_end_s - 1800:
                continue
            body = {
                "account_id": account.id,
                "day": str(day),
                "kind": "appointment",
                "start_s": start_s,
                "note": "booked by the supervisor",
            }
            if await sim.api(sim.supervisor, "POST", f"/api/v1/reps/{rep.id}/tasks", json=body) is not None:
                sim.figures.appointments += 1


class UrgentTasks(Hook):
    """At 10:30 the supervisor adds an urgent task for today; the rep re-plans after their next visit."""

    name = "urgent_tasks"

    def __init__(self, per_day: int) -> None:
        self.per_day = per_day

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        return [self._add(sim, day)]

    async def _add(self, sim: Simulation, day: dt.date) -> Agent:
        yield sim.at(day, 10 * 3600 + 1800)
        rng = sim.rng(self.name, day)
        urgent: set[int] = sim.state.setdefault(self.name, {}).setdefault(day, set())
        reps = [rep for rep in sim.reps if working(sim, rep, day) and sim.accounts.get(rep.id)]
        for rep in rng.sample(reps, min(self.per_day, len(reps))):
            account = _account_open_for(sim, rep, day, 12 * 3600, 4 * 3600)
            if account is None:
                continue
            body = {
                "account_id": account.id,
                "day": str(day),
                "kind": "task",
                "priority": 95,
                "note": "urgent: a complaint to settle today",
            }
            if await sim.api(sim.supervisor, "POST", f"/api/v1/reps/{rep.id}/tasks", json=body) is not None:
                sim.figures.urgent_tasks += 1
                urgent.add(rep.id)


class PublicHoliday(Hook):
    """The admin records a public holiday three days ahead (after the journey plans were made)."""

    name = "public_holiday"

    def __init__(self, day: dt.date | None) -> None:
        self.day = day

    async def evening(self, sim: Simulation, day: dt.date) -> None:
        if self.day is not None and day == self.day - dt.timedelta(days=2):
            body = {"day": str(self.day), "name": "Simulated holiday"}
            if await sim.api(sim.admin, "POST", "/api/v1/holidays", json=body) is not None:
                sim.state.setdefault("days_off", set()).add((None, self.day))


class SickRep(Hook):
    """A rep calls in sick at 07:00; the supervisor records the absence for the day."""

    name = "sick_rep"

    def __init__(self, day: dt.date | None, rep_index: int) -> None:
        self.day, self.rep_index = day, rep_index

    async def morning(self, sim: Simulation, day: dt.date) -> None:
        if day != self.day or not sim.reps:
            return
        rep = sim.reps[min(self.rep_index, len(sim.reps) - 1)]
        sim.state[self.name] = rep.id
        body = {"first_day": str(day), "last_day": str(day), "reason": "sick"}
        if await sim.api(sim.supervisor, "POST", f"/api/v1/reps/{rep.id}/absences", json=body) is not None:
            sim.state.setdefault("days_off", set()).add((rep.id, day))


class ImportOutlets(Hook):
    """At 12:00 of the import day the admin imports new outlets (three per territory, near the rep's
    home), as a CSV through the API; the next nightly runs see them."""

    name = "import_outlets"

    def __init__(self, day: dt.date | None, per_territory: int = 3) -> None:
        self.day, self.per_territory = day, per_territory

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        return [self._import(sim, day)] if day == self.day else []

    async def _import(self, sim: Simulation, day: dt.date) -> Agent:
        yield sim.at(day, 12 * 3600)
        rng = sim.rng(self.name, day)
        lines = ["id,name,address,lat,lon"]
        for rep in sim.reps:
            for number in range(self.per_territory):
                lat, lon = offset(rep.home_lat, rep.home_lon, rng.uniform(100, 600), rng.uniform(0, 360))
                lines.append(f"sim-{day}-{rep.id}-{number},New outlet {rep.id}-{number},,{lat:.6f},{lon:.6f}")
        files = {"files": (f"new-outlets-{day}.csv", "\n".join(lines).encode(), "text/csv")}
        report = await sim.api(sim.admin, "POST", "/api/v1/imports/accounts", files=files, data={"source": "sim"})
        if report is not None:
            sim.figures.imported_rows += len(lines) - 1
        await sim.refresh_accounts()


# --- the reps ------------------------------------------------------------------------------------------


class RepsWorkTheirRoutes(Hook):
    """Each rep with a route walks it (see `rep_day`)."""

    name = "reps"

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()

    def agents(self, sim: Simulation, day: dt.date) -> list[Agent]:
        return [rep_day(sim, rep, day, self.behaviour) for rep in sim.reps]


def _photo(seed: int) -> bytes:
    image = Image.new("RGB", (96, 72), ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


async def _visit(
    sim: Simulation, rep: SimRep, day: dt.date, account: dict[str, Any], behaviour: Behaviour, at_s: int, key: str
) -> Agent:
    """Check in at local `at_s`, maybe a checklist and a photo, check out after the service time."""
    rng = sim.rng("visit", rep.id, day, key)
    who = sim.user(rep.email)
    far = rng.random() < behaviour.far_share
    lat, lon = offset(account["lat"], account["lon"], 400 if far else rng.uniform(2, 25), rng.uniform(0, 360))
    checked_in_at = sim.at(day, at_s, rep.time_zone)
    yield checked_in_at
    visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    body = {
        "id": str(visit_id),
        "account_id": account["id"],
        "checked_in_at": checked_in_at.isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": round(rng.uniform(5, 25), 1),
        "sent_at": checked_in_at.isoformat(),
    }
    visit = await sim.api(who, "POST", "/api/v1/visits", json=body)
    if visit is None:
        return
    sim.figures.visits += 1
    sim.figures.far_visits += far
    template_id = sim.state.get(ChecklistTemplate.name)
    if template_id is not None and rng.random() < behaviour.checklist_share:
        answers = {
            "template_id": template_id,
            "answered_at": checked_in_at.isoformat(),
            "answers": [
                {"item": "stocked", "value": rng.random() < 0.8},
                {"item": "facings", "value": rng.randint(0, 12)},
            ],
        }
        if await sim.api(who, "PUT", f"/api/v1/visits/{visit_id}/checklist", json=answers) is not None:
            sim.figures.checklists += 1
    if rng.random() < behaviour.photo_share:
        photo_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        files = {"file": ("shelf.jpg", _photo(rng.randrange(1 << 30)), "image/jpeg")}
        if (
            await sim.api(
                who, "POST", f"/api/v1/visits/{visit_id}/photos", files=files, data={"photo_id": str(photo_id)}
            )
            is not None
        ):
            sim.figures.photos += 1
    for hook in sim.hooks:  # what other features do in the visit (an order, ...)
        during = hook.in_visit(sim, rep, day, visit_id, account["id"], checked_in_at)
        if during is not None:
            async for instant in during:
                yield instant
    service_s = int(account.get("service_s", 900) * rng.uniform(*behaviour.service_noise))
    out_at = max(checked_in_at + dt.timedelta(seconds=max(service_s, 300)), sim.clock.now() + dt.timedelta(minutes=1))
    yield out_at
    out = {
        "checked_out_at": out_at.isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": 10.0,
        "sent_at": out_at.isoformat(),
    }
    await sim.api(who, "POST", f"/api/v1/visits/{visit_id}/checkout", json=out)


def _seconds(sim: Simulation, rep: SimRep, day: dt.date) -> int:
    local = sim.clock.now().astimezone(sim.at(day, 0, rep.time_zone).tzinfo)
    return int((local - sim.at(day, 0, rep.time_zone)).total_seconds())


async def rep_day(sim: Simulation, rep: SimRep, day: dt.date, behaviour: Behaviour) -> Agent:
    """A rep's working day: read the route at 07:30, start (maybe late), travel stop to stop with
    noise, skip some, add an off-route visit, re-plan mid-day (always after an urgent task)."""
    who = sim.user(rep.email)
    yield sim.at(day, 7 * 3600 + 1800, rep.time_zone)
    response = await who.request("GET", f"/api/v1/me/route?day={day}")
    if response.status_code == 404:
        return
    if response.status_code != 200:
        sim.figures.api_errors.append(f"{day} {rep.email} GET route: {response.status_code} {response.text[:200]}")
        return
    route = response.json()
    stops: list[dict[str, Any]] = [s for s in route["stops"]]
    if not stops:
        return
    rng = sim.rng("rep-day", rep.id, day)
    speed = SPEED_M_S.get(rep.travel_mode, 7.0)
    now_s = route["start_s"] + (rng.randint(600, 2400) if rng.random() < behaviour.late_start_share else 0)
    lat, lon = rep.home_lat, rep.home_lon
    done: set[int] = set()
    off_route_after = rng.randint(1, max(1, len(stops) - 1)) if rng.random() < behaviour.off_route_share else None
    replan_after = rng.randint(2, max(2, len(stops) - 2)) if rng.random() < behaviour.replan_share else None
    route_ids = {route["id"]}
    made = 0
    while stops:
        stop = stops.pop(0)
        account = {**stop["account"], "service_s": stop["service_s"]}
        if account["id"] in done or account["lat"] is None:
            continue
        travel = distance_m(lat, lon, account["lat"], account["lon"]) * DETOUR / speed
        # At least a second to the next door: a re-plan sent at a check-out's second then precedes the
        # next check-in, as it does in the rep's hands (the 200-rep benchmark met a 0 s walk of 4.5 m).
        now_s += max(1, int(travel * rng.uniform(*behaviour.travel_noise)))
        if stop["pinned_start_s"] is not None:
            now_s = max(now_s, stop["pinned_start_s"])
        elif stop["window"] and now_s < stop["window"][0]:
            now_s = stop["window"][0]
        if now_s > rep.shift_end_s + 1800:
            break
        if stop["pinned_start_s"] is None and rng.random() < behaviour.skip_share:
            sim.figures.skipped_stops += 1
            continue
        async for instant in _visit(sim, rep, day, account, behaviour, now_s, f"{account['id']}"):
            yield instant
        done.add(account["id"])
        made += 1
        now_s = _seconds(sim, rep, day)
        lat, lon = account["lat"], account["lon"]
        if made == off_route_after:
            extra = _off_route_account(sim, rep, day, lat, lon, {s["account"]["id"] for s in stops} | done)
            if extra is not None:
                now_s += int(distance_m(lat, lon, extra.lat, extra.lon) * DETOUR / speed)
                if now_s < rep.shift_end_s:
                    async for instant in _visit(sim, rep, day, _as_dict(extra), behaviour, now_s, f"off-{extra.id}"):
                        yield instant
                    done.add(extra.id)
                    sim.figures.off_route_visits += 1
                    now_s = _seconds(sim, rep, day)
                    lat, lon = extra.lat, extra.lon
        # Looked up now: the supervisor's urgent tasks of the day appear at 10:30.
        urgent: set[int] = sim.state.get(UrgentTasks.name, {}).get(day, set())
        wants_replan = made == replan_after or rep.id in urgent
        if wants_replan and now_s < rep.shift_end_s - 3600:
            urgent.discard(rep.id)
            body: dict[str, Any] = {"lat": lat, "lon": lon, "day": str(day)}
            if rng.random() < 0.5:  # half the phones send their time, the others rely on the server's now
                body["time_s"] = now_s
            replanned = await sim.api(who, "POST", "/api/v1/me/route/replan", json=body)
            if replanned is None:
                sim.figures.replan_errors.append(f"{day} rep {rep.id} at {now_s // 3600:02d}:{now_s % 3600 // 60:02d}")
            else:
                sim.figures.replans += 1
                sim.replans.append(ReplanRecord(rep.id, day, sim.clock.now(), replanned["id"]))
                route_ids.add(replanned["id"])
                stops = [s for s in replanned["stops"] if s["account"]["id"] not in done]


def _as_dict(account: SimAccount) -> dict[str, Any]:
    return {"id": account.id, "lat": account.lat, "lon": account.lon, "service_s": account.service_s}


def _off_route_account(
    sim: Simulation, rep: SimRep, day: dt.date, lat: float, lon: float, exclude: set[int]
) -> SimAccount | None:
    """A nearby open account not on the route: the rep drops in on the way."""
    rng = sim.rng("off-route", rep.id, day)
    now_s = _seconds(sim, rep, day)
    nearby = sorted(
        (a for a in sim.accounts.get(rep.id, []) if a.id not in exclude and a.open_at(day, now_s, now_s + 1800)),
        key=lambda a: distance_m(lat, lon, a.lat, a.lon),
    )[:5]
    return rng.choice(nearby) if nearby else None
