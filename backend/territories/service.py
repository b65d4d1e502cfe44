"""Territories the caller may see."""

from __future__ import annotations

import asyncpg

from backend.auth.principal import Principal
from backend.errors import NotFound
from backend.territories import repository
from backend.territories.schemas import Territory


async def list_territories(conn: asyncpg.Connection, principal: Principal) -> list[Territory]:
    return await repository.list_visible(conn, principal.role.value, principal.user_id)


async def get_territory(conn: asyncpg.Connection, principal: Principal, territory_id: int) -> Territory:
    for territory in await repository.list_visible(conn, principal.role.value, principal.user_id):
        if territory.id == territory_id:
            return territory
    raise NotFound(f"territory {territory_id} not found", field="territory_id")
