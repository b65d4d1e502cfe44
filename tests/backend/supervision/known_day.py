"""A known day for the supervisor console's tests: planned routes and completed visits.

Team of supervisor@example.com: rep1 and rep2. rep3 is moved to another supervisor
(other-supervisor@example.com), so everything of rep3 belongs to another team.

- rep1: 6 scheduled accounts, one closed on Tuesdays (the planner drops it: missed, cause closed).
  Visits: the first three stops (the second checked in 450 m away: flagged out_of_range), one
  account of the territory that is not on the route (done off-plan); checklists scored 80 and 60.
- rep2: 5 scheduled accounts; one visit, at the first stop.
- rep3 (the other team): 5 scheduled accounts; two visits, one with a photo.

Visits are written directly (the check-in rules are tested elsewhere); times are the stops'
planned start times in Helsinki. The same builder serves the in-transaction API tests and the
browser test's own committed database.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
import zoneinfo
from dataclasses import dataclass, field

import asyncpg

from backend.db.pool import ConnectionSource
from backend.planning.service import PlanningOptions, plan_rep_day
from backend.planning.solver_pool import SolverPool
from routing.matrix import HaversineProvider

DAY = dt.date(2026, 12, 1)  # a Tuesday
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
OPTIONS = PlanningOptions(solution_limit=50)
OTHER_SUPERVISOR = "other-supervisor@example.com"


@dataclass
class KnownDay:
    supervisor_id: int
    other_supervisor_id: int
    reps: dict[str, int]
    routes: dict[str, int]
    visits: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    flagged_visit: uuid.UUID | None = None
    off_plan_visit: uuid.UUID | None = None
    closed_account: int = 0
    other_team_photo: uuid.UUID | None = None


def local(day: dt.date, seconds: int) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=HELSINKI)
    return (midnight + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / (math.pi * 6_371_008.8 / 180), lon


async def _accounts_near_home(conn: asyncpg.Connection, rep_id: int, limit: int, offset: int = 0) -> list[int]:
    rows = await conn.fetch(
        "select a.id from accounts a join territories t on t.id = a.territory_id "
        "join reps r on r.user_id = t.owner_rep_id where t.owner_rep_id = $1 and a.status <> 'closed' "
        "order by a.location <-> r.home, a.id limit $2 offset $3",
        rep_id,
        limit,
        offset,
    )
    return [row["id"] for row in rows]


async def _schedule(conn: asyncpg.Connection, rep_id: int, accounts: list[int]) -> None:
    monday = DAY - dt.timedelta(days=DAY.weekday())
    schedule_id = await conn.fetchval(
        "insert into schedules (rep_id, start_day, weeks, end_day, feasible) values ($1, $2, 4, $3, true) returning id",
        rep_id,
        monday,
        monday + dt.timedelta(weeks=4),
    )
    await conn.executemany(
        "insert into scheduled_visits (schedule_id, account_id, day) values ($1, $2, $3)",
        [(schedule_id, account_id, DAY) for account_id in accounts],
    )


async def insert_visit(
    conn: asyncpg.Connection,
    rep_id: int,
    account_id: int,
    at: dt.datetime,
    *,
    minutes: float | None = 20,
    metres_away: float = 15.0,
    flags: list[str] | None = None,
) -> uuid.UUID:
    """A visit at `metres_away` north of the account, on its published route stop when it is one."""
    account = await conn.fetchrow(
        "select ST_Y(location) as lat, ST_X(location) as lon from accounts where id = $1", account_id
    )
    lat, lon = north_of(account["lat"], account["lon"], metres_away)
    stop = await conn.fetchrow(
        "select r.id as route_id, s.seq from routes r join route_stops s on s.route_id = r.id "
        "where r.rep_id = $1 and r.day = $2 and s.account_id = $3 "
        "and r.version = (select max(version) from routes where rep_id = $1 and day = $2)",
        rep_id,
        (at.astimezone(HELSINKI)).date(),
        account_id,
    )
    visit_id = uuid.uuid4()
    out_at = None if minutes is None else at + dt.timedelta(minutes=minutes)
    await conn.execute(
        "insert into visits (id, rep_id, account_id, route_id, route_stop_seq, checked_in_at, check_in_location, "
        "check_in_accuracy_m, check_in_mock, check_in_distance_m, checked_out_at, check_out_location, flags) "
        "values ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($8, $7), 4326), 8, false, $9, $10, "
        "case when $10::timestamptz is null then null else ST_SetSRID(ST_MakePoint($8, $7), 4326) end, $11)",
        visit_id,
        rep_id,
        account_id,
        None if stop is None else stop["route_id"],
        None if stop is None else stop["seq"],
        at,
        lat,
        lon,
        metres_away,
        out_at,
        flags or [],
    )
    return visit_id


async def _checklist(conn: asyncpg.Connection, template_id: int, visit_id: uuid.UUID, score: float) -> None:
    await conn.execute(
        "insert into visit_checklists (visit_id, template_id, answers, score_pct, score_parts) "
        "values ($1, $2, $3::jsonb, $4, '[]'::jsonb)",
        visit_id,
        template_id,
        {"facings": 4, "promo": score > 70},
        score,
    )


async def _photo(conn: asyncpg.Connection, visit_id: uuid.UUID, rep_id: int) -> uuid.UUID:
    sha = uuid.uuid4().hex + uuid.uuid4().hex
    await conn.execute(
        "insert into photo_blobs (sha256, media_type, size_bytes, width, height, phash) "
        "values ($1, 'image/jpeg', 1000, 10, 10, 0)",
        sha,
    )
    photo_id = uuid.uuid4()
    await conn.execute(
        "insert into visit_photos (id, visit_id, rep_id, sha256, item_key) values ($1, $2, $3, $4, 'shelf')",
        photo_id,
        visit_id,
        rep_id,
        sha,
    )
    return photo_id


async def _stops(conn: asyncpg.Connection, route_id: int) -> list[asyncpg.Record]:
    return await conn.fetch("select * from route_stops where route_id = $1 order by seq", route_id)


async def prepare_team(conn: asyncpg.Connection) -> tuple[int, int, dict[str, int]]:
    """Move rep3 to another supervisor; schedule the three reps (one of rep1's accounts closed)."""
    supervisor = await conn.fetchval("select id from users where email = 'supervisor@example.com'")
    other = await conn.fetchval(
        "insert into users (email, name, role, password_hash) values ($1, 'Other Supervisor', 'supervisor', "
        "(select password_hash from users where email = 'supervisor@example.com')) returning id",
        OTHER_SUPERVISOR,
    )
    reps = {
        email.split("@")[0]: await conn.fetchval("select id from users where email = $1", email)
        for email in ("rep1@example.com", "rep2@example.com", "rep3@example.com")
    }
    await conn.execute("update users set supervisor_id = $1 where id = $2", other, reps["rep3"])
    return supervisor, other, reps


async def schedule_reps(conn: asyncpg.Connection, reps: dict[str, int]) -> int:
    """The schedules of the known day; returns rep1's account that is closed on Tuesdays."""
    rep1_accounts = await _accounts_near_home(conn, reps["rep1"], 6)
    closed = rep1_accounts[-1]
    await conn.execute("delete from account_opening_hours where account_id = $1", closed)
    await conn.executemany(
        "insert into account_opening_hours (account_id, weekday, open_s, close_s) values ($1, $2, 36000, 72000)",
        [(closed, weekday) for weekday in (1, 3, 4, 5, 6)],
    )
    await _schedule(conn, reps["rep1"], rep1_accounts)
    await _schedule(conn, reps["rep2"], await _accounts_near_home(conn, reps["rep2"], 5))
    await _schedule(conn, reps["rep3"], await _accounts_near_home(conn, reps["rep3"], 5))
    return closed


async def plan_routes(source: ConnectionSource, solver: SolverPool, reps: dict[str, int]) -> dict[str, int]:
    routes: dict[str, int] = {}
    for name, rep_id in reps.items():
        outcome = await plan_rep_day(source, solver, HaversineProvider(), rep_id, DAY, run_id=None, options=OPTIONS)
        assert outcome.status == "planned" and outcome.route_id is not None, outcome.error
        routes[name] = outcome.route_id
    return routes


async def add_visits(conn: asyncpg.Connection, known: KnownDay) -> None:
    reps = known.reps
    template_id = await conn.fetchval(
        "insert into checklist_templates (code, version, name, items) values ('shelf', 1, 'Shelf', '[]'::jsonb) "
        "returning id"
    )
    rep1_stops = await _stops(conn, known.routes["rep1"])
    assert len(rep1_stops) >= 4, "rep1's route has the five open accounts"
    first = await insert_visit(conn, reps["rep1"], rep1_stops[0]["account_id"], local(DAY, rep1_stops[0]["start_s"]))
    flagged = await insert_visit(
        conn,
        reps["rep1"],
        rep1_stops[1]["account_id"],
        local(DAY, rep1_stops[1]["start_s"] + 300),
        minutes=30,
        metres_away=450,
        flags=["out_of_range"],
    )
    third = await insert_visit(
        conn, reps["rep1"], rep1_stops[2]["account_id"], local(DAY, rep1_stops[2]["start_s"]), minutes=None
    )
    on_route = {stop["account_id"] for stop in rep1_stops} | {known.closed_account}
    off_plan_account = next(a for a in await _accounts_near_home(conn, reps["rep1"], 30) if a not in on_route)
    off_plan = await insert_visit(conn, reps["rep1"], off_plan_account, local(DAY, 16 * 3600), minutes=10)
    await _checklist(conn, template_id, first, 80.0)
    await _checklist(conn, template_id, flagged, 60.0)
    rep2_stops = await _stops(conn, known.routes["rep2"])
    rep2_visit = await insert_visit(
        conn, reps["rep2"], rep2_stops[0]["account_id"], local(DAY, rep2_stops[0]["start_s"])
    )
    rep3_stops = await _stops(conn, known.routes["rep3"])
    rep3_visits = [
        await insert_visit(conn, reps["rep3"], stop["account_id"], local(DAY, stop["start_s"]), flags=["too_short"])
        for stop in rep3_stops[:2]
    ]
    known.other_team_photo = await _photo(conn, rep3_visits[0], reps["rep3"])
    known.visits = {"rep1": [first, flagged, third, off_plan], "rep2": [rep2_visit], "rep3": rep3_visits}
    known.flagged_visit = flagged
    known.off_plan_visit = off_plan


async def build_known_day(conn: asyncpg.Connection, source: ConnectionSource, solver: SolverPool) -> KnownDay:
    """Everything on one connection (the tests' rolled-back transaction)."""
    supervisor, other, reps = await prepare_team(conn)
    closed = await schedule_reps(conn, reps)
    routes = await plan_routes(source, solver, reps)
    known = KnownDay(supervisor, other, reps, routes, closed_account=closed)
    await add_visits(conn, known)
    return known
