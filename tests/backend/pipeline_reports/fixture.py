"""The small pipeline fixture every figure is recomputed on by hand (the numbers are in the tests).

People (team of supervisor@example.com, password the demo's): hunter, hunter2, tele (telemarketer),
closer, closer2, farmer, farmer2, kam (key account manager). Another team: other-sup@ (supervisor)
with oc@ (a closer). Deals sit on accounts of rep1's territory (the team's).

Pipeline "newbiz", stages by position: 0 new, 1 contacted, 2 qualified (the qualified stage), 3 offer
(the key stage), 4 won, 5 lost. Deals (day of October 2026 at 10:00 UTC of each change; creation first):

    D1 field     hunter -> closer  new 1, contacted 3, qualified 5, offer 8, won 12
    D2 field     hunter -> closer  new 2, contacted 5, qualified 8, offer 10, lost 15
    D3 web_form  tele   -> closer  new 5, qualified 6 (skips contacted), offer 9, won 20
    D4 telemkt.  tele   -> tele    new 6, contacted 7, lost 9
    D5 telemkt.  tele   -> tele    new 10, contacted 14
    D6 field     hunter -> hunter  new 12
    D7 web_form  tele   -> closer  new 13, contacted 15, qualified 18
    D8 field     hunter -> closer  new 20, contacted 21, qualified 23, offer 25, won 30
    D9 field     hunter -> closer  new September 25, qualified October 1, won October 5 (not in the
                                   October cohort: created in September)

Source costs: field 400 (October), 1000 (September), 500 (November); web_form 300; telemarketing 200.
Calls of tele: October 1, 2, 5, 6, 14, 30 (6), September 30 (outside); a meeting on October 7 and a
call of hunter's on October 8 do not count. A public holiday on Friday October 16 (everyone) and one
of region "elsewhere" on October 19; tele is absent October 26-27.

Orders (fact statuses by default: submitted, confirmed, delivered), category masks wine 1, sparkling
2, spirits 4, beer 8:
    A1 (D1, won October 12): October 10 50 (before the win), October 14 120, October 28 80 delivered
    A3 (D3, won October 20): October 21 100 confirmed, October 22 999 cancelled, October 23 70 draft
    farmer's book: F1 June 1 50 (wine), September 10 100 (wine), October 10 150 (wine+beer),
                   November 5 1000; F2 September 15 200 (sparkling); F3 October 5 80 (wine+spirits);
                   F4 September 20 60 (wine), October 20 45 (wine+sparkling)
    kam's book:    K1 September 12 300 (wine), October 12 330 (wine)
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

PASSWORD_OF = "(select password_hash from users where email = 'supervisor@example.com')"
STAGES = [
    ("new", "open", False, False),
    ("contacted", "open", False, False),
    ("qualified", "open", False, True),
    ("offer", "open", True, False),
    ("won", "won", False, False),
    ("lost", "lost", False, False),
]
# deal -> source, created by, owner, [(stage, month, day)]
DEALS: dict[str, tuple[str, str, str, list[tuple[str, int, int]]]] = {
    "D1": ("field", "hunter", "closer", [("new", 10, 1), ("contacted", 10, 3), ("qualified", 10, 5),
                                         ("offer", 10, 8), ("won", 10, 12)]),
    "D2": ("field", "hunter", "closer", [("new", 10, 2), ("contacted", 10, 5), ("qualified", 10, 8),
                                         ("offer", 10, 10), ("lost", 10, 15)]),
    "D3": ("web_form", "tele", "closer", [("new", 10, 5), ("qualified", 10, 6), ("offer", 10, 9),
                                          ("won", 10, 20)]),
    "D4": ("telemarketing", "tele", "tele", [("new", 10, 6), ("contacted", 10, 7), ("lost", 10, 9)]),
    "D5": ("telemarketing", "tele", "tele", [("new", 10, 10), ("contacted", 10, 14)]),
    "D6": ("field", "hunter", "hunter", [("new", 10, 12)]),
    "D7": ("web_form", "tele", "closer", [("new", 10, 13), ("contacted", 10, 15), ("qualified", 10, 18)]),
    "D8": ("field", "hunter", "closer", [("new", 10, 20), ("contacted", 10, 21), ("qualified", 10, 23),
                                         ("offer", 10, 25), ("won", 10, 30)]),
    "D9": ("field", "hunter", "closer", [("new", 9, 25), ("qualified", 10, 1), ("won", 10, 5)]),
}  # fmt: skip
PEOPLE = {
    "hunter": "hunter",
    "hunter2": "hunter",
    "tele": "telemarketer",
    "closer": "closer",
    "closer2": "closer",
    "farmer": "farmer",
    "farmer2": "farmer",
    "kam": "key_account_manager",
}
# account -> [(month, day, amount, status, category mask)]
ORDERS: dict[str, list[tuple[int, int, float, str, int]]] = {
    "A1": [(10, 10, 50, "submitted", 1), (10, 14, 120, "submitted", 1), (10, 28, 80, "delivered", 1)],
    "A3": [(10, 21, 100, "confirmed", 1), (10, 22, 999, "cancelled", 1), (10, 23, 70, "draft", 1)],
    "F1": [(6, 1, 50, "submitted", 1), (9, 10, 100, "submitted", 1), (10, 10, 150, "submitted", 9),
           (11, 5, 1000, "submitted", 1)],
    "F2": [(9, 15, 200, "submitted", 2)],
    "F3": [(10, 5, 80, "submitted", 5)],
    "F4": [(9, 20, 60, "submitted", 1), (10, 20, 45, "submitted", 3)],
    "K1": [(9, 12, 300, "submitted", 1), (10, 12, 330, "submitted", 1)],
}  # fmt: skip


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=dt.UTC)


@dataclass
class Fixture:
    pipeline_id: int
    stages: dict[str, int]
    users: dict[str, int]
    accounts: dict[str, int]
    deals: dict[str, uuid.UUID]
    territory_id: int


async def _user(conn: asyncpg.Connection, name: str, role: str, supervisor: int | None, sales_role: str | None) -> int:
    user_id: int = await conn.fetchval(
        f"insert into users (email, name, role, password_hash, supervisor_id, sales_role) "
        f"values ($1, $2, $3, {PASSWORD_OF}, $4, $5) returning id",
        f"{name}@example.com",
        name.capitalize(),
        role,
        supervisor,
        sales_role,
    )
    return user_id


async def build(conn: asyncpg.Connection) -> Fixture:
    # The figures below are worked out by hand for this fixture alone: the demo's own pipeline and the
    # sales roles it gives its reps step aside (rolled back with the test).
    await conn.execute("update pipelines set is_active = false")
    await conn.execute("delete from territory_sales_roles")
    await conn.execute("update users set sales_role = null")
    supervisor = await conn.fetchval("select id from users where email = 'supervisor@example.com'")
    rep1 = await conn.fetchval("select id from users where email = 'rep1@example.com'")
    users = {name: await _user(conn, name, "rep", supervisor, role) for name, role in PEOPLE.items()}
    users["other-sup"] = await _user(conn, "other-sup", "supervisor", None, None)
    users["oc"] = await _user(conn, "oc", "rep", users["other-sup"], "closer")

    territory_id = await conn.fetchval("select id from territories where owner_rep_id = $1", rep1)
    names = [f"A{i}" for i in range(1, 10)] + ["F1", "F2", "F3", "F4", "K1"]
    # accounts of the potential base (horeca or retail, not closed, located) of rep1's territory
    ids = await conn.fetch(
        "select id from accounts where territory_id = $1 and channel in ('horeca', 'retail') "
        "and status <> 'closed' and location is not null order by id limit $2",
        territory_id,
        len(names),
    )
    accounts = {name: row["id"] for name, row in zip(names, ids, strict=True)}
    for name in ("F1", "F2", "F3", "F4"):
        await conn.execute("update accounts set account_manager_id = $1 where id = $2", users["farmer"], accounts[name])
    await conn.execute("update accounts set account_manager_id = $1 where id = $2", users["kam"], accounts["K1"])

    pipeline_id = await conn.fetchval(
        "insert into pipelines (code, name, goal) values ('newbiz', 'New business', 'new_customer') returning id"
    )
    stages = {}
    for position, (code, outcome, is_key, is_qualified) in enumerate(STAGES):
        stages[code] = await conn.fetchval(
            "insert into pipeline_stages (pipeline_id, position, code, name, outcome, is_key, is_qualified) "
            "values ($1, $2, $3, $4, $5, $6, $7) returning id",
            pipeline_id,
            position,
            code,
            code.capitalize(),
            outcome,
            is_key,
            is_qualified,
        )

    deals = {}
    for name, (source, creator, owner, changes) in DEALS.items():
        deal_id = uuid.uuid4()
        deals[name] = deal_id
        last_stage, last_month, last_day = changes[-1]
        outcome = dict((c, o) for c, o, _, _ in STAGES)[last_stage]
        await conn.execute(
            "insert into deals (id, pipeline_id, account_id, stage_id, status, owner_id, source, created_by, "
            "created_at, stage_entered_at, closed_at, lost_reason) "
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            deal_id,
            pipeline_id,
            accounts["A" + name[1:]],
            stages[last_stage],
            outcome,
            users[owner],
            source,
            users[creator],
            at(changes[0][1], changes[0][2]),
            at(last_month, last_day),
            None if outcome == "open" else at(last_month, last_day),
            "too expensive" if outcome == "lost" else None,
        )
        previous = None
        for stage, month, day in changes:
            await conn.execute(
                "insert into deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) "
                "values ($1, $2, $3, $4, $5)",
                deal_id,
                previous,
                stages[stage],
                users[owner],
                at(month, day),
            )
            previous = stages[stage]

    await conn.executemany(
        "insert into lead_source_costs (source, month, amount) values ($1, $2, $3)",
        [
            ("field", dt.date(2026, 10, 1), 400),
            ("field", dt.date(2026, 9, 1), 1000),
            ("field", dt.date(2026, 11, 1), 500),
            ("web_form", dt.date(2026, 10, 1), 300),
            ("telemarketing", dt.date(2026, 10, 1), 200),
        ],
    )

    activity = (
        "insert into activities (id, account_id, user_id, kind, occurred_at, duration_s) "
        "values ($1, $2, $3, $4, $5, 60)"
    )
    for month, day in [(10, 1), (10, 2), (10, 5), (10, 6), (10, 14), (10, 30), (9, 30)]:
        await conn.execute(activity, uuid.uuid4(), accounts["A4"], users["tele"], "call", at(month, day))
    await conn.execute(activity, uuid.uuid4(), accounts["A4"], users["tele"], "meeting", at(10, 7))
    await conn.execute(activity, uuid.uuid4(), accounts["A6"], users["hunter"], "call", at(10, 8))
    await conn.execute(
        "insert into holidays (day, region, name) values ('2026-10-16', null, 'Everyone'), "
        "('2026-10-19', 'elsewhere', 'Regional')"
    )
    await conn.execute(
        "insert into rep_absences (rep_id, first_day, last_day, reason) values ($1, '2026-10-26', '2026-10-27', 'ill')",
        users["tele"],
    )

    for account, orders in ORDERS.items():
        for month, day, amount, status, mask in orders:
            await conn.execute(
                "insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, "
                "total_amount, total_units, line_count, category_mask) "
                "values ($1, $2, $3, $4, $5, $6, $7, $8, 1, 1, $9)",
                uuid.uuid4(),
                accounts[account],
                rep1,
                territory_id,
                status,
                at(month, day),
                dt.date(2026, month, day),
                amount,
                mask,
            )
    return Fixture(
        pipeline_id=pipeline_id,
        stages=stages,
        users=users,
        accounts=accounts,
        deals=deals,
        territory_id=territory_id,
    )
