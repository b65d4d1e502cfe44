"""The demo's telemarketer (round 2): an office rep without a field profile whose lead opens a deal with
source `telemarketing`, which they work by phone and the supervisor sees in the role figures."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from backend.clock import SimulatedClock
from backend.demo.service import DEMO_TELEMARKETER_EMAIL
from tests.backend.conftest import auth_headers
from tests.backend.deals.helpers import API, point_in_territory, user_id


async def test_a_telemarketers_lead_is_a_telemarketing_deal_they_work_by_phone(
    client: httpx.AsyncClient, conn: asyncpg.Connection, clock: SimulatedClock
) -> None:
    tele = await user_id(conn, DEMO_TELEMARKETER_EMAIL)
    # An office worker: in the supervisor's team, no field profile, so no route is ever planned for them.
    assert await conn.fetchval("select count(*) from reps where user_id = $1", tele) == 0
    assert (
        await conn.fetchval("select s.email from users u join users s on s.id = u.supervisor_id where u.id = $1", tele)
        == "supervisor@example.com"
    )
    headers = await auth_headers(client, DEMO_TELEMARKETER_EMAIL)
    lat, lon = await point_in_territory(conn, "rep1@example.com", 3)
    response = await client.post(
        f"{API}/leads",
        json={"name": "Ravintola Puhelin", "channel": "horeca", "lat": lat, "lon": lon, "phone": "+358401234567"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    lead = response.json()
    deal = (await client.get(f"{API}/deals/{lead['deal_id']}", headers=headers)).json()
    assert (deal["source"], deal["owner_id"], deal["stage_code"]) == ("telemarketing", tele, "lead")
    # The call that found the lead, logged on the account the telemarketer now sees through their deal.
    call = {
        "id": str(uuid.uuid4()),
        "account_id": lead["id"],
        "deal_id": lead["deal_id"],
        "kind": "call",
        "direction": "outbound",
        "occurred_at": clock.now().isoformat(),
        "duration_s": 240,
        "outcome": "interested; lead entered",
    }
    response = await client.post(f"{API}/activities", json=call, headers=headers)
    assert response.status_code == 201, response.text
    day = clock.now().date().isoformat()
    office = await auth_headers(client, "supervisor@example.com")
    response = await client.get(
        f"{API}/reports/pipeline/roles/telemarketer", params={"from": day, "to": day}, headers=office
    )
    assert response.status_code == 200, response.text
    (row,) = [r for r in response.json()["rows"] if r["user_id"] == tele]
    assert (row["leads_created"], row["calls"]) == (1, 1), row
    # A rep's own lead stays a field lead.
    rep1 = await auth_headers(client, "rep1@example.com")
    lat, lon = await point_in_territory(conn, "rep1@example.com", 4)
    response = await client.post(
        f"{API}/leads", json={"name": "Bistro Kenttä", "channel": "horeca", "lat": lat, "lon": lon}, headers=rep1
    )
    assert response.status_code == 201, response.text
    deal = (await client.get(f"{API}/deals/{response.json()['deal_id']}", headers=rep1)).json()
    assert deal["source"] == "field"
