"""The offline sync feed: a full first answer, then only what changed for this rep."""

from __future__ import annotations

import asyncpg
import httpx

from backend.deals.service import ensure_default_pipeline
from tests.backend.conftest import auth_headers
from tests.backend.visits.helpers import rep_accounts
from tests.backend.visits.test_checklists import create_template


async def test_first_sync_is_full_and_later_ones_carry_changes_and_deletions(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    template = await create_template(client)
    headers = await auth_headers(client, "rep1@example.com")
    first = await client.get("/api/v1/sync/changes", headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    mine = await rep_accounts(conn, "rep1@example.com", 10_000)
    assert body["full"] is True
    assert sorted(account["id"] for account in body["accounts"]) == sorted(row["id"] for row in mine)
    assert template["id"] in [item["id"] for item in body["checklist_templates"]]

    renamed, moved = mine[0], mine[1]
    elsewhere = (await rep_accounts(conn, "rep2@example.com", 1))[0]
    await conn.execute("update accounts set name = 'Renamed kiosk' where id = $1", renamed["id"])
    await conn.execute(
        "update accounts set location = (select location from accounts where id = $2) where id = $1",
        moved["id"],
        elsewhere["id"],
    )
    await conn.execute("update accounts set name = 'Not yours' where id = $1", elsewhere["id"])
    await conn.execute("update checklist_templates set is_active = false where id = $1", template["id"])

    second = await client.get("/api/v1/sync/changes", params={"since": body["cursor"]}, headers=headers)
    assert second.status_code == 200, second.text
    changes = second.json()
    assert changes["full"] is False
    changed = {account["id"]: account for account in changes["accounts"]}
    assert changed[renamed["id"]]["name"] == "Renamed kiosk"
    assert moved["id"] in changes["deleted_account_ids"] and moved["id"] not in changed
    assert elsewhere["id"] not in changed and elsewhere["id"] not in changes["deleted_account_ids"]
    assert template["id"] in changes["deleted_template_ids"]
    assert len(changed) < len(mine) // 2, "only changes, not the whole territory"


async def test_a_territory_handed_to_the_rep_forces_a_full_sync(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    cursor = (await client.get("/api/v1/sync/changes", headers=headers)).json()["cursor"]
    await conn.execute(
        "update territories set backup_rep_id = (select id from users where email = 'rep1@example.com') "
        "where owner_rep_id = (select id from users where email = 'rep2@example.com')"
    )
    answer = (await client.get("/api/v1/sync/changes", params={"since": cursor}, headers=headers)).json()
    assert answer["full"] is True
    rep2_accounts = await rep_accounts(conn, "rep2@example.com", 1)
    assert rep2_accounts[0]["id"] in [account["id"] for account in answer["accounts"]]


async def test_a_bad_cursor_and_a_non_rep_are_refused(client: httpx.AsyncClient) -> None:
    headers = await auth_headers(client, "rep1@example.com")
    bad = await client.get("/api/v1/sync/changes", params={"since": "garbage"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "since"
    supervisor = await auth_headers(client, "supervisor@example.com")
    assert (await client.get("/api/v1/sync/changes", headers=supervisor)).status_code == 403


async def _user_id(conn: asyncpg.Connection, email: str) -> int:
    user_id: int = await conn.fetchval("select id from users where email = $1", email)
    return user_id


async def test_a_farmers_book_and_a_closers_deals_are_offline_and_leave_with_their_hand_over(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    """rep3 manages an account of rep1's territory (a farmer's book) and rep2 owns a deal at another
    (a closer's): each phone gets that account on its first sync; the book handed back and the deal
    handed on reach the phones on the next delta (gone from one, arrived on the other)."""
    farmer_id, closer_id = await _user_id(conn, "rep3@example.com"), await _user_id(conn, "rep2@example.com")
    booked, dealt = (row["id"] for row in await rep_accounts(conn, "rep1@example.com", 2))
    await conn.execute("update accounts set account_manager_id = $2 where id = $1", booked, farmer_id)
    await ensure_default_pipeline(conn)
    pipeline_id = await conn.fetchval("select id from pipelines order by id limit 1")
    stage_id = await conn.fetchval(
        "select id from pipeline_stages where pipeline_id = $1 order by position limit 1", pipeline_id
    )
    deal_id = await conn.fetchval(
        "insert into deals (id, pipeline_id, account_id, stage_id, owner_id, source, created_at, stage_entered_at) "
        "values (gen_random_uuid(), $1, $2, $3, $4, 'field', now(), now()) returning id",
        pipeline_id,
        dealt,
        stage_id,
        closer_id,
    )
    farmer = await auth_headers(client, "rep3@example.com")
    closer = await auth_headers(client, "rep2@example.com")
    firsts = {
        who: (await client.get("/api/v1/sync/changes", headers=headers)).json()
        for who, headers in (("farmer", farmer), ("closer", closer))
    }
    assert booked in {a["id"] for a in firsts["farmer"]["accounts"]}
    assert dealt in {a["id"] for a in firsts["closer"]["accounts"]}
    assert dealt not in {a["id"] for a in firsts["farmer"]["accounts"]}
    # The account list shows the same accounts as the offline feed.
    names = dict(await conn.fetch("select id, name from accounts where id = any($1::bigint[])", [booked, dealt]))

    async def listed(headers: dict[str, str], account_id: int) -> bool:
        page = await client.get("/api/v1/me/accounts", params={"search": names[account_id]}, headers=headers)
        assert page.status_code == 200, page.text
        return account_id in {a["id"] for a in page.json()["items"]}

    assert await listed(farmer, booked) and await listed(closer, dealt)
    assert not await listed(farmer, dealt)

    # The book goes back to the territory; the deal goes from the closer to the farmer.
    await conn.execute("update accounts set account_manager_id = null where id = $1", booked)
    await conn.execute("update deals set owner_id = $2 where id = $1", deal_id, farmer_id)
    farmer_delta = (
        await client.get("/api/v1/sync/changes", params={"since": firsts["farmer"]["cursor"]}, headers=farmer)
    ).json()
    closer_delta = (
        await client.get("/api/v1/sync/changes", params={"since": firsts["closer"]["cursor"]}, headers=closer)
    ).json()
    assert farmer_delta["full"] is False and closer_delta["full"] is False
    assert booked in farmer_delta["deleted_account_ids"]
    assert dealt in {a["id"] for a in farmer_delta["accounts"]}
    assert dealt in closer_delta["deleted_account_ids"]
    assert not await listed(farmer, booked) and not await listed(closer, dealt)
    assert await listed(farmer, dealt)
