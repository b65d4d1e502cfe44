"""Loads the demo city (central Helsinki from OpenStreetMap) into an empty database. Its history (4 weeks
of journey plans, nightly runs and visits) is simulated by `backend.simulation.runner.run_demo_history`."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec
import shapely

from backend.auth.principal import Principal, Role
from backend.auth.schemas import NewUser, Point
from backend.auth.service import create_user
from backend.deals import service as deals
from backend.deals.schemas import SalesRole
from backend.demo import repository
from backend.errors import Conflict
from backend.segments import service as segments
from backend.segments.schemas import SegmentRequest
from backend.settings import Settings
from geo_data.demo_city import DemoCity

DEMO_PASSWORD = "demo-password"  # documented in the README as demo-only
DEMO_SOURCE = "osm-demo"
DEMO_REGION = "Helsinki"


async def database_is_empty(conn: asyncpg.Connection) -> bool:
    return await repository.count_users(conn) == 0


async def load_demo_city(conn: asyncpg.Connection, city: DemoCity, password: str = DEMO_PASSWORD) -> dict[str, int]:
    """Users, territories with their reps, accounts with provenance and hours. Returns counts."""
    await create_user(conn, NewUser(email=city.admin.email, name=city.admin.name, role=Role.ADMIN, password=password))
    await create_user(
        conn, NewUser(email=city.supervisor.email, name=city.supervisor.name, role=Role.SUPERVISOR, password=password)
    )
    rep_ids: dict[str, int] = {}
    for rep in city.reps:
        user_id = await create_user(
            conn,
            NewUser(
                email=rep.email,
                name=rep.name,
                role=Role.REP,
                password=password,
                supervisor_email=rep.supervisor_email,
                home=Point(rep.home_lat, rep.home_lon),
            ),
        )
        await repository.set_rep_profile(
            conn,
            user_id,
            rep.home_lat,
            rep.home_lon,
            rep.shift_start_s,
            rep.shift_end_s,
            rep.time_zone,
            rep.travel_mode,
        )
        rep_ids[rep.email] = user_id
    territory_ids: list[int] = []
    for territory in city.territories:
        territory_ids.append(
            await repository.insert_territory(
                conn,
                territory.code,
                territory.name,
                DEMO_REGION,
                shapely.to_wkt(territory.polygon, rounding_precision=-1),
                rep_ids.get(territory.rep_email),
            )
        )
    telemarketer_id = await _telemarketer(conn, city, password)
    await _sales_funnel(conn, list(rep_ids.values()), territory_ids, telemarketer_id)
    rows = [
        (
            account.name,
            account.address,
            [account.phone] if account.phone else [],
            account.channel,
            account.category,
            account.account_class,
            account.status,
            account.lat,
            account.lon,
            account.opening_hours_raw,
            account.opening_hours_source,
            account.service_s,
            account.visit_frequency_per_4_weeks,
            DEMO_SOURCE,
            account.external_id,
            # geo_data counts weekdays from 0 = Monday; the database uses ISO 1 = Monday.
            [[window.weekday + 1, window.open_s, window.close_s] for window in account.opening_hours],
        )
        for account in city.accounts
    ]
    await repository.insert_accounts(conn, rows)
    return {"users": 3 + len(city.reps), "territories": len(city.territories), "accounts": len(rows)}


# The demo's sales funnel: the first rep hunts, the second closes, the third farms, for every territory
# (three people cannot fill three roles in each territory; each still owns their own territory's visits).
DEMO_SALES_ROLES = (SalesRole.HUNTER, SalesRole.CLOSER, SalesRole.FARMER)
# The office's telemarketer (issue 17): calls prospects and enters the interested ones as leads.
DEMO_TELEMARKETER_EMAIL = "telemarketer@example.com"
DEMO_TELEMARKETER_NAME = "Elina Salo"


async def _telemarketer(conn: asyncpg.Connection, city: DemoCity, password: str) -> int:
    """The telemarketer: access role rep in the supervisor's team (they see their own deals and tasks,
    the supervisor sees their figures), without a field profile: an office worker has no home, shift or
    route, so the nightly planning, the map and the absent rep's hand-over of visits leave them out."""
    user_id = await create_user(
        conn,
        NewUser(
            email=DEMO_TELEMARKETER_EMAIL,
            name=DEMO_TELEMARKETER_NAME,
            role=Role.REP,
            password=password,
            supervisor_email=city.supervisor.email,
            field_profile=False,
        ),
    )
    return user_id


async def _sales_funnel(
    conn: asyncpg.Connection, rep_ids: list[int], territory_ids: list[int], telemarketer_id: int
) -> None:
    """The distributor's new-customer pipeline with its hand-over rules, and the sales roles: the reps'
    and the telemarketer's, each named for every territory."""
    await deals.ensure_default_pipeline(conn)
    if len(rep_ids) < len(DEMO_SALES_ROLES):
        return
    people = [*zip(rep_ids, DEMO_SALES_ROLES, strict=False), (telemarketer_id, SalesRole.TELEMARKETER)]
    for user_id, role in people:
        await deals.set_sales_role(conn, user_id, role)
        for territory_id in territory_ids:
            await deals.assign_territory_role(conn, territory_id, role, user_id)


# Saved segments a supervisor would keep (issue 17), so the segment lists, filters and entries show
# something on first start.
DEMO_SEGMENTS = (
    {
        "name": "HoReCa class A without sparkling in 90 days",
        "description": "Class A restaurants and bars that bought no sparkling wine in the last 90 days: upsell.",
        "rules": [
            {"field": "channel", "op": "eq", "value": "horeca"},
            {"field": "account_class", "op": "eq", "value": "A"},
            {"field": "category_not_bought", "op": "eq", "value": "sparkling", "within_days": 90},
        ],
    },
    {
        "name": "Customers with no order for 60 days",
        "description": "Active accounts whose last order is 60 or more days old: at risk of churn.",
        "rules": [
            {"field": "status", "op": "eq", "value": "active"},
            {"field": "last_order_age_days", "op": "gte", "value": 60},
        ],
    },
    {
        "name": "Prospects in the new-customer funnel",
        "description": "Accounts with an open new-customer deal, whatever its stage.",
        "rules": [{"field": "deal_pipeline", "op": "eq", "value": "new-customer"}],
    },
)


async def create_demo_segments(
    conn: asyncpg.Connection, settings: Settings, supervisor_email: str, now: dt.datetime
) -> int:
    """The demo's saved segments, owned by the supervisor, visible to their team, evaluated at `now`
    (through the segments service, as `POST /api/v1/segments`). Segments already named so are kept."""
    supervisor_id = await deals.user_id_by_email(conn, supervisor_email)
    principal = Principal(user_id=supervisor_id, role=Role.SUPERVISOR, email=supervisor_email)
    created = 0
    for item in DEMO_SEGMENTS:
        request = msgspec.convert({**item, "visibility": "team"}, SegmentRequest)
        async with conn.transaction():  # a name already taken (409) leaves the others
            try:
                await segments.create_segment(conn, principal, request, settings, now)
                created += 1
            except Conflict:
                pass
    return created
