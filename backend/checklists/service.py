"""Checklist templates (versioned) and a visit's answers: validated by `visits.checklists`, scored
by its documented "perfect store" rule, stored once per visit and template version."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.catalogue import service as catalogue
from backend.checklists import repository
from backend.checklists.schemas import (
    ChecklistRequest,
    ChecklistResult,
    ItemsInvalid,
    Template,
    TemplateList,
    TemplateRequest,
    VisitChecklist,
    VisitRef,
)
from backend.errors import Conflict, InvalidInput, NotFound
from backend.idempotency import service as idempotency
from backend.settings import Settings
from backend.visits import service as visits
from visits.checklists import ItemError, score, template_problems, validate_answers

SCOPE = "visit.checklist"


def _raise_item_errors(prefix: str, problems: list[ItemError], what: str) -> None:
    errors = [{"field": f"{prefix}.{problem.item}", "message": problem.message} for problem in problems]
    detail = f"{what}: " + "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    raise ItemsInvalid(detail, errors, field=str(errors[0]["field"]))


async def create_template(conn: asyncpg.Connection, principal: Principal, request: TemplateRequest) -> Template:
    problems = template_problems(request.items)
    problems += await catalogue.unknown_references(conn, request.items)
    if problems:
        _raise_item_errors("items", problems, "the template is not valid")
    return await repository.insert_template(
        conn,
        code=request.code,
        name=request.name.strip(),
        items=msgspec.to_builtins(request.items),
        channels=list(request.channels),
        classes=list(request.classes),
        account_ids=list(request.account_ids),
        created_by=principal.user_id,
    )


async def list_templates(conn: asyncpg.Connection) -> TemplateList:
    return TemplateList(items=await repository.latest_templates(conn))


async def get_template(conn: asyncpg.Connection, template_id: int) -> Template:
    template = await repository.template_by_id(conn, template_id)
    if template is None:
        raise NotFound(f"template {template_id} not found", field="template_id")
    return template


async def _visit(conn: asyncpg.Connection, principal: Principal, visit_id: uuid.UUID, *, reading: bool) -> VisitRef:
    visit = await repository.visit_for(conn, visit_id, principal.role.value, principal.user_id, reading=reading)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found", field="visit_id")
    return visit


async def visit_checklist(conn: asyncpg.Connection, principal: Principal, visit_id: uuid.UUID) -> VisitChecklist:
    visit = await _visit(conn, principal, visit_id, reading=True)
    return VisitChecklist(
        templates=await repository.templates_for_account(conn, visit.account_id),
        results=await repository.answers_of_visit(conn, visit_id),
    )


async def submit(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, visit_id: uuid.UUID, request: ChecklistRequest
) -> tuple[ChecklistResult, bool]:
    """Store a visit's answers for one template version; (result, replayed).

    Idempotent by (visit, template version): the same body replays, another body is a 409 (the
    answers of a visit are final once accepted). Invalid answers are a 422 naming every bad item,
    and store nothing.
    """
    visit = await _visit(conn, principal, visit_id, reading=False)
    key = f"{visit_id}/{request.template_id}"
    body = idempotency.fingerprint(request)
    stored = await idempotency.begin(conn, principal.user_id, SCOPE, key, body, settings.idempotency_ttl_s)
    if stored is not None:
        return msgspec.convert(stored.response, ChecklistResult), True
    template = await repository.template_by_id(conn, request.template_id)
    if template is None or not await repository.template_applies(conn, template.id, visit.account_id):
        raise InvalidInput(
            f"template {request.template_id} is not assigned to this visit's account", field="template_id"
        )
    problems = validate_answers(template.items, request.answers)
    if problems:
        _raise_item_errors("answers", problems, "the checklist has bad answers")
    result = score(template.items, request.answers)
    inserted = await repository.insert_answers(
        conn,
        visit_id=visit_id,
        template_id=template.id,
        answers=msgspec.to_builtins(request.answers),
        score_pct=result.score_pct,
        score_parts=msgspec.to_builtins(result.parts),
        answered_at=request.answered_at,
    )
    if not inserted:  # pragma: no cover - the idempotency key serialises writers of one visit
        raise Conflict("answers for this visit and template are already stored", field="template_id")
    await visits.checklist_answered(conn, visit_id)
    saved = next(item for item in await repository.answers_of_visit(conn, visit_id) if item.template_id == template.id)
    await idempotency.finish(conn, principal.user_id, SCOPE, key, 200, saved)
    return saved, False
