"""The OpenAPI document as a contract (backend/http/openapi.py): checked on the finished document."""

from __future__ import annotations

import re
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.http.openapi import EXAMPLES, PROBLEM_JSON, PROBLEM_SCHEMA, document
from backend.settings import Settings

PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}
HEALTH_REF = {"$ref": "#/components/schemas/HealthStatus"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document(create_app(Settings(environment="test")))


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]


def test_every_error_response_is_problem_json_with_the_one_schema(doc: dict[str, Any]) -> None:
    for path, method, op in _operations(doc):
        errors = {code: response for code, response in op["responses"].items() if code[0] in "45"}
        if path == "/health":  # not ready: the same body as when ready, status "unavailable"
            assert errors["503"]["content"]["application/json"]["schema"] == HEALTH_REF
            continue
        for code, response in errors.items():
            assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (method, path, code)
        assert "503" in errors, (method, path)
    problem = doc["components"]["schemas"][PROBLEM_SCHEMA]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "field", "errors"}
    assert "status_code" not in str(doc), "Litestar's default 400 body is gone"


def test_the_only_problem_schema_describes_errors(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert "Problem" not in schemas, "a component named Problem reads as the error body"
    assert "GeometryIssue" in schemas  # the territory-geometry findings, under a name of their own
    problem_refs = {ref for ref in re.findall(r"#/components/schemas/(\w*Problem\w*)", str(doc["paths"]))}
    assert problem_refs == {PROBLEM_SCHEMA}, problem_refs


def test_errors_follow_what_each_operation_can_raise(doc: dict[str, Any]) -> None:
    def codes(path: str, method: str) -> set[str]:
        return {code for code in doc["paths"][path][method]["responses"] if code[0] in "45"}

    assert codes("/api/v1/visits", "post") >= {"400", "401", "403", "409", "413", "422", "503"}
    assert "415" in codes("/api/v1/visits/{visit_id}/photos", "post")
    assert "429" in codes("/api/v1/auth/login", "post")
    assert "404" in codes("/api/v1/me/route", "get")
    assert "403" not in codes("/api/v1/visits/{visit_id}", "get")  # no guard: scope decides (404)
    assert doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]["headers"]["Retry-After"]


def test_public_operations_need_no_token_and_others_inherit_bearer(doc: dict[str, Any]) -> None:
    public = {path for path, _, op in _operations(doc) if op.get("security") == []}
    # issue 17: tasks: the inbound activity webhook authenticates its body by signature instead.
    webhooks = {"/api/v1/webhooks/activities/{provider}"}
    assert public == {"/health", "/api/v1/auth/login", "/api/v1/auth/refresh"} | webhooks
    assert doc["security"] == [{"bearer": []}]


# The verbs an operation id starts with; a bare verb or a bare noun (`bundle`, `kpis`) is not an id.
VERBS = {"get", "list", "create", "update", "delete", "replace", "set", "save", "add", "import", "export", "move"}
VERBS |= {"submit", "start", "assign", "dismiss", "merge", "undo", "upload", "checkout", "check_in", "replan"}
VERBS |= {"refresh", "login", "logout", "remove"}
VERBS |= {"complete", "cancel", "log", "receive"}  # issue 17: tasks


def test_operation_ids_are_natural_and_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    verb_resource = re.compile(rf"({'|'.join(sorted(VERBS))})_[a-z0-9]+(_[a-z0-9]+)*")
    assert [op_id for op_id in ids if not verb_resource.fullmatch(op_id)] == []
    assert doc["paths"]["/api/v1/visits/{visit_id}/checkout"]["post"]["operationId"] == "checkout_visit"
    assert doc["paths"]["/api/v1/me/accounts"]["get"]["operationId"] == "list_my_accounts"
    assert doc["paths"]["/api/v1/sales/kpis"]["get"]["operationId"] == "get_sales_kpis"
    assert doc["paths"]["/api/v1/orders/{order_id}/status"]["post"]["operationId"] == "move_order_status"


def test_schema_names_are_plain_and_unique(doc: dict[str, Any]) -> None:
    """Two structs of one name in different features get module-prefixed names
    (`segments_schemas_ChangePage`), which client generators refuse as duplicate models."""
    names = list(doc["components"]["schemas"])
    assert [name for name in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)] == []


def test_descriptions_carry_the_idempotency_rules_and_the_replay_header(doc: dict[str, Any]) -> None:
    check_in = doc["paths"]["/api/v1/visits"]["post"]
    assert "Idempotent-Replayed" in check_in["description"] and "not_on_route" in check_in["description"]
    assert "Idempotent-Replayed" in check_in["responses"]["201"]["headers"]
    assert check_in["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Visit"
    }
    assert doc["components"]["schemas"]["CheckInRequest"]["examples"][0]["account_id"] == 42


def test_every_example_is_a_body_the_server_accepts() -> None:
    from backend.auth.schemas import LoginRequest, RefreshRequest
    from backend.checklists.schemas import ChecklistRequest
    from backend.routes.schemas import ReplanRequest
    from backend.visits.schemas import CheckInRequest, CheckOutRequest

    bodies = {
        struct.__name__: struct
        for struct in (LoginRequest, RefreshRequest, CheckInRequest, CheckOutRequest, ChecklistRequest, ReplanRequest)
    }
    assert set(EXAMPLES) == set(bodies)
    for name, example in EXAMPLES.items():  # unknown fields are refused, so a stale example fails here
        msgspec.json.decode(msgspec.json.encode(example), type=bodies[name])


def test_multipart_uploads_have_their_fields(doc: dict[str, Any]) -> None:
    imports = doc["paths"]["/api/v1/imports/accounts"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert imports["schema"]["properties"]["files"]["items"]["format"] == "binary"
    photos = doc["paths"]["/api/v1/visits/{visit_id}/photos"]["post"]["requestBody"]["content"]
    photo_form = doc["components"]["schemas"][photos["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"photo_id", "file", "item_key"} <= set(photo_form["properties"])
    # A handler reading the raw body as the file: documented as binary, found without declaring it.
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.endswith("/imports") and method == "post":
                assert op["requestBody"]["content"]["application/octet-stream"]["schema"]["format"] == "binary"


def test_every_json_success_has_a_schema(doc: dict[str, Any]) -> None:
    for path, method, op in _operations(doc):
        for code, response in op["responses"].items():
            for media_type, body in response.get("content", {}).items():
                if not code.startswith("2"):
                    continue
                schema = body.get("schema") or {}
                if media_type == "application/json" or media_type.endswith("+json"):
                    assert schema not in ({}, {"type": "object"}), (method, path, code)
                    assert schema.get("additionalProperties") != {}, (method, path, code)
                else:  # a file (CSV, XLSX, a photo) or a stream of server-sent events
                    assert schema == {"type": "string", "format": "binary"}, (method, path, code, media_type)


def test_media_types_are_those_the_server_answers_with(doc: dict[str, Any]) -> None:
    def success(path: str) -> dict[str, Any]:
        return dict(doc["paths"][path]["get"]["responses"]["200"]["content"])

    for layer in ("routes", "visits", "due", "territories", "basemap"):
        content = success(f"/api/v1/supervision/{layer}.geojson")
        assert content == {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}
    assert {"image/jpeg", "image/png", "image/webp"} <= set(success("/api/v1/photos/{photo_id}"))
    assert set(success("/api/v1/photos/{photo_id}/thumbnail")) == {"image/jpeg"}
    assert set(success("/api/v1/me/events")) == {"text/event-stream"}


def test_reports_are_typed_with_their_csv_and_xlsx_media_types(doc: dict[str, Any]) -> None:
    typed = {
        "/api/v1/reports/visits": "VisitsReport",
        "/api/v1/reports/coverage": "CoverageReport",
        "/api/v1/reports/sales": "SalesReport",
        "/api/v1/sales/plan-vs-fact": "PlanFactReport",
        "/api/v1/sales/kpis": "KpiReport",
        "/api/v1/sales/active-base": "BaseReport",
        "/api/v1/sales/churn": "ChurnReport",
        "/api/v1/sales/seasonality": "SeasonReport",
        "/api/v1/sales/shelf": "ShelfReport",
        "/api/v1/orders/export": "ExportDocument",
    }
    for path, model in typed.items():
        content = doc["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}, path
        assert {"text/csv", XLSX} <= set(content), path
    for name in ("sales", "seasonality"):
        parameters = doc["paths"][f"/api/v1/reports/{name}"]["get"]["parameters"]
        assert next(p for p in parameters if p["name"] == "from")["required"] is True


def test_revalidated_reads_document_the_etag_and_the_304(doc: dict[str, Any]) -> None:
    for path in ("/api/v1/me/route", "/api/v1/supervision/routes.geojson", "/api/v1/supervision/basemap.geojson"):
        op = doc["paths"][path]["get"]
        assert "content" not in op["responses"]["304"] and "ETag" in op["responses"]["200"]["headers"], path
        assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in op["parameters"]), path
    assert "422" not in doc["paths"]["/api/v1/supervision/basemap.geojson"]["get"]["responses"]


def test_the_route_is_a_route_or_404_never_null(doc: dict[str, Any]) -> None:
    responses = doc["paths"]["/api/v1/me/route"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DayRoute"}
    assert "content" not in responses["304"] and "404" in responses


async def test_the_docs_pages_load_their_scripts_from_this_server(client: httpx.AsyncClient, app: Litestar) -> None:
    for page in ("/schema/swagger", "/schema/redoc"):
        html = (await client.get(page)).text
        scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert scripts and all(url.startswith("/supervisor/assets/docs/") for url in scripts), scripts
    served = await client.get("/schema/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"]["/api/v1/visits"]["post"]["operationId"] == "check_in_visit"


async def test_a_missing_query_parameter_is_named(client: httpx.AsyncClient) -> None:
    from tests.backend.conftest import auth_headers

    headers = await auth_headers(client, "admin@example.com")
    response = await client.get("/api/v1/merges", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "account_id"
