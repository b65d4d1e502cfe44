"""Object-level authorization, generated from the route table.

Every operation that takes an object id (in its path, a query parameter such as `rep_id`/`rep`, or a
JSON body field ending in `_id`/`_ids`) has a probe below that aims it at rep1's objects (team of
supervisor@example.com). Three callers try each probe:

- rep3, a rep of another team (moved to other-supervisor@example.com by the known day);
- rep2, a rep of the same team;
- other-supervisor@example.com, the supervisor of the other team.

Each must get 403 or 404 as problem+json and never the data; afterwards nothing of rep1's team has
changed. `test_every_id_taking_operation_is_covered` fails when an id-taking route is added without a
probe here (or an explicit exemption with its reason).

Mass assignment: every JSON body refuses fields a caller may not set (owner, territory, role, flags,
scores...) with 422 naming the field, unless the operation declares that field on purpose (then it is
an id probed by the matrix).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from tests.backend.conftest import auth_headers
from tests.backend.supervision.known_day import DAY, OTHER_SUPERVISOR, KnownDay

pytestmark = pytest.mark.db

API = "/api/v1"
ACTORS = {
    "rep of another team": "rep3@example.com",
    "rep of the same team": "rep2@example.com",
    "supervisor of another team": OTHER_SUPERVISOR,
}
# Query parameters that name an object.
ID_QUERY = re.compile(r"(^|_)(id|ids)$|^rep$")
ID_FIELD = re.compile(r"_ids?$")


@dataclass
class Targets:
    """rep1's objects (team of supervisor@example.com)."""

    rep_id: int
    territory_id: int
    account_id: int
    account_name: str
    visit_id: uuid.UUID
    photo_id: uuid.UUID
    template_id: int
    candidate_id: int
    merge_id: int
    run_id: int
    manual_account_id: int
    other_territory_id: int  # rep3's (the other team's) territory
    price_list_id: int  # rep1's account's own price list
    order_id: uuid.UUID  # an order rep1 took
    # issue 17: deals
    deal_id: uuid.UUID  # a deal rep1 owns at their account
    pipeline_id: int  # the demo's new-customer pipeline
    rule_id: int  # one of its hand-over rules
    segment_id: int  # issue 17: segments; a private segment of rep1's supervisor
    # issue 17: tasks
    sales_task_id: uuid.UUID | None = None  # a CRM task of rep1's about their account


Probe = tuple[str, dict[str, Any]]  # url, httpx request kwargs


def _day() -> str:
    return DAY.isoformat()


# (METHOD, route path as in app.routes) -> the request aimed at rep1's objects.
PROBES: dict[tuple[str, str], Callable[[Targets], Probe]] = {
    ("GET", f"{API}/accounts"): lambda t: (f"{API}/accounts", {"params": {"territory_id": t.territory_id}}),
    ("GET", f"{API}/territories/{{territory_id:int}}"): lambda t: (f"{API}/territories/{t.territory_id}", {}),
    ("PUT", f"{API}/territories/{{territory_id:int}}"): lambda t: (
        f"{API}/territories/{t.territory_id}",
        {"json": {"name": "taken", "owner_rep_id": t.rep_id}},
    ),
    ("GET", f"{API}/territories/{{territory_id:int}}/coverage"): lambda t: (
        f"{API}/territories/{t.territory_id}/coverage",
        {},
    ),
    ("GET", f"{API}/reps/{{rep_id:int}}/route"): lambda t: (
        f"{API}/reps/{t.rep_id}/route",
        {"params": {"day": _day()}},
    ),
    ("POST", f"{API}/reps/{{rep_id:int}}/route/replan"): lambda t: (
        f"{API}/reps/{t.rep_id}/route/replan",
        {"json": {"lat": 60.17, "lon": 24.94, "time_s": 36000, "day": _day()}},
    ),
    ("POST", f"{API}/reps/{{rep_id:int}}/route/removals"): lambda t: (
        f"{API}/reps/{t.rep_id}/route/removals",
        {"json": {"day": "2027-01-04", "account_id": t.account_id, "reason": "probe"}},
    ),
    ("GET", f"{API}/reps/{{rep_id:int}}/absences"): lambda t: (
        f"{API}/reps/{t.rep_id}/absences",
        {"params": {"from": "2027-01-04", "to": "2027-01-08"}},
    ),
    ("POST", f"{API}/reps/{{rep_id:int}}/absences"): lambda t: (
        f"{API}/reps/{t.rep_id}/absences",
        {"json": {"first_day": "2027-01-04", "last_day": "2027-01-05", "reason": "probe"}},
    ),
    ("GET", f"{API}/reps/{{rep_id:int}}/tasks"): lambda t: (
        f"{API}/reps/{t.rep_id}/tasks",
        {"params": {"day": _day()}},
    ),
    ("POST", f"{API}/reps/{{rep_id:int}}/tasks"): lambda t: (
        f"{API}/reps/{t.rep_id}/tasks",
        {"json": {"account_id": t.account_id, "day": _day(), "kind": "task"}},
    ),
    ("GET", f"{API}/planning-runs/{{run_id:int}}"): lambda t: (f"{API}/planning-runs/{t.run_id}", {}),
    ("POST", f"{API}/schedules"): lambda t: (
        f"{API}/schedules",
        {"json": {"rep_id": t.rep_id, "start": "2027-01-04", "weeks": 1}},
    ),
    ("GET", f"{API}/visits"): lambda t: (
        f"{API}/visits",
        {"params": {"rep_id": t.rep_id, "since": "2026-11-30T00:00:00Z", "until": "2026-12-02T00:00:00Z"}},
    ),
    ("POST", f"{API}/visits"): lambda t: (
        f"{API}/visits",
        {
            "json": {
                "id": str(uuid.uuid4()),
                "account_id": t.account_id,
                "checked_in_at": "2026-12-01T08:00:00+00:00",
                "lat": 60.17,
                "lon": 24.94,
                "accuracy_m": 8,
                "mock_location": False,
            }
        },
    ),
    ("GET", f"{API}/visits/{{visit_id:uuid}}"): lambda t: (f"{API}/visits/{t.visit_id}", {}),
    ("POST", f"{API}/visits/{{visit_id:uuid}}/checkout"): lambda t: (
        f"{API}/visits/{t.visit_id}/checkout",
        {"json": {"checked_out_at": "2026-12-01T09:00:00+00:00", "lat": 60.17, "lon": 24.94, "accuracy_m": 8}},
    ),
    ("GET", f"{API}/visits/{{visit_id:uuid}}/checklist"): lambda t: (f"{API}/visits/{t.visit_id}/checklist", {}),
    ("PUT", f"{API}/visits/{{visit_id:uuid}}/checklist"): lambda t: (
        f"{API}/visits/{t.visit_id}/checklist",
        {"json": {"template_id": t.template_id, "answers": []}},
    ),
    ("POST", f"{API}/checklist-templates"): lambda t: (
        f"{API}/checklist-templates",
        {"json": {"code": "steal", "name": "x", "items": [], "account_ids": [t.account_id]}},
    ),
    ("GET", f"{API}/visits/{{visit_id:uuid}}/photos"): lambda t: (f"{API}/visits/{t.visit_id}/photos", {}),
    ("POST", f"{API}/visits/{{visit_id:uuid}}/photos"): lambda t: (
        f"{API}/visits/{t.visit_id}/photos",
        {"data": {"photo_id": str(uuid.uuid4())}, "files": {"file": ("p.jpg", b"\xff\xd8\xff\xe0not-a-jpeg")}},
    ),
    ("GET", f"{API}/photos/{{photo_id:uuid}}"): lambda t: (f"{API}/photos/{t.photo_id}", {}),
    ("GET", f"{API}/photos/{{photo_id:uuid}}/thumbnail"): lambda t: (f"{API}/photos/{t.photo_id}/thumbnail", {}),
    ("GET", f"{API}/photos/{{photo_id:uuid}}/info"): lambda t: (f"{API}/photos/{t.photo_id}/info", {}),
    ("POST", f"{API}/duplicates/{{candidate_id:int}}/merge"): lambda t: (
        f"{API}/duplicates/{t.candidate_id}/merge",
        {"json": {}},
    ),
    ("POST", f"{API}/duplicates/{{candidate_id:int}}/dismiss"): lambda t: (
        f"{API}/duplicates/{t.candidate_id}/dismiss",
        {},
    ),
    ("GET", f"{API}/merges"): lambda t: (f"{API}/merges", {"params": {"account_id": t.account_id}}),
    ("POST", f"{API}/merges/{{merge_id:int}}/undo"): lambda t: (f"{API}/merges/{t.merge_id}/undo", {}),
    # Another team's manually assigned account, pulled into the caller's own territory.
    ("POST", f"{API}/leads/{{account_id:int}}/assign"): lambda t: (
        f"{API}/leads/{t.manual_account_id}/assign",
        {"json": {"territory_id": t.other_territory_id}},
    ),
    ("GET", f"{API}/supervision/routes.geojson"): lambda t: (
        f"{API}/supervision/routes.geojson",
        {"params": {"day": _day(), "rep": t.rep_id}},
    ),
    ("GET", f"{API}/supervision/visits.geojson"): lambda t: (
        f"{API}/supervision/visits.geojson",
        {"params": {"day": _day(), "rep": t.rep_id}},
    ),
    ("GET", f"{API}/supervision/due.geojson"): lambda t: (
        f"{API}/supervision/due.geojson",
        {"params": {"day": _day(), "rep": t.rep_id}},
    ),
    # Orders, catalogue and commercial figures (issue 13).
    ("GET", f"{API}/accounts/{{account_id:int}}/sales/history"): lambda t: (
        f"{API}/accounts/{t.account_id}/sales/history",
        {},
    ),
    ("GET", f"{API}/accounts/{{account_id:int}}/sales/not-bought"): lambda t: (
        f"{API}/accounts/{t.account_id}/sales/not-bought",
        {},
    ),
    ("GET", f"{API}/accounts/{{account_id:int}}/sales/cross-sell"): lambda t: (
        f"{API}/accounts/{t.account_id}/sales/cross-sell",
        {},
    ),
    ("GET", f"{API}/catalogue/price-lists/{{price_list_id:int}}"): lambda t: (
        f"{API}/catalogue/price-lists/{t.price_list_id}",
        {},
    ),
    ("POST", f"{API}/catalogue/price-lists"): lambda t: (
        f"{API}/catalogue/price-lists",
        {"json": {"code": "steal", "name": "x", "account_id": t.account_id, "valid_from": "2030-01-01", "items": []}},
    ),
    ("GET", f"{API}/orders"): lambda t: (f"{API}/orders", {"params": {"account_id": t.account_id}}),
    ("POST", f"{API}/orders"): lambda t: (
        f"{API}/orders",
        {
            "json": {
                "id": str(uuid.uuid4()),
                "account_id": t.account_id,
                "ordered_at": "2026-12-01T08:00:00+00:00",
                "lines": [{"sku": "MATRIX-1", "quantity": 1}],
            }
        },
    ),
    ("GET", f"{API}/orders/{{order_id:uuid}}"): lambda t: (f"{API}/orders/{t.order_id}", {}),
    ("POST", f"{API}/orders/{{order_id:uuid}}/status"): lambda t: (
        f"{API}/orders/{t.order_id}/status",
        {"json": {"status": "cancelled"}},
    ),
    ("GET", f"{API}/sales/plan-vs-fact"): lambda t: (
        f"{API}/sales/plan-vs-fact",
        {"params": {"territory_id": t.territory_id}},
    ),
    ("GET", f"{API}/sales/kpis"): lambda t: (f"{API}/sales/kpis", {"params": {"territory_id": t.territory_id}}),
    ("GET", f"{API}/sales/active-base"): lambda t: (
        f"{API}/sales/active-base",
        {"params": {"territory_id": t.territory_id}},
    ),
    ("GET", f"{API}/sales/churn"): lambda t: (f"{API}/sales/churn", {"params": {"territory_id": t.territory_id}}),
    # issue 17: deals (pipelines and rules are the admin's; deals are rep1's)
    ("PUT", f"{API}/pipelines/{{pipeline_id:int}}"): lambda t: (
        f"{API}/pipelines/{t.pipeline_id}",
        {
            "json": {
                "code": "taken",
                "name": "x",
                "stages": [
                    {"code": "a", "name": "a", "is_key": True},
                    {"code": "w", "name": "w", "outcome": "won"},
                    {"code": "l", "name": "l", "outcome": "lost"},
                ],
            }
        },
    ),
    ("GET", f"{API}/pipelines/{{pipeline_id:int}}/handover-rules"): lambda t: (
        f"{API}/pipelines/{t.pipeline_id}/handover-rules",
        {},
    ),
    ("POST", f"{API}/pipelines/{{pipeline_id:int}}/handover-rules"): lambda t: (
        f"{API}/pipelines/{t.pipeline_id}/handover-rules",
        {"json": {"trigger": "stage_reached", "stage": "offer", "to_role": "hunter"}},
    ),
    ("PUT", f"{API}/pipelines/{{pipeline_id:int}}/handover-rules/{{rule_id:int}}"): lambda t: (
        f"{API}/pipelines/{t.pipeline_id}/handover-rules/{t.rule_id}",
        {"json": {"is_active": False}},
    ),
    ("PUT", f"{API}/users/{{user_id:int}}/sales-role"): lambda t: (
        f"{API}/users/{t.rep_id}/sales-role",
        {"json": {"sales_role": None}},
    ),
    ("GET", f"{API}/territories/{{territory_id:int}}/sales-roles"): lambda t: (
        f"{API}/territories/{t.territory_id}/sales-roles",
        {},
    ),
    ("PUT", f"{API}/territories/{{territory_id:int}}/sales-roles/{{role:str}}"): lambda t: (
        f"{API}/territories/{t.territory_id}/sales-roles/hunter",
        {"json": {"user_id": None}},
    ),
    ("POST", f"{API}/deals"): lambda t: (
        f"{API}/deals",
        {"json": {"id": str(uuid.uuid4()), "account_id": t.account_id, "pipeline": "new-customer"}},
    ),
    ("GET", f"{API}/deals"): lambda t: (f"{API}/deals", {"params": {"account_id": t.account_id}}),
    ("GET", f"{API}/deals/{{deal_id:uuid}}"): lambda t: (f"{API}/deals/{t.deal_id}", {}),
    ("POST", f"{API}/deals/{{deal_id:uuid}}/stage"): lambda t: (
        f"{API}/deals/{t.deal_id}/stage",
        {"json": {"stage": "lost", "lost_reason": "probe"}},
    ),
    ("POST", f"{API}/deals/{{deal_id:uuid}}/handover"): lambda t: (
        f"{API}/deals/{t.deal_id}/handover",
        {"json": {"to_user_id": t.rep_id, "to_role": "hunter"}},
    ),
    # issue 17: tasks (CRM tasks, activities, control lists)
    ("POST", f"{API}/tasks"): lambda t: (
        f"{API}/tasks",
        {
            "json": {
                "id": str(uuid.uuid4()),
                "kind": "visit",
                "title": "taken",
                "due_at": "2030-01-07T09:00:00+00:00",
                "owner_id": t.rep_id,
                "account_id": t.account_id,
            }
        },
    ),
    ("GET", f"{API}/tasks"): lambda t: (f"{API}/tasks", {"params": {"owner_id": t.rep_id}}),
    ("GET", f"{API}/tasks/{{task_id:uuid}}"): lambda t: (f"{API}/tasks/{t.sales_task_id}", {}),
    ("PATCH", f"{API}/tasks/{{task_id:uuid}}"): lambda t: (
        f"{API}/tasks/{t.sales_task_id}",
        {"json": {"title": "taken", "due_at": "2030-01-08T09:00:00+00:00"}},
    ),
    ("POST", f"{API}/tasks/{{task_id:uuid}}/complete"): lambda t: (f"{API}/tasks/{t.sales_task_id}/complete", {}),
    ("POST", f"{API}/tasks/{{task_id:uuid}}/cancel"): lambda t: (f"{API}/tasks/{t.sales_task_id}/cancel", {}),
    ("GET", f"{API}/activities"): lambda t: (f"{API}/activities", {"params": {"account_id": t.account_id}}),
    ("POST", f"{API}/activities"): lambda t: (
        f"{API}/activities",
        {
            "json": {
                "id": str(uuid.uuid4()),
                "account_id": t.account_id,
                "kind": "call",
                "occurred_at": "2026-12-01T08:00:00+00:00",
            }
        },
    ),
    ("GET", f"{API}/control/overdue-tasks"): lambda t: (
        f"{API}/control/overdue-tasks",
        {"params": {"owner_id": t.rep_id}},
    ),
    ("GET", f"{API}/control/deals-without-task"): lambda t: (
        f"{API}/control/deals-without-task",
        {"params": {"owner_id": t.rep_id}},
    ),
    ("GET", f"{API}/control/stuck-deals"): lambda t: (f"{API}/control/stuck-deals", {"params": {"owner_id": t.rep_id}}),
    # issue 17: card (the account card; rep1's contact is CARD_CONTACT_ID, written by the card test below)
    ("GET", f"{API}/accounts/{{account_id:int}}"): lambda t: (f"{API}/accounts/{t.account_id}", {}),
    ("PATCH", f"{API}/accounts/{{account_id:int}}"): lambda t: (
        f"{API}/accounts/{t.account_id}",
        {"json": {"status": "closed", "phones": ["040 123 4567"]}},
    ),
    ("GET", f"{API}/accounts/{{account_id:int}}/changes"): lambda t: (f"{API}/accounts/{t.account_id}/changes", {}),
    ("POST", f"{API}/accounts/{{account_id:int}}/contacts"): lambda t: (
        f"{API}/accounts/{t.account_id}/contacts",
        {"json": {"id": str(uuid.uuid4()), "name": "Probe", "role": "owner"}},
    ),
    ("PATCH", f"{API}/accounts/{{account_id:int}}/contacts/{{contact_id:uuid}}"): lambda t: (
        f"{API}/accounts/{t.account_id}/contacts/{CARD_CONTACT_ID}",
        {"json": {"name": "Taken over"}},
    ),
    ("POST", f"{API}/accounts/{{account_id:int}}/notes"): lambda t: (
        f"{API}/accounts/{t.account_id}/notes",
        {"json": {"id": str(uuid.uuid4()), "text": "probe"}},
    ),
    # issue 17: segments
    ("GET", f"{API}/segments/{{segment_id:int}}"): lambda t: (f"{API}/segments/{t.segment_id}", {}),
    ("PUT", f"{API}/segments/{{segment_id:int}}"): lambda t: (
        f"{API}/segments/{t.segment_id}",
        {"json": {"name": "taken", "rules": [{"field": "channel", "op": "eq", "value": "retail"}]}},
    ),
    ("DELETE", f"{API}/segments/{{segment_id:int}}"): lambda t: (f"{API}/segments/{t.segment_id}", {}),
    ("GET", f"{API}/segments/{{segment_id:int}}/accounts"): lambda t: (f"{API}/segments/{t.segment_id}/accounts", {}),
    ("GET", f"{API}/segments/{{segment_id:int}}/changes"): lambda t: (f"{API}/segments/{t.segment_id}/changes", {}),
    ("POST", f"{API}/segments/{{segment_id:int}}/tasks"): lambda t: (
        f"{API}/segments/{t.segment_id}/tasks",
        {"json": {"id": str(uuid.uuid4()), "kind": "call", "title": "probe", "due_at": "2030-01-01T09:00:00+00:00"}},
    ),
    ("GET", f"{API}/me/accounts"): lambda t: (f"{API}/me/accounts", {"params": {"segment_id": t.segment_id}}),
    # end of issue 17: segments
    # issue 17: figures
    ("GET", f"{API}/reports/pipeline/people/{{user_id:int}}"): lambda t: (
        f"{API}/reports/pipeline/people/{t.rep_id}",
        {},
    ),
    ("GET", f"{API}/reports/pipeline/territories"): lambda t: (
        f"{API}/reports/pipeline/territories",
        {"params": {"territory_id": t.territory_id}},
    ),
}

CARD_CONTACT_ID = uuid.UUID("00000000-0000-4000-8000-000000000017")  # issue 17: card

# Id-taking operations that are not team-scoped, with the reason.
EXEMPT: dict[tuple[str, str], str] = {
    ("GET", f"{API}/checklist-templates/{{template_id:int}}"): "templates are shared by every team (read-only)",
    ("POST", f"{API}/accounts"): "its only id-like field is tax_id, a business identifier",
    ("POST", f"{API}/leads"): "its only id-like field is tax_id; the territory comes from the point",
    ("GET", "/schema/{path:str}"): "OpenAPI documents",
    ("GET", "/supervisor/assets/{file_path:path}"): "static files of the console",
    ("HEAD", "/supervisor/assets/{file_path:path}"): "static files of the console",
    # issue 17: tasks
    ("POST", f"{API}/webhooks/activities/{{provider:str}}"): (
        "no user: a provider authenticates by the HMAC signature of the body (tests/backend/activities)"
    ),
    # issue 17: figures
    ("GET", f"{API}/reports/pipeline/funnel"): "pipeline_id names a shared pipeline definition; the figures "
    "count only the deals on the caller's accounts",
    ("GET", f"{API}/reports/pipeline/sources"): "pipeline_id names a shared pipeline definition; the figures "
    "count only the deals on the caller's accounts",
    ("GET", f"{API}/reports/pipeline/roles/{{role:str}}"): "role is a sales role's name, not an object; the rows "
    "are the caller's people",
}

# A second probe of the matrix aimed the other way: rep1 trying the other team's objects is the same
# check with the roles swapped, so rep3's photo (the known day's) is also tried by rep1 below.


def _operations(app: Litestar) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, route path) -> its OpenAPI operation, for every handler of the app."""
    schema = app.openapi_schema.to_schema()
    ops: dict[tuple[str, str], dict[str, Any]] = {}
    for route in app.routes:
        for method in getattr(route, "route_handler_map", {}):
            if method == "OPTIONS":
                continue
            openapi_path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
            operation = schema.get("paths", {}).get(openapi_path, {}).get(method.lower(), {})
            ops[(method, route.path)] = {"operation": operation, "components": schema.get("components", {})}
    return ops


def _body_properties(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for content in operation.get("requestBody", {}).get("content", {}).values():
        body = content.get("schema", {})
        ref = body.get("$ref")
        if ref:
            body = components.get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
        props.update(body.get("properties", {}))
    return props


def _takes_an_id(path: str, entry: dict[str, Any]) -> bool:
    operation = entry["operation"]
    if "{" in path:
        return True
    if any(ID_QUERY.search(p["name"]) for p in operation.get("parameters", []) if p.get("in") == "query"):
        return True
    return any(ID_FIELD.search(name) for name in _body_properties(operation, entry["components"]))


def test_every_id_taking_operation_is_covered(app: Litestar) -> None:
    missing = sorted(
        f"{method} {path}"
        for (method, path), entry in _operations(app).items()
        if _takes_an_id(path, entry) and (method, path) not in PROBES and (method, path) not in EXEMPT
    )
    assert not missing, f"id-taking operations without an authorization probe (add them to PROBES): {missing}"
    stale = sorted(f"{m} {p}" for (m, p) in list(PROBES) + list(EXEMPT) if (m, p) not in _operations(app))
    assert not stale, f"probes for operations that no longer exist: {stale}"


async def _targets(conn: asyncpg.Connection, known: KnownDay) -> Targets:
    rep1 = known.reps["rep1"]
    territory = await conn.fetchval("select id from territories where owner_rep_id = $1 order by id limit 1", rep1)
    other_territory = await conn.fetchval(
        "select id from territories where owner_rep_id = $1 order by id limit 1", known.reps["rep3"]
    )
    accounts = await conn.fetch(
        "select id, name from accounts where territory_id = $1 and location is not null order by id limit 2",
        territory,
    )
    visit = known.visits["rep1"][0]
    template = await conn.fetchval("select id from checklist_templates order by id limit 1")
    sha = uuid.uuid4().hex + uuid.uuid4().hex
    await conn.execute(
        "insert into photo_blobs (sha256, media_type, size_bytes, width, height, phash) "
        "values ($1, 'image/jpeg', 1000, 10, 10, 0)",
        sha,
    )
    photo = uuid.uuid4()
    await conn.execute(
        "insert into visit_photos (id, visit_id, rep_id, sha256, item_key) values ($1, $2, $3, $4, 'shelf')",
        photo,
        visit,
        rep1,
        sha,
    )
    a, b = sorted(row["id"] for row in accounts)
    candidate = await conn.fetchval(
        "insert into duplicate_candidates (account_a_id, account_b_id, score) values ($1, $2, 0.8) returning id", a, b
    )
    merge = await conn.fetchval(
        "insert into account_merges (winner_id, loser_id, loser_snapshot, winner_before, kind) "
        "values ($1, null, '{}'::jsonb, '{}'::jsonb, 'review') returning id",
        a,
    )
    run = await conn.fetchval("insert into planning_runs (day, trigger) values ($1, 'api') returning id", DAY)
    await conn.execute("insert into planning_run_reps (run_id, rep_id) values ($1, $2)", run, rep1)
    # An account without a position, assigned by hand to rep1's territory.
    manual = await conn.fetchval(
        "insert into accounts (name, channel, location) values ('Manual Kiosk', 'retail', null) returning id"
    )
    await conn.execute(
        "update accounts set territory_id = $1, territory_manual = true where id = $2", territory, manual
    )
    assert await conn.fetchval("select territory_id from accounts where id = $1", manual) == territory
    brand = await conn.fetchval("insert into brands (name) values ('Matrix') returning id")
    category = await conn.fetchval(
        "insert into product_categories (code, name, path) values ('matrix', 'Matrix', 'matrix') returning id"
    )
    await conn.execute("update product_categories set root_id = id where id = $1", category)
    product = await conn.fetchval(
        "insert into products (sku, name, brand_id, category_id, unit) values ('MATRIX-1', 'M', $1, $2, 'bottle') "
        "returning id",
        brand,
        category,
    )
    price_list = await conn.fetchval(
        "insert into price_lists (code, name, account_id, valid_from) values ('MATRIX', 'M', $1, '2026-01-01') "
        "returning id",
        a,
    )
    await conn.execute("insert into price_list_items values ($1, $2, 10)", price_list, product)
    # issue 17: segments. A private segment of rep1's supervisor holding rep1's account.
    segment = await conn.fetchval(
        "insert into segments (name, rules, visibility, owner_id, created_at, updated_at) "
        'select \'Matrix\', \'[{"field": "territory_id", "op": "eq", "value": 1}]\', \'private\', id, now(), now() '
        "from users where email = 'supervisor@example.com' returning id"
    )
    await conn.execute("insert into segment_members values ($1, $2, now())", segment, a)
    order = uuid.uuid4()
    await conn.execute(
        "insert into orders (id, account_id, rep_id, territory_id, status, ordered_at, order_day, total_amount, "
        "total_units, line_count) values ($1, $2, $3, $4, 'submitted', now(), current_date, 10, 1, 1)",
        order,
        a,
        rep1,
        territory,
    )
    # issue 17: deals. A deal rep1 opened at their account, in the demo's pipeline.
    pipeline = await conn.fetchval("select id from pipelines where code = 'new-customer'")
    first_stage = await conn.fetchval(
        "select id from pipeline_stages where pipeline_id = $1 order by position limit 1", pipeline
    )
    deal = uuid.uuid4()
    await conn.execute(
        "insert into deals (id, pipeline_id, account_id, stage_id, owner_id, source, created_at, stage_entered_at) "
        "values ($1, $2, $3, $4, $5, 'field', now(), now())",
        deal,
        pipeline,
        a,
        first_stage,
        rep1,
    )
    await conn.execute(
        "insert into deal_stage_changes (deal_id, to_stage_id, changed_by, changed_at) values ($1, $2, $3, now())",
        deal,
        first_stage,
        rep1,
    )
    rule = await conn.fetchval("select id from handover_rules where pipeline_id = $1 order by id limit 1", pipeline)
    # issue 17: tasks
    sales_task = uuid.uuid4()
    await conn.execute(
        "insert into sales_tasks (id, owner_id, account_id, kind, title, due_at, created_by, created_at) "
        "values ($1, $2, $3, 'call', 'Matrix call', '2030-01-07T09:00:00Z', $2, now())",
        sales_task,
        rep1,
        a,
    )
    return Targets(
        sales_task_id=sales_task,
        rep_id=rep1,
        territory_id=territory,
        account_id=a,
        account_name=accounts[0]["name"] if accounts[0]["id"] == a else accounts[1]["name"],
        visit_id=visit,
        photo_id=photo,
        template_id=template,
        candidate_id=candidate,
        merge_id=merge,
        run_id=run,
        manual_account_id=manual,
        other_territory_id=other_territory,
        price_list_id=price_list,
        order_id=order,
        deal_id=deal,
        pipeline_id=pipeline,
        rule_id=rule,
        segment_id=segment,
    )


async def _team_state(conn: asyncpg.Connection, t: Targets) -> dict[str, Any]:
    """What an attack on rep1's team could change."""
    return {
        "territory": await conn.fetchval(
            "select (name, owner_rep_id, backup_rep_id)::text from territories where id = $1", t.territory_id
        ),
        "manual": await conn.fetchval("select territory_id from accounts where id = $1", t.manual_account_id),
        "candidate": await conn.fetchval("select status from duplicate_candidates where id = $1", t.candidate_id),
        "merge": await conn.fetchval("select undone_at from account_merges where id = $1", t.merge_id),
        "visits_at_account": await conn.fetchval("select count(*) from visits where account_id = $1", t.account_id),
        "visit": await conn.fetchval("select checked_out_at from visits where id = $1", t.visit_id),
        "checklists": await conn.fetchval("select count(*) from visit_checklists where visit_id = $1", t.visit_id),
        "photos": await conn.fetchval("select count(*) from visit_photos where visit_id = $1", t.visit_id),
        "schedules": await conn.fetchval("select count(*) from schedules where rep_id = $1", t.rep_id),
        "routes": await conn.fetchval("select count(*) from routes where rep_id = $1", t.rep_id),
        "templates": await conn.fetchval("select count(*) from checklist_templates"),
        "tasks": await conn.fetchval("select count(*) from planned_tasks where rep_id = $1", t.rep_id),
        "orders": await conn.fetchval(
            "select (count(*), max(status))::text from orders where account_id = $1", t.account_id
        ),
        "price_lists": await conn.fetchval("select count(*) from price_lists"),
        # issue 17: deals
        "deals": await conn.fetchval(
            "select (count(*), max(owner_id), max(stage_id), max(status))::text from deals where account_id = $1",
            t.account_id,
        ),
        "deal_changes": await conn.fetchval("select count(*) from deal_stage_changes where deal_id = $1", t.deal_id),
        "handovers": await conn.fetchval("select count(*) from handovers where account_id = $1", t.account_id),
        "pipeline": await conn.fetchval(
            "select (p.code, count(s.*))::text from pipelines p join pipeline_stages s on s.pipeline_id = p.id "
            "where p.id = $1 group by p.code",
            t.pipeline_id,
        ),
        "rules": await conn.fetchval("select count(*) filter (where is_active) from handover_rules"),
        "sales_roles": await conn.fetchval(
            "select (select sales_role from users where id = $1) || ':' || "
            "(select count(*) from territory_sales_roles where territory_id = $2)",
            t.rep_id,
            t.territory_id,
        ),
        # issue 17: tasks
        "sales_tasks": await conn.fetchval(
            "select array_agg((id, owner_id, status, title, due_at)::text order by id) from sales_tasks"
        ),
        "activities": await conn.fetchval("select count(*) from activities"),
        # issue 17: segments
        "segment": await conn.fetchval(
            "select (name, rules, (select count(*) from segment_members m where m.segment_id = s.id))::text "
            "from segments s where id = $1",
            t.segment_id,
        ),
    }


async def test_no_one_outside_the_team_reaches_its_objects(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    targets = await _targets(conn, known_day)
    before = await _team_state(conn, targets)
    rep1_email = "rep1@example.com"
    leaks: list[str] = []
    for actor, email in ACTORS.items():
        headers = await auth_headers(client, email)
        for (method, _route), probe in sorted(PROBES.items()):
            url, kwargs = probe(targets)
            response = await client.request(method, url, headers=headers, **kwargs)
            where = f"{actor} ({email}): {method} {url} {kwargs.get('params', '')}"
            if response.status_code not in (403, 404):
                leaks.append(f"{where} -> {response.status_code} {response.text[:200]}")
                continue
            if not response.headers.get("content-type", "").startswith("application/problem+json"):
                leaks.append(f"{where} -> {response.status_code} not problem+json")
            if rep1_email in response.text or targets.account_name in response.text:
                leaks.append(f"{where} -> the refusal leaks data: {response.text[:200]}")
    assert not leaks, "\n".join(leaks)
    assert await _team_state(conn, targets) == before, "a refused request changed rep1's team"


async def test_a_rep_cannot_reach_the_other_teams_photo(client: httpx.AsyncClient, known_day: KnownDay) -> None:
    """The other direction: rep1 and supervisor@ against rep3's (other team) photo."""
    assert known_day.other_team_photo is not None
    for email in ("rep1@example.com", "supervisor@example.com"):
        headers = await auth_headers(client, email)
        for suffix in ("", "/thumbnail", "/info"):
            response = await client.get(f"{API}/photos/{known_day.other_team_photo}{suffix}", headers=headers)
            assert response.status_code == 404, (email, suffix, response.text)
        visit = known_day.visits["rep3"][0]
        for path in (f"{API}/visits/{visit}", f"{API}/visits/{visit}/photos", f"{API}/visits/{visit}/checklist"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 404, (email, path, response.text)


async def test_the_owner_and_their_supervisor_still_get_the_data(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    """The matrix is only meaningful if the same probes succeed for those who may read."""
    targets = await _targets(conn, known_day)
    rep1 = await auth_headers(client, "rep1@example.com")
    supervisor = await auth_headers(client, "supervisor@example.com")
    for headers, url in (
        (rep1, f"{API}/visits/{targets.visit_id}"),
        (rep1, f"{API}/photos/{targets.photo_id}/info"),
        (rep1, f"{API}/territories/{targets.territory_id}"),
        (supervisor, f"{API}/visits/{targets.visit_id}"),
        (supervisor, f"{API}/planning-runs/{targets.run_id}"),
        (supervisor, f"{API}/reps/{targets.rep_id}/route?day={_day()}"),
        (supervisor, f"{API}/merges?account_id={targets.account_id}"),
        # issue 17: deals
        (rep1, f"{API}/deals/{targets.deal_id}"),
        (supervisor, f"{API}/deals/{targets.deal_id}"),
        (rep1, f"{API}/territories/{targets.territory_id}/sales-roles"),
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)


# ---- mass assignment -------------------------------------------------------------------------------

FORBIDDEN_FIELDS = [
    "rep_id",
    "owner_rep_id",
    "territory_id",
    "supervisor_id",
    "role",
    "flags",
    "score",
    "score_pct",
    "is_active",
    "status",
    "created_by",
]
ROLE_FOR = {"admin": "admin@example.com", "supervisor": "supervisor@example.com", "rep": "rep1@example.com"}


async def test_fields_a_caller_may_not_set_are_refused(client: httpx.AsyncClient, app: Litestar) -> None:
    """Every JSON body: an undeclared privileged field is refused with 422 naming that field."""
    headers = {role: await auth_headers(client, email) for role, email in ROLE_FOR.items()}
    failures: list[str] = []
    tried = 0
    for (method, route), entry in sorted(_operations(app).items()):
        content = entry["operation"].get("requestBody", {}).get("content", {})
        if "application/json" not in content or route.startswith(f"{API}/auth/"):
            continue
        declared = _body_properties(entry["operation"], entry["components"])
        url = re.sub(r"\{\w+:uuid\}", str(uuid.uuid4()), re.sub(r"\{\w+:int\}", "1", route))
        for field in FORBIDDEN_FIELDS:
            if field in declared:
                continue  # declared on purpose: an id probed by the matrix above
            for role, role_headers in headers.items():
                response = await client.request(method, url, headers=role_headers, json={field: 1})
                tried += 1
                if response.status_code in (403, 404, 405):
                    continue  # the role may not call it at all / the object is not there
                body = response.json() if response.content else {}
                if response.status_code != 422 or body.get("field") != field:
                    failures.append(f"{role} {method} {route} with {field!r} -> {response.status_code} {body}")
    assert tried > 50
    assert not failures, "\n".join(failures)


async def test_a_rep_cannot_check_in_as_someone_else_or_set_flags(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    account = await conn.fetchrow(
        "select a.id, ST_Y(a.location) as lat, ST_X(a.location) as lon from accounts a "
        "join territories t on t.id = a.territory_id join users u on u.id = t.owner_rep_id "
        "where u.email = 'rep1@example.com' and a.location is not null order by a.id limit 1"
    )
    headers = await auth_headers(client, "rep1@example.com")
    body = {
        "id": str(uuid.uuid4()),
        "account_id": account["id"],
        "checked_in_at": dt.datetime.now(dt.UTC).isoformat(),
        "lat": account["lat"],
        "lon": account["lon"],
        "accuracy_m": 5,
        "mock_location": False,
    }
    for extra in ({"rep_id": 1}, {"flags": []}, {"route_id": 1}, {"verdict": "ok"}):
        response = await client.post(f"{API}/visits", headers=headers, json={**body, **extra})
        assert response.status_code == 422, (extra, response.text)
        assert response.json()["field"] == next(iter(extra))


# issue 17: card --------------------------------------------------------------------------------------


async def test_no_one_outside_the_team_reaches_an_account_card(
    client: httpx.AsyncClient, conn: asyncpg.Connection, known_day: KnownDay
) -> None:
    """The card's probes again, with rep1's account holding a contact and a note: refused, nothing changes,
    and the owner and their supervisor still read it."""
    targets = await _targets(conn, known_day)
    await conn.execute(
        "insert into account_contacts (id, account_id, name, role, created_at, updated_at) "
        "values ($1, $2, 'Card Contact', 'owner', now(), now())",
        CARD_CONTACT_ID,
        targets.account_id,
    )
    await conn.execute(
        "insert into account_notes (id, account_id, text, created_at) values ($1, $2, 'card note', now())",
        uuid.uuid4(),
        targets.account_id,
    )

    async def state() -> str:
        return str(
            await conn.fetchval(
                "select (a.phones, a.status, (select array_agg((c.name, c.role, c.is_active)::text) "
                "from account_contacts c where c.account_id = a.id), "
                "(select count(*) from account_notes n where n.account_id = a.id), "
                "(select count(*) from account_changes x where x.account_id = a.id))::text "
                "from accounts a where a.id = $1",
                targets.account_id,
            )
        )

    before = await state()
    card = f"{API}/accounts/{{account_id:int}}"
    routes = {card, f"{card}/changes", f"{card}/contacts", f"{card}/contacts/{{contact_id:uuid}}", f"{card}/notes"}
    card_probes = {key: probe for key, probe in PROBES.items() if key[1] in routes}
    assert len(card_probes) == 6
    leaks: list[str] = []
    for email in ACTORS.values():
        headers = await auth_headers(client, email)
        for (method, _route), probe in sorted(card_probes.items()):
            url, kwargs = probe(targets)
            response = await client.request(method, url, headers=headers, **kwargs)
            if response.status_code != 404 or "Card Contact" in response.text or "card note" in response.text:
                leaks.append(f"{email}: {method} {url} -> {response.status_code} {response.text[:200]}")
    assert not leaks, "\n".join(leaks)
    assert await state() == before
    for email in ("rep1@example.com", "supervisor@example.com"):
        response = await client.get(f"{API}/accounts/{targets.account_id}", headers=await auth_headers(client, email))
        assert response.status_code == 200, (email, response.text)
        assert [c["name"] for c in response.json()["contacts"]] == ["Card Contact"]
