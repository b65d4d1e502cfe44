"""The same offline request arriving twice at once, on two pooled connections that commit: one
visit, and both answers are the same result (the second waits for the first, then replays)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from backend.app import create_app
from backend.db.pool import create_pool
from backend.settings import Settings
from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import DAY, check_in_body


async def test_two_identical_check_ins_at_once_make_one_visit(settings: Settings, migrated: list[str]) -> None:
    pool = await create_pool(settings)
    visit_id = uuid.uuid4()
    try:
        async with pool.acquire() as conn:
            account = await conn.fetchrow(
                "select a.id, ST_Y(a.location) as lat, ST_X(a.location) as lon from accounts a "
                "join territories t on t.id = a.territory_id join users u on u.id = t.owner_rep_id "
                "where u.email = 'rep3@example.com' order by a.id limit 1"
            )
        app = create_app(settings, pool=pool)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            headers = await auth_headers(client, "rep3@example.com")
            body = check_in_body(account, DAY.replace(hour=7), visit_id=visit_id)
            first, second = await asyncio.gather(
                client.post("/api/v1/visits", json=body, headers=headers),
                client.post("/api/v1/visits", json=body, headers=headers),
            )
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        assert first.json() == second.json()
        assert sorted(r.headers.get("idempotent-replayed", "false") for r in (first, second)) == ["false", "true"]
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from visits where id = $1", visit_id) == 1
    finally:
        async with pool.acquire() as conn:
            await conn.execute("delete from idempotency_keys where key = $1", str(visit_id))
            await conn.execute("delete from visits where id = $1", visit_id)
            await conn.execute(
                "delete from refresh_tokens where user_id = (select id from users where email = 'rep3@example.com')"
            )
        await pool.close()
