"""Fixtures of the CRM task and activity tests: the API on a simulated clock, people of two teams,
and deals written directly (the deals API is another feature's)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2026, 12, 1)  # a Tuesday
WEBHOOK_SECRET = "test-activity-webhook-secret-0123"
OTHER_SUPERVISOR = "other-supervisor@example.com"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Local time in Helsinki."""
    return dt.datetime.combine(day, dt.time(hour, minute), HELSINKI)


@dataclass
class People:
    admin: int
    supervisor: int
    other_supervisor: int
    rep1: int
    rep2: int
    rep3: int  # of the other team


async def people(conn: asyncpg.Connection) -> People:
    """The demo's people, with rep3 moved to another supervisor (another team)."""

    async def user(email: str) -> int:
        user_id: int = await conn.fetchval("select id from users where email = $1", email)
        return user_id

    other = await conn.fetchval("select id from users where email = $1", OTHER_SUPERVISOR)
    if other is None:
        other = await conn.fetchval(
            "insert into users (email, name, role, password_hash) values ($1, 'Other Supervisor', 'supervisor', "
            "(select password_hash from users where email = 'supervisor@example.com')) returning id",
            OTHER_SUPERVISOR,
        )
    rep3 = await user("rep3@example.com")
    await conn.execute("update users set supervisor_id = $1 where id = $2", other, rep3)
    return People(
        admin=await user("admin@example.com"),
        supervisor=await user("supervisor@example.com"),
        other_supervisor=other,
        rep1=await user("rep1@example.com"),
        rep2=await user("rep2@example.com"),
        rep3=rep3,
    )


async def account_of(conn: asyncpg.Connection, rep_id: int, offset: int = 0) -> int:
    """An account of a territory the rep owns (located, not closed)."""
    account_id: int = await conn.fetchval(
        "select a.id from accounts a join territories t on t.id = a.territory_id "
        "where t.owner_rep_id = $1 and a.location is not null and a.status <> 'closed' order by a.id offset $2 limit 1",
        rep_id,
        offset,
    )
    return account_id


@dataclass
class Pipeline:
    id: int
    stages: dict[str, int]  # code -> id


async def pipeline(conn: asyncpg.Connection, norms: dict[str, int | None]) -> Pipeline:
    """A pipeline whose open stages have the given norm days, then won and lost."""
    pipeline_id = await conn.fetchval(
        "insert into pipelines (code, name, goal) values ('test-new', 'New customers', 'new_customer') returning id"
    )
    stages: dict[str, int] = {}
    for position, (code, norm) in enumerate([*norms.items(), ("won", None), ("lost", None)]):
        outcome = code if code in ("won", "lost") else "open"
        stages[code] = await conn.fetchval(
            "insert into pipeline_stages (pipeline_id, position, code, name, outcome, norm_days) "
            "values ($1, $2, $3, $4, $5, $6) returning id",
            pipeline_id,
            position,
            code,
            code.title(),
            outcome,
            norm,
        )
    return Pipeline(pipeline_id, stages)


async def insert_deal(
    conn: asyncpg.Connection,
    pipe: Pipeline,
    *,
    account_id: int,
    owner_id: int,
    stage: str,
    stage_entered_at: dt.datetime,
    title: str,
) -> uuid.UUID:
    deal_id = uuid.uuid4()
    status = stage if stage in ("won", "lost") else "open"
    await conn.execute(
        "insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, title, created_at, "
        "stage_entered_at, closed_at, lost_reason) values ($1, $2, $3, $4, $5, $6, 'field', $7, $8, $8, $9, $10)",
        deal_id,
        pipe.id,
        account_id,
        pipe.stages[stage],
        status,
        owner_id,
        title,
        stage_entered_at,
        None if status == "open" else stage_entered_at,
        "price" if status == "lost" else None,
    )
    return deal_id
