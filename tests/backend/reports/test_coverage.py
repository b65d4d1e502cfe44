"""The territory coverage funnel reconciles with the raw tables, over the caller's territories only."""

from __future__ import annotations

import asyncpg
import httpx

from tests.backend.conftest import auth_headers
from tests.backend.lifecycle.conftest import insert_orders
from tests.backend.supervision.known_day import DAY, OTHER_SUPERVISOR, KnownDay

# The one definition (docs/architecture.md, "Coverage"), written out by hand against the raw rows:
# potential = HoReCa or retail, not closed, located; active = of those, the ones with an order
# submitted, confirmed or delivered that day (migration 0011); visited = distinct outlets with a
# check-in that local day, whatever their status.
RAW = """
select t.code,
       count(a.id) as outlets,
       count(a.id) filter (where a.channel in ('horeca', 'retail') and a.status <> 'closed'
                                 and a.location is not null) as potential,
       count(a.id) filter (where a.channel in ('horeca', 'retail') and a.status <> 'closed'
                                 and a.location is not null and exists (
           select 1 from orders o where o.account_id = a.id and o.order_day = $2
             and o.status in ('submitted', 'confirmed', 'delivered'))) as active,
       count(a.id) filter (where exists (
           select 1 from visits v where v.account_id = a.id
             and (v.checked_in_at at time zone 'Europe/Helsinki')::date = $2)) as visited
from territories t join users o on o.id = t.owner_rep_id left join accounts a on a.territory_id = t.id
where o.supervisor_id = $1 group by t.code order by t.code
"""


async def test_the_funnel_reconciles_and_is_scoped(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    await conn.execute("update accounts set status = 'closed' where id = (select min(id) from accounts)")
    await insert_orders(conn, DAY, {"delivered": 2, "submitted": 1, "draft": 1, "cancelled": 1})
    raw = {row["code"]: dict(row) for row in await conn.fetch(RAW, known_day.supervisor_id, DAY)}
    response = await client.get(
        f"/api/v1/reports/coverage?from={DAY}&to={DAY}", headers=await auth_headers(client, "supervisor@example.com")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == set(raw) and len(rows) == 2
    for code, expected in raw.items():
        for name in ("outlets", "potential", "active", "visited"):
            assert rows[code][name] == expected[name], (code, name)
        assert rows[code]["outlets"] >= rows[code]["potential"] >= rows[code]["active"]
    assert body["total"]["outlets"] == sum(row["outlets"] for row in raw.values())
    assert body["total"]["visited"] == sum(row["visited"] for row in raw.values())
    other = (
        await client.get(
            f"/api/v1/reports/coverage?from={DAY}&to={DAY}", headers=await auth_headers(client, OTHER_SUPERVISOR)
        )
    ).json()
    assert [row["key"] for row in other["rows"]] == ["HEL-E"]
    exported = await client.get(
        f"/api/v1/reports/coverage?from={DAY}&to={DAY}&format=csv",
        headers=await auth_headers(client, "admin@example.com"),
    )
    assert exported.content.decode("utf-8-sig").splitlines()[0].startswith("key,label,region,outlets")
    assert len(exported.content.decode("utf-8-sig").splitlines()) == 1 + 3 + 1
