"""HTTP: checklist templates (admin) and a visit's checklist."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody

from backend.auth.principal import Role
from backend.checklists import service
from backend.checklists.schemas import (
    ChecklistRequest,
    ChecklistResult,
    ItemsInvalid,
    Template,
    TemplateList,
    TemplateRequest,
    VisitChecklist,
)
from backend.http.dependencies import AppSettings, Caller, Conn
from backend.http.problems import problem
from backend.http.security import requires_role


def on_items_invalid(_: Request[Any, Any, Any], exc: ItemsInvalid) -> Response[dict[str, Any]]:
    """422 problem+json with `errors`: one {field, message} per bad item."""
    return problem(exc.status, exc.title, exc.detail, field=exc.field, errors=exc.errors)


class ChecklistTemplatesController(Controller):
    path = "/api/v1/checklist-templates"
    tags = ["checklists"]
    exception_handlers = {ItemsInvalid: on_items_invalid}

    @post("", status_code=201, guards=[requires_role(Role.ADMIN)], summary="Create a template or its next version")
    async def create(self, data: JSONBody[TemplateRequest], conn: Conn, principal: Caller) -> Template:
        """Posting an existing `code` creates its next version; answers keep the version they were filled on."""
        return await service.create_template(conn, principal, data)

    @get("", summary="The latest version of every template")
    async def list_templates(self, conn: Conn) -> TemplateList:
        return await service.list_templates(conn)

    @get("/{template_id:int}", summary="One template version")
    async def get_template(self, conn: Conn, template_id: FromPath[int]) -> Template:
        return await service.get_template(conn, template_id)


class VisitChecklistController(Controller):
    path = "/api/v1/visits/{visit_id:uuid}/checklist"
    tags = ["checklists"]
    exception_handlers = {ItemsInvalid: on_items_invalid}

    @get("", summary="The templates assigned to the visit's account and the stored answers")
    async def get_checklist(self, conn: Conn, principal: Caller, visit_id: FromPath[uuid.UUID]) -> VisitChecklist:
        return await service.visit_checklist(conn, principal, visit_id)

    @put("", guards=[requires_role(Role.REP)], summary="Submit the visit's answers for one template version")
    async def submit(
        self,
        data: JSONBody[ChecklistRequest],
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        visit_id: FromPath[uuid.UUID],
    ) -> Response[ChecklistResult]:
        """422 names every bad item (`errors[].field` = `answers.<item key>`); the same body again
        replays (header `Idempotent-Replayed: true`); another body for the same visit and template is 409."""
        result, replayed = await service.submit(conn, settings, principal, visit_id, data)
        return Response(content=result, status_code=200, headers={"Idempotent-Replayed": "true"} if replayed else {})
