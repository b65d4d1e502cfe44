"""The offline sync feed: a full first answer, then only what changed for this rep."""

from __future__ import annotations

import asyncpg
import httpx

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
