"""The OpenAPI document as the mobile team's contract, finished in this one place for every operation.

Litestar generates the paths, parameters, bodies and success responses from the handlers; `finish`
then adds, for every operation, whatever a new endpoint would otherwise have to declare by hand:

- error responses as `application/problem+json`, all with the one `ProblemDetails` schema (status,
  title, detail, field, errors), and only those the operation can really give: 401 unless public,
  403 when a guard applies, 400 and 413 for a body, 422 for any input, 404 for path ids (out of
  scope is 404), 503 when it is signed in or uses the database, plus every status of the `backend.errors` classes
  the handler's code raises, found by reading the handler and the `backend` functions it calls
  (`raised_statuses`). Litestar's own 400 body, which the server never sends, is dropped;
- `security: []` on the public operations (`PUBLIC_PATHS`);
- an error response a handler declares itself (`responses={503: ResponseSpec(...)}`, /health's body)
  kept as declared instead of a problem;
- the `Idempotent-Replayed` header on the success responses of operations whose docstring names it;
- `text/csv` and XLSX bodies on operations with a `format` query parameter offering them; the media
  types a handler answers with, where it names them (`opt["media_types"]`, a photo's own type), and
  `format: binary` on every success body that is not JSON;
- a multipart request body described by a handler's `opt["multipart_form"]` (for handlers that read
  the form themselves), and a binary body for handlers that read the raw request body as a file;
- examples on the main request bodies (`EXAMPLES`).

Operation ids are the handler names (`operation_id`); descriptions are the handler docstrings.
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.routes import HTTPRoute
from litestar.types import Method

from backend.errors import AppError

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA = "ProblemDetails"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPLAYED_HEADER = "Idempotent-Replayed"

_PROBLEM_COMPONENTS: dict[str, Any] = {
    PROBLEM_SCHEMA: {
        "type": "object",
        "description": "RFC 9457 problem details: every error of this API has this body.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "always about:blank"},
            "title": {"type": "string", "description": "the kind of failure, e.g. 'Invalid input'"},
            "status": {"type": "integer", "description": "the HTTP status"},
            "detail": {"type": "string", "description": "what went wrong, for a person"},
            "field": {"type": "string", "description": "the input at fault (body path or parameter name)"},
            "errors": {
                "type": "array",
                "description": "every bad input (422), one entry per field",
                "items": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}Error"},
            },
        },
        "examples": [
            {
                "type": "about:blank",
                "title": "Invalid input",
                "status": 422,
                "detail": "lat: Expected `float` <= 90.0",
                "field": "lat",
                "errors": [{"field": "lat", "message": "Expected `float` <= 90.0"}],
            }
        ],
    },
    f"{PROBLEM_SCHEMA}Error": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
}

_STATUS_TEXT: dict[int, str] = {
    400: "Malformed body: not valid JSON or form data (`field: body`).",
    401: "No valid access token: missing, expired or revoked (refresh it with /api/v1/auth/refresh).",
    403: "The caller's role may not call this operation.",
    404: "Not found, or outside the caller's scope (another rep's or team's data is never shown).",
    409: "Conflict: the client id was used with another body, or the current state refuses the change.",
    413: "The body is larger than the server accepts.",
    415: "The content is not of a supported type (checked by content, not by name).",
    422: "Invalid input: `field` names the first bad input and `errors` lists each one. Nothing was changed.",
    429: "Too many attempts: retry after `Retry-After` seconds.",
    503: "Temporarily unavailable (database busy or unreachable, storage down): retry after `Retry-After` seconds.",
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
_STATUS_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}

# Main request bodies, as a phone or the console sends them.
EXAMPLES: dict[str, dict[str, Any]] = {
    "LoginRequest": {"email": "rep1@example.com", "password": "correct horse battery staple"},
    "RefreshRequest": {"refresh_token": "<the refresh token of the last login or refresh>"},
    "CheckInRequest": {
        "id": "6f1c2a8e-5b0d-4c3e-9a51-2f7d8c9e0a11",
        "account_id": 42,
        "checked_in_at": "2026-11-23T09:02:11+02:00",
        "lat": 60.16952,
        "lon": 24.93545,
        "accuracy_m": 8.5,
        "mock_location": False,
        "sent_at": "2026-11-23T09:02:12+02:00",
    },
    "CheckOutRequest": {
        "checked_out_at": "2026-11-23T09:24:40+02:00",
        "lat": 60.16949,
        "lon": 24.93551,
        "accuracy_m": 9.0,
        "sent_at": "2026-11-23T09:24:41+02:00",
    },
    "ChecklistRequest": {
        "template_id": 3,
        "answered_at": "2026-11-23T09:20:00+02:00",
        "answers": [
            {"item": "brand_a_listed", "value": True},
            {"item": "share", "value": 35},
            {"item": "shelf_photo", "photo_ids": ["0b7e4f52-9d4c-4f0e-8f61-3c2a1b0d9e88"]},
        ],
    },
    "ReplanRequest": {"lat": 60.1699, "lon": 24.9384, "at": "2026-11-23T12:30:00+02:00"},
}

# Handlers whose name alone does not say what they do (the handler's qualified name -> operation id).
OPERATION_IDS: dict[str, str] = {
    "health": "get_health",
    "SalesController.import_file": "import_sales_file",
    "CatalogueController.import_file": "import_catalogue_file",
    "AuthController.refresh": "refresh_tokens",
    "MeController.me": "get_me",
    "MyAccountsController.list_mine": "list_my_accounts",
    "VisitsController.check_out": "checkout_visit",
    "MyRouteController.my_route": "get_my_route",
    "MyRouteController.replan_mine": "replan_my_route",
    "TeamRoutesController.rep_route": "get_rep_route",
    "TeamRoutesController.replan_rep": "replan_rep_route",
    "ReportsController.visits": "get_visits_report",
    "ReportsController.coverage": "get_coverage_report",
    "ReportsController.sales": "get_sales_report",
    "ReportsController.seasonality": "get_seasonality_report",
    "SupervisionController.basemap": "get_basemap",
    "SupervisionController.due": "get_due_visits_map",
    "SupervisionController.reps": "list_team_reps",
    "SupervisionController.routes": "get_routes_map",
    "SupervisionController.territories": "get_territories_map",
    "SupervisionController.visits": "get_visits_map",
    "SyncController.changes": "get_sync_changes",
    "TerritoriesController.coverage_all": "get_territories_coverage",
    "TerritoriesController.coverage_one": "get_territory_coverage",
    "LeadsController.unassigned": "list_unassigned_leads",
    "PlanningRunsController.get_run": "get_planning_run",
    "TasksController.list_day": "list_rep_tasks",
    "PhotosController.get_info": "get_photo_info",
    "DuplicatesController.list_pairs": "list_duplicate_pairs",
    "VisitChecklistController.get_checklist": "get_visit_checklist",
    "ChecklistTemplatesController.get_template": "get_checklist_template",
    "ChecklistTemplatesController.list_templates": "list_checklist_templates",
    "AuthController.login": "login_user",
    "AuthController.logout": "logout_user",
    "VisitsController.check_in": "check_in_visit",
    "VisitChecklistController.submit": "submit_visit_checklist",
    "PhotosController.list_photos": "list_visit_photos",
    "PhotosController.get_thumbnail": "get_photo_thumbnail",
    "TasksController.add": "add_rep_task",
    "OrdersController.move_order": "move_order_status",
    "AccountSalesController.list_not_bought": "list_account_not_bought",
    "AccountSalesController.list_cross_sell": "list_account_cross_sell",
}
# Bare verbs get the resource they act on: POST /api/v1/leads `create` -> create_lead.
_VERBS = frozenset(
    {"create", "list", "get", "update", "add", "start", "submit", "assign", "dismiss", "merge", "undo", "upload"}
)
_LIST_VERBS = frozenset({"list"})


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _app_of(route_handler: HTTPRouteHandler) -> Litestar | None:
    owner: Any = route_handler.owner
    while owner is not None and not isinstance(owner, Litestar):
        owner = getattr(owner, "owner", None)
    return owner


def _shared_names(app: Litestar) -> frozenset[str]:
    """Handler names used by more than one handler of the app (two features' `import_file`)."""
    shared: frozenset[str] | None = app.state.get("openapi_shared_names")
    if shared is None:
        names = Counter(
            handler.handler_name
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for handler in route.route_handlers
            if getattr(handler.fn, "__qualname__", "") not in OPERATION_IDS
        )
        shared = frozenset(name for name, count in names.items() if count > 1)
        app.state.openapi_shared_names = shared
    return shared


def operation_id(route_handler: HTTPRouteHandler, http_method: Method, path_components: Sequence[Any]) -> str:
    """A natural snake_case id: the handler's name, made specific where it is a bare verb (the
    resource it acts on) or where two features use the same name (the feature first)."""
    fn = route_handler.fn
    qualname = getattr(fn, "__qualname__", route_handler.handler_name)
    if qualname in OPERATION_IDS:
        return OPERATION_IDS[qualname]
    name = route_handler.handler_name
    segments = [part for part in path_components if isinstance(part, str) and part and part not in {"api", "v1"}]
    if name in _VERBS:
        resources = [part for part in segments if part != name]
        resource = resources[-1].replace("-", "_").split(".")[0] if resources else "item"
        return f"{name}_{resource if name in _LIST_VERBS else _singular(resource)}"
    app = _app_of(route_handler)
    if app is not None and name in _shared_names(app) and segments:
        return f"{segments[0].replace('-', '_')}_{name}"
    return name


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        if isinstance(owner, ModuleType | type):
            return getattr(owner, node.attr, None)
    return None


def _status_of(obj: Any) -> int | None:
    if isinstance(obj, type) and issubclass(obj, AppError):
        return int(obj.status)
    if isinstance(obj, type) and issubclass(obj, HTTPException) and obj.status_code:
        return int(obj.status_code)
    return None


_RAISED: dict[Callable[..., Any], frozenset[int]] = {}


def raised_statuses(fn: Callable[..., Any], _seen: set[Callable[..., Any]] | None = None) -> frozenset[int]:
    """Statuses of the `backend.errors` (and Litestar HTTP) exceptions that `fn`, or a `backend`
    function it calls, raises: read from the source, following calls by name through modules."""
    fn = inspect.unwrap(fn)
    if fn in _RAISED:
        return _RAISED[fn]
    seen = _seen if _seen is not None else set()
    if fn in seen:
        return frozenset()
    seen.add(fn)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    namespace = getattr(fn, "__globals__", {})
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            status = _status_of(_resolve(target, namespace))
            if status is not None:
                found.add(status)
        elif isinstance(node, ast.Call):
            callee = _resolve(node.func, namespace)
            if inspect.isfunction(callee) and callee.__module__.startswith("backend."):
                found |= raised_statuses(callee, seen)
    result = frozenset(found)
    if _seen is None:
        _RAISED[fn] = result
    return result


def _reads_raw_body(handler: HTTPRouteHandler) -> bool:
    """A handler that takes the request body as bytes itself (a file upload without a form)."""
    try:
        source = inspect.getsource(inspect.unwrap(handler.fn))
    except (OSError, TypeError):
        return False
    return re.search(r"await\s+request\.body\(\)", source) is not None


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    found[(route.path_format or "/", method.lower())] = handler
    return found


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _STATUS_TEXT.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}}},
    }
    if status in _STATUS_HEADERS:
        response["headers"] = copy.deepcopy(_STATUS_HEADERS[status])
    return response


_DATABASE_DEPENDENCIES = frozenset({"conn", "transactions"})


def problem_statuses(handler: HTTPRouteHandler, operation: dict[str, Any], *, public: bool) -> set[int]:
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    statuses = set(raised_statuses(handler.fn))
    if not public:
        statuses.add(401)
    if handler.resolve_guards():
        statuses.add(403)
    if has_body:
        statuses |= {400, 413, 422}
    if parameters:
        statuses.add(422)
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if not public or _DATABASE_DEPENDENCIES & set(handler.parsed_fn_signature.parameters):
        statuses.add(503)  # the database is busy or unreachable (a signed-in caller's session is checked there too)
    return {status for status in statuses if 400 <= status < 600}


def _is_public(path: str, public_paths: Sequence[str]) -> bool:
    return any(re.search(pattern, path) for pattern in public_paths)


def _format_media_types(operation: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    for parameter in operation.get("parameters") or []:
        if parameter.get("name") != "format" or parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        refs = [schema.get("$ref")] + [part.get("$ref") for part in schema.get("allOf", []) + schema.get("oneOf", [])]
        values: list[str] = list(schema.get("enum", []))
        for ref in filter(None, refs):
            values += schemas.get(str(ref).rsplit("/", 1)[-1], {}).get("enum", [])
        return [media for value, media in (("csv", "text/csv"), ("xlsx", XLSX)) if value in values]
    return []


def finish(app: Litestar, raw: dict[str, Any], public_paths: Sequence[str]) -> dict[str, Any]:
    """The document served at /schema: Litestar's, completed as the module docstring says."""
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(raw))  # a JSON-only copy
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(copy.deepcopy(_PROBLEM_COMPONENTS))
    for name, example in EXAMPLES.items():
        if name in schemas:
            schemas[name]["examples"] = [example]
    handlers = _handlers(app)
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            handler = handlers.get((path, method))
            if handler is None or not isinstance(operation, dict) or "responses" not in operation:
                continue
            public = _is_public(path, public_paths)
            if public:
                operation["security"] = []
            form = handler.opt.get("multipart_form")
            if form is None and "requestBody" not in operation and _reads_raw_body(handler):
                operation["requestBody"] = {
                    "required": True,
                    "description": "the file itself, as the request body",
                    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                }
            if form is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": copy.deepcopy(form)}},
                }
            # A handler's own `responses={503: ResponseSpec(...)}` is what it really answers (/health's
            # body): kept as declared. Every other error is a problem, added below.
            declared = {str(code) for code in handler.responses or {}}
            responses: dict[str, Any] = {
                code: response
                for code, response in operation["responses"].items()
                if not code.startswith(("4", "5")) or code in declared
            }
            for code in responses:
                if code == "304":
                    responses[code].pop("content", None)  # not modified: never a body
            docstring = inspect.getdoc(handler.fn) or ""
            for code, response in responses.items():
                if code.startswith("2") and REPLAYED_HEADER in docstring:
                    response.setdefault("headers", {})[REPLAYED_HEADER] = {
                        "description": "true when this answer replays a stored one (same client id)",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
            success = next((responses[code] for code in sorted(responses) if code.startswith("2")), None)
            if success is not None and handler.opt.get("media_types"):
                success["content"] = {media: {"schema": {"type": "string"}} for media in handler.opt["media_types"]}
            for code, response in responses.items():
                for media_type, body in response.get("content", {}).items():
                    if code.startswith("2") and "json" not in media_type and body.get("schema") == {"type": "string"}:
                        body["schema"]["format"] = "binary"  # a file's bytes (a photo, a thumbnail)
            if success is not None and "content" in success:
                for media_type in _format_media_types(operation, schemas):
                    success["content"][media_type] = {"schema": {"type": "string", "format": "binary"}}
            for status in sorted(problem_statuses(handler, operation, public=public)):
                if str(status) not in declared:
                    responses[str(status)] = _problem_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    return document


def _document(request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> dict[str, Any]:
    state = request.app.state
    cached: dict[str, Any] | None = state.get("openapi_document")
    if cached is None:
        from backend.http.security import PUBLIC_PATHS

        cached = finish(request.app, openapi_schema, PUBLIC_PATHS)
        state.openapi_document = cached
    return cached


class ContractJson(JsonRenderPlugin):
    """/schema/openapi.json: the finished document."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, _document(request, openapi_schema))


class LocalSwagger(SwaggerRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, _document(request, openapi_schema))


class LocalRedoc(RedocRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, _document(request, openapi_schema))


def render_plugins(assets: str = "/supervisor/assets/docs") -> list[OpenAPIRenderPlugin]:
    """JSON, Swagger UI and Redoc, their scripts served by this app (built from npm `swagger-ui-dist`
    and `redoc` with the console): the pages work offline, no CDN."""
    return [
        ContractJson(path="/openapi.json"),
        LocalSwagger(
            js_url=f"{assets}/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
            path="/swagger",
            favicon="",
        ),
        LocalRedoc(js_url=f"{assets}/redoc.standalone.js", google_fonts=False, path="/redoc", favicon=""),
    ]


def document(app: Litestar) -> dict[str, Any]:
    """The finished document of `app` (what /schema/openapi.json serves), for tests and the CLI."""
    from backend.http.security import PUBLIC_PATHS

    return finish(app, app.openapi_schema.to_schema(), PUBLIC_PATHS)
