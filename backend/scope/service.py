"""The caller's scope, for features that filter in Python or check one id before acting.

Rules (the definition is SQL, migration 0007): a rep sees themselves and the territories they own or
back up; a supervisor their team (users whose supervisor_id is theirs) and the team's territories; an
admin everyone. Queries that list rows join `visible_rep_ids` / `visible_territory_ids` directly; this
service is for the few places that need the answer as a value.
"""

from __future__ import annotations

import asyncpg

from backend.auth.principal import Principal
from backend.scope import repository


async def visible_territory_ids(conn: asyncpg.Connection, principal: Principal) -> list[int]:
    return await repository.visible_territory_ids(conn, principal.role.value, principal.user_id)


async def rep_is_visible(conn: asyncpg.Connection, principal: Principal, rep_id: int) -> bool:
    """Whether `rep_id` is a rep the caller may read (themselves, their team's, or any for an admin)."""
    return await repository.rep_is_visible(conn, principal.role.value, principal.user_id, rep_id)
