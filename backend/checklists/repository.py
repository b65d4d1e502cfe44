"""SQL for checklist templates and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from backend.checklists.schemas import ChecklistResult, Template, VisitRef
from backend.db.queries import load_queries

Q = load_queries("backend.checklists")


def _template(row: asyncpg.Record) -> Template:
    return msgspec.convert(dict(row), Template)


async def insert_template(
    conn: asyncpg.Connection,
    *,
    code: str,
    name: str,
    items: Any,
    channels: list[str],
    classes: list[str],
    account_ids: list[int],
    created_by: int,
) -> Template:
    row = await conn.fetchrow(Q["insert_template"], code, name, items, channels, classes, account_ids, created_by)
    assert row is not None
    return _template(row)


async def latest_templates(conn: asyncpg.Connection) -> list[Template]:
    return [_template(row) for row in await conn.fetch(Q["latest_templates"])]


async def template_by_id(conn: asyncpg.Connection, template_id: int) -> Template | None:
    row = await conn.fetchrow(Q["template_by_id"], template_id)
    return None if row is None else _template(row)


async def templates_for_account(conn: asyncpg.Connection, account_id: int) -> list[Template]:
    return [_template(row) for row in await conn.fetch(Q["templates_for_account"], account_id)]


async def template_applies(conn: asyncpg.Connection, template_id: int, account_id: int) -> bool:
    return bool(await conn.fetchval(Q["template_applies"], template_id, account_id))


async def visit_for(
    conn: asyncpg.Connection, visit_id: uuid.UUID, role: str, user_id: int, *, reading: bool
) -> VisitRef | None:
    row = await conn.fetchrow(Q["visit_for_checklist"], visit_id, role, user_id, reading)
    return None if row is None else msgspec.convert(dict(row), VisitRef)


async def insert_answers(
    conn: asyncpg.Connection,
    *,
    visit_id: uuid.UUID,
    template_id: int,
    answers: Any,
    score_pct: float | None,
    score_parts: Any,
    answered_at: datetime | None,
) -> bool:
    received = await conn.fetchval(
        Q["insert_answers"], visit_id, template_id, answers, score_pct, score_parts, answered_at
    )
    return received is not None


async def answers_of_visit(conn: asyncpg.Connection, visit_id: uuid.UUID) -> list[ChecklistResult]:
    rows = await conn.fetch(Q["answers_of_visit"], visit_id)
    return [msgspec.convert(dict(row), ChecklistResult) for row in rows]
