"""SQL for segments. Rules are compiled here from the `rule_*` queries of queries.sql (a whitelist
keyed by field): each condition becomes `a.id in (<its query>)` with its parameters renumbered after
those before it; conditions are ANDed, the alternatives of an any_of group ORed. No text of a request
is ever part of the SQL: values are parameters, fields choose among fixed queries."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.segments.rules import TURNOVER_DAYS, Clause, Condition, TurnoverBands
from backend.segments.schemas import (
    ExistingTask,
    Member,
    MembershipChange,
    SegmentRow,
    TaskTarget,
)

Q = load_queries("backend.segments")
_PARAMETER = re.compile(r"\$(\d+)")


class Facts(msgspec.Struct, frozen=True):
    """What the rules are evaluated against: the business day, the statuses of a fact order, the bands."""

    today: dt.date
    fact_statuses: list[str]
    bands: TurnoverBands


def _condition_sql(condition: Condition, facts: Facts) -> tuple[str, list[Any]]:
    """The named query of one condition and its parameters (the whitelist)."""
    field, values, negate = condition.field, list(condition.values), condition.negate
    if field in {"channel", "account_class", "status", "city", "territory_id"}:
        return Q[f"rule_{field}"], [values, negate]
    if field in {"category_bought", "category_not_bought"}:
        assert condition.within_days is not None
        # an order at most within_days old (its age as for last_order_age_days)
        first = facts.today - dt.timedelta(days=condition.within_days)
        negated = field == "category_not_bought"
        return Q["rule_category"], [values, first, facts.today, facts.fact_statuses, negated]
    if field == "last_order_age_days":
        return Q["rule_last_order_age"], [
            condition.low,
            condition.high,
            facts.today,
            facts.fact_statuses,
            condition.never,
        ]
    if field == "turnover_band":
        first = facts.today - dt.timedelta(days=TURNOVER_DAYS - 1)
        bands = [Decimal(str(facts.bands.a)), Decimal(str(facts.bands.b)), Decimal(str(facts.bands.c))]
        return Q["rule_turnover_band"], [values, negate, first, facts.today, facts.fact_statuses, *bands]
    if field == "deal_stage":
        pairs = [str(value).rpartition(":") for value in values]
        return Q["rule_deal_stage"], [[p[0] for p in pairs], [p[2] for p in pairs], negate]
    if field == "deal_pipeline":
        return Q["rule_deal_pipeline"], [values, negate]
    raise ValueError(f"no query for field {field!r}")  # rules.check_rules lets no other field through


def _renumbered(sql: str, offset: int) -> str:
    return _PARAMETER.sub(lambda match: f"${int(match.group(1)) + offset}", sql)


def compile_rules(clauses: list[Clause], facts: Facts, first_parameter: int = 1) -> tuple[str, list[Any]]:
    """A boolean SQL expression over `a.id` (accounts a) that holds for the members, and its parameters
    (numbered from `first_parameter`)."""
    parts: list[str] = []
    parameters: list[Any] = []
    for clause in clauses:
        alternatives: list[str] = []
        for condition in clause:
            sql, values = _condition_sql(condition, facts)
            alternatives.append(f"a.id in ({_renumbered(sql, first_parameter - 1 + len(parameters))})")
            parameters.extend(values)
        parts.append("(" + " or ".join(alternatives) + ")")
    return " and ".join(parts), parameters


async def matching_account_ids(conn: asyncpg.Connection, clauses: list[Clause], facts: Facts) -> list[int]:
    """Every account the rules select (unscoped: a segment's members are the same for everyone)."""
    where, parameters = compile_rules(clauses, facts)
    rows = await conn.fetch(f"select a.id from accounts a where {where} order by a.id", *parameters)
    return [int(row["id"]) for row in rows]


async def matching_account_ids_in_scope(
    conn: asyncpg.Connection, clauses: list[Clause], facts: Facts, role: str, user_id: int
) -> list[int]:
    where, parameters = compile_rules(clauses, facts, first_parameter=3)
    sql = f"select a.id from accounts a where a.id in (select visible_account_ids($1, $2)) and {where} order by a.id"
    rows = await conn.fetch(sql, role, user_id, *parameters)
    return [int(row["id"]) for row in rows]


async def known_category_keys(conn: asyncpg.Connection, keys: list[str]) -> set[str]:
    return {row["key"] for row in await conn.fetch(Q["known_category_keys"], keys)}


async def known_pipeline_codes(conn: asyncpg.Connection, codes: list[str]) -> set[str]:
    return {row["code"] for row in await conn.fetch(Q["known_pipeline_codes"], codes)}


async def known_stage_keys(conn: asyncpg.Connection, keys: list[str]) -> set[str]:
    return {row["key"] for row in await conn.fetch(Q["known_stage_keys"], keys)}


async def insert_segment(
    conn: asyncpg.Connection,
    *,
    name: str,
    description: str | None,
    rules: list[dict[str, Any]],
    visibility: str,
    owner_id: int,
    now: dt.datetime,
) -> int:
    return int(await conn.fetchval(Q["insert_segment"], name, description, rules, visibility, owner_id, now))


async def update_segment(
    conn: asyncpg.Connection,
    segment_id: int,
    *,
    name: str,
    description: str | None,
    rules: list[dict[str, Any]],
    visibility: str,
    now: dt.datetime,
) -> None:
    await conn.execute(Q["update_segment"], segment_id, name, description, rules, visibility, now)


async def delete_segment(conn: asyncpg.Connection, segment_id: int) -> None:
    await conn.execute(Q["delete_segment"], segment_id)


async def name_taken(conn: asyncpg.Connection, owner_id: int, name: str, segment_id: int | None) -> bool:
    return bool(await conn.fetchval(Q["name_taken"], owner_id, name, segment_id))


async def lock_segment(conn: asyncpg.Connection, segment_id: int) -> bool:
    return await conn.fetchval(Q["lock_segment"], segment_id) is not None


async def readable_segment(conn: asyncpg.Connection, segment_id: int, role: str, user_id: int) -> SegmentRow | None:
    row = await conn.fetchrow(Q["readable_segment"], segment_id, role, user_id)
    return None if row is None else msgspec.convert(dict(row), SegmentRow)


async def list_segments(
    conn: asyncpg.Connection, role: str, user_id: int, after: tuple[str, int] | None, limit: int
) -> list[SegmentRow]:
    rows = await conn.fetch(
        Q["list_segments"],
        role,
        user_id,
        None if after is None else after[0],
        None if after is None else after[1],
        limit,
    )
    return [msgspec.convert(dict(row), SegmentRow) for row in rows]


async def member_count(conn: asyncpg.Connection, segment_id: int, role: str, user_id: int) -> int:
    return int(await conn.fetchval(Q["member_count"], segment_id, role, user_id))


async def list_members(
    conn: asyncpg.Connection, segment_id: int, role: str, user_id: int, after: tuple[str, int] | None, limit: int
) -> list[Member]:
    rows = await conn.fetch(
        Q["list_members"],
        segment_id,
        role,
        user_id,
        None if after is None else after[0],
        None if after is None else after[1],
        limit,
    )
    return [msgspec.convert(dict(row), Member) for row in rows]


async def account_briefs(
    conn: asyncpg.Connection, account_ids: list[int], role: str, user_id: int, limit: int
) -> list[Member]:
    rows = await conn.fetch(Q["account_briefs"], account_ids, role, user_id, limit)
    return [msgspec.convert(dict(row), Member) for row in rows]


async def list_changes(
    conn: asyncpg.Connection, segment_id: int, role: str, user_id: int, before_id: int | None, limit: int
) -> list[MembershipChange]:
    rows = await conn.fetch(Q["list_changes"], segment_id, role, user_id, before_id, limit)
    return [msgspec.convert(dict(row), MembershipChange) for row in rows]


async def apply_members(
    conn: asyncpg.Connection, segment_id: int, account_ids: list[int], now: dt.datetime
) -> tuple[int, int]:
    row = await conn.fetchrow(Q["apply_members"], segment_id, account_ids, now)
    assert row is not None
    await conn.execute(Q["mark_evaluated"], segment_id, now)
    return int(row["entered"]), int(row["exited"])


async def due_segment_ids(conn: asyncpg.Connection, evaluated_before: dt.datetime) -> list[int]:
    return [int(row["id"]) for row in await conn.fetch(Q["due_segment_ids"], evaluated_before)]


async def segment_rules(conn: asyncpg.Connection, segment_id: int) -> list[dict[str, Any]] | None:
    text = await conn.fetchval(Q["segment_rules"], segment_id)
    if text is None:
        return None
    rules: list[dict[str, Any]] = json.loads(text)
    return rules


async def purge_changes(conn: asyncpg.Connection, before: dt.datetime) -> int:
    return int(await conn.fetchval(Q["purge_changes"], before))


async def task_targets(conn: asyncpg.Connection, segment_id: int, role: str, user_id: int) -> list[TaskTarget]:
    rows = await conn.fetch(Q["task_targets"], segment_id, role, user_id)
    return [TaskTarget(account_id=int(row["account_id"]), owner_id=row["owner_id"]) for row in rows]


async def existing_tasks(conn: asyncpg.Connection, task_ids: list[uuid.UUID]) -> list[ExistingTask]:
    rows = await conn.fetch(Q["existing_tasks"], task_ids)
    return [msgspec.convert(dict(row), ExistingTask) for row in rows]
