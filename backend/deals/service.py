"""Deals: pipelines with ordered stages, sales roles, deals moved stage by stage, and hand-overs by
rule or by hand.

Rules (the pure ones in `backend.deals.rules`):

- A pipeline's stages are validated as a whole (`stages_problem`): exactly one key stage, at most one
  qualified stage, at least one open, one won and one lost stage, open stages first. Its stages cannot
  change while it holds deals (names and norm days may); a new pipeline is the way to a new funnel.
- A deal is opened at the pipeline's first stage, idempotent by the client's id (as orders); one open
  deal per account and pipeline. Every stage change (the opening included, from no stage) is a
  `deal_stage_changes` row with who and when (the injected business clock).
- A move may not skip a required stage it has never been in; lost needs a reason; won in a pipeline
  with `won_requires_order` needs an order of the account (not draft, not cancelled) taken since the
  deal was opened; a won or lost deal does not move.
- Hand-over rules are data. `stage_reached`: a forward move that reaches the rule's stage gives the
  deal to the person holding `to_role` for the account's territory. `first_delivered_order`: the
  first time an order of an account is delivered, an account with a won deal in the rule's pipeline
  gets that person as its account manager. No one holding the role: nothing moves, and the answer
  says why. Each hand-over writes a `handovers` row and notifies the new and the previous owner.
- Who: anyone reads the deals of the accounts they read (`readable_account_ids`, migration 0017: the
  accounts they see and those they or their team handed over, the account card's rule) and the deals
  they (or their team) own; the owner, their supervisor or an admin moves a deal; a
  supervisor or an admin hands one over by hand, to a person they see with the needed sales role.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import asyncpg
import msgspec

from backend.auth.principal import Principal
from backend.deals import repository
from backend.deals.rules import reaches, skipped_required, stages_problem
from backend.deals.schemas import (
    AccountRef,
    Deal,
    DealPage,
    DealRequest,
    DealRow,
    Goal,
    HandoverOutcome,
    HandoverRequest,
    HandoverRule,
    HandoverRuleList,
    HandoverRuleRequest,
    HandoverRuleUpdate,
    Outcome,
    Pipeline,
    PipelineList,
    PipelineRequest,
    Replayed,
    SalesRole,
    Source,
    Stage,
    StageMoveRequest,
    StageRequest,
    TerritoryRoleList,
    Trigger,
    UserSalesRole,
)
from backend.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.events import service as events
from backend.idempotency import service as idempotency
from backend.pagination import decode_cursor, encode_cursor
from backend.settings import Settings

log = logging.getLogger("fieldsales.deals")

CREATE = "deal.create"
HANDOVER_KIND = "handover"


# --- pipelines -------------------------------------------------------------------------------------


def _check_stages(stages: list[StageRequest]) -> None:
    problem = stages_problem(stages)
    if problem is not None:
        field, message = problem
        raise InvalidInput(message, field=field)


async def _pipeline(conn: asyncpg.Connection, pipeline_id: int) -> Pipeline:
    found = await repository.pipelines(conn, pipeline_id)
    if not found:
        raise NotFound(f"pipeline {pipeline_id} not found", field="pipeline_id")
    return found[0]


async def create_pipeline(conn: asyncpg.Connection, request: PipelineRequest) -> Pipeline:
    _check_stages(request.stages)
    pipeline_id = await repository.insert_pipeline(
        conn, request.code, request.name, request.goal.value, request.won_requires_order, request.is_active
    )
    if pipeline_id is None:
        raise Conflict(f"a pipeline with code {request.code!r} exists", field="code")
    await repository.insert_stages(conn, pipeline_id, list(enumerate(request.stages)))
    return await _pipeline(conn, pipeline_id)


def _shape(stages: list[Stage] | list[StageRequest]) -> list[tuple[str, str, bool, bool, bool]]:
    """What a stage list means for the deals in it (names and norm days aside)."""
    return [(s.code, str(s.outcome), s.is_key, s.is_qualified, s.required) for s in stages]


async def update_pipeline(conn: asyncpg.Connection, pipeline_id: int, request: PipelineRequest) -> Pipeline:
    """Replaces the pipeline's fields and stages. Stages are matched by code (kept stages keep their
    ids). While the pipeline holds deals, only names, norm days and the pipeline's own fields may
    change: 409 naming `stages` otherwise."""
    if not await repository.lock_pipeline(conn, pipeline_id):
        raise NotFound(f"pipeline {pipeline_id} not found", field="pipeline_id")
    _check_stages(request.stages)
    current = await _pipeline(conn, pipeline_id)
    if current.deal_count and _shape(current.stages) != _shape(request.stages):
        raise Conflict(
            f"pipeline {current.code!r} holds {current.deal_count} deals: its stages (codes, order, outcome, "
            "key, qualified, required) cannot change; names and norm_days can. Create a new pipeline instead",
            field="stages",
        )
    updated = await repository.update_pipeline(
        conn,
        pipeline_id,
        request.code,
        request.name,
        request.goal.value,
        request.won_requires_order,
        request.is_active,
    )
    if not updated:
        raise Conflict(f"a pipeline with code {request.code!r} exists", field="code")
    await repository.rewrite_stages(conn, pipeline_id, request.stages)
    return await _pipeline(conn, pipeline_id)


async def list_pipelines(conn: asyncpg.Connection) -> PipelineList:
    return PipelineList(items=await repository.pipelines(conn))


def _stage(stages: list[Stage], ref: int | str, field: str = "stage") -> Stage:
    for stage in stages:
        if (isinstance(ref, int) and stage.id == ref) or (isinstance(ref, str) and stage.code == ref):
            return stage
    codes = ", ".join(stage.code for stage in stages)
    raise InvalidInput(f"no stage {ref!r} in this pipeline (its stages: {codes})", field=field)


async def create_rule(conn: asyncpg.Connection, pipeline_id: int, request: HandoverRuleRequest) -> HandoverRule:
    pipeline = await _pipeline(conn, pipeline_id)
    stage_id: int | None = None
    if request.trigger is Trigger.STAGE_REACHED:
        if request.stage is None:
            raise InvalidInput("a stage_reached rule names its stage (id or code)", field="stage")
        stage = _stage(pipeline.stages, request.stage)
        if stage.outcome == Outcome.LOST.value:
            raise InvalidInput("a lost deal is not handed over; choose an open or won stage", field="stage")
        stage_id = stage.id
    elif request.stage is not None:
        raise InvalidInput("only a stage_reached rule names a stage", field="stage")
    if request.is_active:
        other = await repository.active_rule_like(conn, pipeline_id, request.trigger.value, stage_id)
        if other is not None:
            raise Conflict(f"active rule {other} already has this trigger; deactivate it first", field="trigger")
    rule_id = await repository.insert_rule(
        conn,
        pipeline_id,
        request.trigger.value,
        stage_id,
        None if request.from_role is None else request.from_role.value,
        request.to_role.value,
        request.is_active,
    )
    return (await repository.rules_of_pipeline(conn, pipeline_id, rule_id))[0]


async def list_rules(conn: asyncpg.Connection, pipeline_id: int) -> HandoverRuleList:
    await _pipeline(conn, pipeline_id)
    return HandoverRuleList(items=await repository.rules_of_pipeline(conn, pipeline_id))


async def update_rule(
    conn: asyncpg.Connection, pipeline_id: int, rule_id: int, request: HandoverRuleUpdate
) -> HandoverRule:
    found = await repository.rules_of_pipeline(conn, pipeline_id, rule_id)
    if not found:
        raise NotFound(f"rule {rule_id} of pipeline {pipeline_id} not found", field="rule_id")
    rule = found[0]
    if request.is_active and not rule.is_active:
        other = await repository.active_rule_like(conn, pipeline_id, rule.trigger, rule.stage_id, rule_id)
        if other is not None:
            raise Conflict(f"active rule {other} already has this trigger; deactivate it first", field="is_active")
    await repository.set_rule_active(conn, pipeline_id, rule_id, request.is_active)
    return (await repository.rules_of_pipeline(conn, pipeline_id, rule_id))[0]


# --- the demo's default pipeline -------------------------------------------------------------------

DEFAULT_PIPELINE = PipelineRequest(
    code="new-customer",
    name="New customer (wine distributor)",
    goal=Goal.NEW_CUSTOMER,
    won_requires_order=True,
    stages=[
        StageRequest(code="lead", name="Lead", norm_days=7),
        StageRequest(code="contacted", name="Contacted", norm_days=7),
        StageRequest(code="qualified", name="Qualified", is_qualified=True, norm_days=14),
        StageRequest(code="tasting", name="Tasting", is_key=True, required=True, norm_days=14),
        StageRequest(code="offer", name="Offer", norm_days=14),
        StageRequest(code="won", name="Won", outcome=Outcome.WON),
        StageRequest(code="lost", name="Lost", outcome=Outcome.LOST),
    ],
)
DEFAULT_RULES = [
    HandoverRuleRequest(trigger=Trigger.STAGE_REACHED, stage="tasting", to_role=SalesRole.CLOSER),
    HandoverRuleRequest(trigger=Trigger.FIRST_DELIVERED_ORDER, to_role=SalesRole.FARMER),
]


async def ensure_default_pipeline(conn: asyncpg.Connection) -> int:
    """The wine distributor's `new-customer` pipeline and its hand-over rules (the tasting goes to the
    territory's closer, the first delivered order to its farmer); created once, returns its id."""
    found = await repository.pipeline_by_ref(conn, DEFAULT_PIPELINE.code)
    if found is not None:
        return found.id
    pipeline = await create_pipeline(conn, DEFAULT_PIPELINE)
    for rule in DEFAULT_RULES:
        await create_rule(conn, pipeline.id, rule)
    return pipeline.id


# --- sales roles -----------------------------------------------------------------------------------


async def set_sales_role(conn: asyncpg.Connection, user_id: int, sales_role: SalesRole | None) -> UserSalesRole:
    """A user's sales role (None: out of the funnel). Refused (409) while they hold another role for a
    territory: the territory would name someone who no longer plays that role."""
    current = await repository.user_sales_role(conn, user_id)
    if current is None:
        raise NotFound(f"user {user_id} not found", field="user_id")
    value = None if sales_role is None else sales_role.value
    held = await repository.territories_held_in_other_role(conn, user_id, value)
    if held:
        raise Conflict(
            f"user {user_id} plays {current.sales_role} for territories {held}; name someone else there first",
            field="sales_role",
        )
    await repository.set_user_sales_role(conn, user_id, value)
    updated = await repository.user_sales_role(conn, user_id)
    assert updated is not None
    return updated


async def _territory(conn: asyncpg.Connection, principal: Principal, territory_id: int) -> None:
    if not await repository.territory_in_scope(conn, principal.role.value, principal.user_id, territory_id):
        raise NotFound(f"territory {territory_id} not found", field="territory_id")


def _sales_role(value: str, field: str) -> SalesRole:
    try:
        return SalesRole(value)
    except ValueError as exc:
        names = ", ".join(role.value for role in SalesRole)
        raise InvalidInput(f"{value!r} is not a sales role ({names})", field=field) from exc


async def set_territory_role(
    conn: asyncpg.Connection, principal: Principal, territory_id: int, role: str, user_id: int | None
) -> TerritoryRoleList:
    """Who plays `role` for the territory (None: no one). The user must have that sales role (422
    naming `user_id`)."""
    sales_role = _sales_role(role, "role")
    await _territory(conn, principal, territory_id)
    await assign_territory_role(conn, territory_id, sales_role, user_id)
    return TerritoryRoleList(territory_id=territory_id, items=await repository.territory_roles(conn, territory_id))


async def assign_territory_role(
    conn: asyncpg.Connection, territory_id: int, sales_role: SalesRole, user_id: int | None
) -> None:
    """Who plays `sales_role` for the territory, unscoped (the admin API, the CLI and the demo)."""
    if user_id is not None:
        user = await repository.user_ref(conn, user_id)
        if user is None or not user.is_active:
            raise InvalidInput(f"no active user {user_id}", field="user_id")
        if user.sales_role != sales_role.value:
            has = f"is a {user.sales_role}" if user.sales_role else "has no sales role"
            raise InvalidInput(
                f"user {user_id} {has}; set their sales role to {sales_role.value} first", field="user_id"
            )
    await repository.set_territory_role(conn, territory_id, sales_role.value, user_id)


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> int:
    user_id = await repository.user_id_by_email(conn, email.strip().lower())
    if user_id is None:
        raise NotFound(f"no user with email {email}", field="email")
    return user_id


async def territory_id_by_code(conn: asyncpg.Connection, code: str) -> int:
    territory_id = await repository.territory_id_by_code(conn, code)
    if territory_id is None:
        raise NotFound(f"no territory with code {code}", field="territory")
    return territory_id


async def territory_roles(conn: asyncpg.Connection, principal: Principal, territory_id: int) -> TerritoryRoleList:
    await _territory(conn, principal, territory_id)
    return TerritoryRoleList(territory_id=territory_id, items=await repository.territory_roles(conn, territory_id))


# --- deals -----------------------------------------------------------------------------------------


async def _deal(
    conn: asyncpg.Connection, principal: Principal, deal_id: uuid.UUID, outcomes: list[HandoverOutcome] | None = None
) -> Deal:
    summary = await repository.deal_in_scope(conn, principal.role.value, principal.user_id, deal_id)
    if summary is None:
        raise NotFound(f"deal {deal_id} not found", field="deal_id")
    return Deal(
        **msgspec.structs.asdict(summary),
        history=await repository.deal_history(conn, deal_id),
        handovers=await repository.deal_handovers(conn, deal_id),
        handover_outcomes=outcomes or [],
    )


async def create_deal(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, request: DealRequest, now: dt.datetime
) -> Replayed:
    user_id = principal.user_id
    body = idempotency.fingerprint(request)
    stored = await idempotency.begin(conn, user_id, CREATE, str(request.id), body, settings.idempotency_ttl_s)
    if stored is not None:
        return Replayed(msgspec.convert(stored.response, Deal), stored.status_code, True)
    account = await repository.account_in_scope(conn, principal.role.value, user_id, request.account_id)
    if account is None:
        raise NotFound(f"account {request.account_id} not found", field="account_id")
    pipeline = await repository.pipeline_by_ref(conn, request.pipeline)
    if pipeline is None:
        raise InvalidInput(f"no pipeline {request.pipeline!r}", field="pipeline")
    if not pipeline.is_active:
        raise InvalidInput(f"pipeline {request.pipeline!r} is not active", field="pipeline")
    owner_id = user_id if request.owner_id is None else request.owner_id
    if owner_id != user_id:
        owner = await repository.user_ref(conn, owner_id)
        visible = await repository.rep_visible(conn, principal.role.value, user_id, owner_id)
        if owner is None or not owner.is_active or not visible:
            raise InvalidInput(f"user {owner_id} is not someone you can give a deal to", field="owner_id")
    outcomes = await _open(
        conn,
        deal_id=request.id,
        pipeline_id=pipeline.id,
        account=account,
        owner_id=owner_id,
        source=request.source.value,
        amount=request.amount,
        expected_close_day=request.expected_close_day,
        title=request.title,
        created_by=user_id,
        now=now,
    )
    deal = await _deal(conn, principal, request.id, outcomes)
    await idempotency.finish(conn, user_id, CREATE, str(request.id), 201, deal)
    return Replayed(deal, 201, False)


async def _open(
    conn: asyncpg.Connection,
    *,
    deal_id: uuid.UUID,
    pipeline_id: int,
    account: AccountRef,
    owner_id: int,
    source: str,
    amount: float | None,
    expected_close_day: dt.date | None,
    title: str | None,
    created_by: int | None,
    now: dt.datetime,
) -> list[HandoverOutcome]:
    stages = (await repository.pipelines(conn, pipeline_id))[0].stages
    first = stages[0]
    inserted = await repository.insert_deal(
        conn,
        deal_id=deal_id,
        pipeline_id=pipeline_id,
        account_id=account.id,
        stage_id=first.id,
        owner_id=owner_id,
        source=source,
        amount=amount,
        expected_close_day=expected_close_day,
        title=title,
        created_by=created_by,
        now=now,
    )
    if not inserted:
        if await repository.deal_exists(conn, deal_id):
            raise Conflict(f"deal id {deal_id} is already taken; generate a new UUID", field="id")
        existing = await repository.open_deal_of(conn, account.id, pipeline_id)
        raise Conflict(f"account {account.id} already has open deal {existing} in this pipeline", field="account_id")
    await repository.insert_stage_change(conn, deal_id, None, first.id, created_by, now)
    row = await repository.lock_deal(conn, deal_id)
    assert row is not None
    return await _apply_stage_rules(conn, row, None, first, account.name, created_by, now)


async def open_lead_deal(
    conn: asyncpg.Connection, account_id: int, owner_id: int, now: dt.datetime
) -> uuid.UUID | None:
    """A lead a rep captures opens a deal in the default active `new_customer` pipeline, owned by the
    capturer, source `field`, or `telemarketing` when the capturer is a telemarketer (None when there
    is no such pipeline)."""
    pipeline_id = await repository.default_pipeline(conn, Goal.NEW_CUSTOMER.value)
    account = await repository.lock_account(conn, account_id)
    if pipeline_id is None or account is None:
        return None
    capturer = await repository.user_ref(conn, owner_id)
    telemarketing = capturer is not None and capturer.sales_role == SalesRole.TELEMARKETER.value
    deal_id = uuid.uuid4()
    await _open(
        conn,
        deal_id=deal_id,
        pipeline_id=pipeline_id,
        account=account,
        owner_id=owner_id,
        source=(Source.TELEMARKETING if telemarketing else Source.FIELD).value,
        amount=None,
        expected_close_day=None,
        title=None,
        created_by=owner_id,
        now=now,
    )
    return deal_id


async def get_deal(conn: asyncpg.Connection, principal: Principal, deal_id: uuid.UUID) -> Deal:
    return await _deal(conn, principal, deal_id)


async def list_deals(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    pipeline: int | str | None,
    stage: str | None,
    owner_id: int | None,
    status: str | None,
    account_id: int | None,
    cursor: str | None,
    limit: int,
) -> DealPage:
    role, user_id = principal.role.value, principal.user_id
    pipeline_id: int | None = None
    if pipeline is not None:
        found = await repository.pipeline_by_ref(conn, pipeline)
        if found is None:
            raise InvalidInput(f"no pipeline {pipeline!r}", field="pipeline")
        pipeline_id = found.id
    if owner_id is not None and not await repository.rep_visible(conn, role, user_id, owner_id):
        raise NotFound(f"user {owner_id} not found", field="owner_id")
    if account_id is not None and not await repository.account_readable(conn, role, user_id, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")
    after: tuple[dt.datetime, uuid.UUID] | None = None
    if cursor is not None:
        created, last_id = decode_cursor(cursor, (str, str))
        try:
            after = (dt.datetime.fromisoformat(str(created)), uuid.UUID(str(last_id)))
        except ValueError as exc:
            raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
    items = await repository.list_deals(
        conn,
        role,
        user_id,
        pipeline_id=pipeline_id,
        stage=stage,
        owner_id=owner_id,
        status=status,
        account_id=account_id,
        limit=limit + 1,
        after=after,
    )
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor([items[-1].created_at.isoformat(), str(items[-1].id)]) if more else None
    return DealPage(items=items, next_cursor=next_cursor)


async def _writable_row(conn: asyncpg.Connection, principal: Principal, deal_id: uuid.UUID) -> DealRow:
    await _deal(conn, principal, deal_id)  # 404 when out of scope
    if not await repository.deal_writable(conn, principal.role.value, principal.user_id, deal_id):
        raise Forbidden("only the deal's owner, their supervisor or an admin may change it", field="deal_id")
    row = await repository.lock_deal(conn, deal_id)
    assert row is not None
    return row


async def move_stage(
    conn: asyncpg.Connection, principal: Principal, deal_id: uuid.UUID, request: StageMoveRequest, now: dt.datetime
) -> Deal:
    row = await _writable_row(conn, principal, deal_id)
    if row.status != Outcome.OPEN.value:
        raise Conflict(f"the deal is {row.status}; a closed deal does not move", field="stage")
    pipeline = (await repository.pipelines(conn, row.pipeline_id))[0]
    current = next(stage for stage in pipeline.stages if stage.id == row.stage_id)
    target = _stage(pipeline.stages, request.stage)
    lost = target.outcome == Outcome.LOST.value
    if lost and request.lost_reason is None:
        raise InvalidInput("a lost deal needs a lost_reason", field="lost_reason")
    if not lost and request.lost_reason is not None:
        raise InvalidInput("lost_reason is only for a move to a lost stage", field="lost_reason")
    if target.id == current.id:
        return await _deal(conn, principal, deal_id)
    skipped = skipped_required(pipeline.stages, current, target, await repository.visited_stages(conn, deal_id))
    if skipped is not None:
        raise InvalidInput(
            f"stage {skipped.code!r} is required and would be skipped; move the deal to {skipped.code!r} first",
            field="stage",
        )
    won = target.outcome == Outcome.WON.value
    if (
        won
        and pipeline.won_requires_order
        and not await repository.account_order_since(conn, row.account_id, row.created_at)
    ):
        raise InvalidInput(
            f"pipeline {pipeline.code!r} counts a deal as won only with an order of the account taken since the "
            f"deal was opened ({row.created_at.isoformat()}); none is there (drafts and cancelled orders do not count)",
            field="stage",
        )
    terminal = target.outcome != Outcome.OPEN.value
    await repository.move_deal(
        conn, deal_id, target.id, target.outcome, request.lost_reason, now, now if terminal else None
    )
    await repository.insert_stage_change(conn, deal_id, current.id, target.id, principal.user_id, now)
    account = await repository.lock_account(conn, row.account_id)
    assert account is not None
    outcomes = await _apply_stage_rules(conn, row, current.position, target, account.name, principal.user_id, now)
    return await _deal(conn, principal, deal_id, outcomes)


async def _apply_stage_rules(
    conn: asyncpg.Connection,
    row: DealRow,
    from_position: int | None,
    target: Stage,
    account_name: str,
    by: int | None,
    now: dt.datetime,
) -> list[HandoverOutcome]:
    outcomes: list[HandoverOutcome] = []
    owner_id, owner_role = row.owner_id, row.owner_sales_role
    for rule in await repository.stage_rules(conn, row.pipeline_id):
        if not reaches(rule.position, from_position, target):
            continue
        if rule.from_role is not None and owner_role != rule.from_role:
            continue  # the rule is about another role's deals
        holder = (
            None if row.territory_id is None else await repository.role_holder(conn, row.territory_id, rule.to_role)
        )
        if holder is None:
            where = (
                "the account has no territory"
                if row.territory_id is None
                else (f"no one is the {rule.to_role} of territory {row.territory_id}")
            )
            reason = f"{where}; the deal stays with its owner"
            log.info("deal %s not handed over by rule %s: %s", row.id, rule.id, reason)
            outcomes.append(HandoverOutcome(rule.id, rule.to_role, False, None, reason))
            continue
        if holder == owner_id:
            reason = f"the owner is already the territory's {rule.to_role}"
            outcomes.append(HandoverOutcome(rule.id, rule.to_role, False, holder, reason))
            continue
        reason = f"reached stage {target.code!r}: the deal goes to the territory's {rule.to_role}"
        await _hand_over(
            conn,
            deal_id=row.id,
            account_id=row.account_id,
            account_name=account_name,
            from_user_id=owner_id,
            to_user_id=holder,
            rule_id=rule.id,
            reason=reason,
            by=by,
            now=now,
        )
        await repository.set_deal_owner(conn, row.id, holder)
        outcomes.append(HandoverOutcome(rule.id, rule.to_role, True, holder, reason))
        owner_id, owner_role = holder, rule.to_role
    return outcomes


async def _hand_over(
    conn: asyncpg.Connection,
    *,
    deal_id: uuid.UUID | None,
    account_id: int,
    account_name: str,
    from_user_id: int | None,
    to_user_id: int,
    rule_id: int | None,
    reason: str,
    by: int | None,
    now: dt.datetime,
) -> int:
    """The `handovers` row and a `handover` notification to the new and the previous owner."""
    handover_id = await repository.insert_handover(
        conn,
        deal_id=deal_id,
        account_id=account_id,
        from_user_id=from_user_id,
        to_user_id=to_user_id,
        rule_id=rule_id,
        reason=reason,
        created_by=by,
        now=now,
    )
    payload: dict[str, object] = {
        "handover_id": handover_id,
        "deal_id": None if deal_id is None else str(deal_id),
        "account_id": account_id,
        "account_name": account_name,
        "from_user_id": from_user_id,
        "to_user_id": to_user_id,
        "rule_id": rule_id,
        "reason": reason,
    }
    await events.notify(conn, to_user_id, HANDOVER_KIND, payload, now)
    if from_user_id is not None and from_user_id != to_user_id:
        await events.notify(conn, from_user_id, HANDOVER_KIND, payload, now)
    return handover_id


async def hand_over(
    conn: asyncpg.Connection, principal: Principal, deal_id: uuid.UUID, request: HandoverRequest, now: dt.datetime
) -> Deal:
    """By hand (a supervisor or an admin): the new owner must be someone the caller sees, active, with
    the needed sales role (`to_role`, else the current owner's; when the owner has none, any)."""
    row = await _writable_row(conn, principal, deal_id)
    if row.status != Outcome.OPEN.value:
        raise Conflict(f"the deal is {row.status}; a closed deal keeps its owner", field="deal_id")
    target = await repository.user_ref(conn, request.to_user_id)
    visible = await repository.rep_visible(conn, principal.role.value, principal.user_id, request.to_user_id)
    if target is None or not target.is_active or not visible:
        raise InvalidInput(f"user {request.to_user_id} is not someone you can hand a deal to", field="to_user_id")
    needed = request.to_role.value if request.to_role is not None else row.owner_sales_role
    if needed is not None and target.sales_role != needed:
        has = f"is a {target.sales_role}" if target.sales_role else "has no sales role"
        raise InvalidInput(f"user {request.to_user_id} {has}; the deal needs a {needed}", field="to_user_id")
    if needed is None and target.sales_role is None:
        raise InvalidInput(f"user {request.to_user_id} has no sales role", field="to_user_id")
    if target.id == row.owner_id:
        raise InvalidInput(f"user {request.to_user_id} already owns the deal", field="to_user_id")
    account = await repository.lock_account(conn, row.account_id)
    assert account is not None
    reason = request.reason or "handed over by hand"
    await _hand_over(
        conn,
        deal_id=deal_id,
        account_id=row.account_id,
        account_name=account.name,
        from_user_id=row.owner_id,
        to_user_id=target.id,
        rule_id=None,
        reason=reason,
        by=principal.user_id,
        now=now,
    )
    await repository.set_deal_owner(conn, deal_id, target.id)
    outcome = HandoverOutcome(None, target.sales_role or "", True, target.id, reason)
    return await _deal(conn, principal, deal_id, [outcome])


async def order_delivered(
    conn: asyncpg.Connection, account_id: int, by: int | None, now: dt.datetime
) -> list[HandoverOutcome]:
    """Called by the orders service when an order of the account has just moved to delivered: on the
    account's first delivery, the active `first_delivered_order` rules of the pipelines in which it
    has a won deal name its account manager (the territory's holder of the rule's role). An account
    that has a manager already keeps them."""
    if await repository.delivered_moves(conn, account_id) != 1:
        return []
    rules = await repository.delivered_rules(conn, account_id)
    if not rules:
        return []
    account = await repository.lock_account(conn, account_id)
    assert account is not None
    outcomes: list[HandoverOutcome] = []
    for rule in rules:
        if account.account_manager_id is not None:
            reason = f"the account is already managed by user {account.account_manager_id}"
            outcomes.append(HandoverOutcome(rule.id, rule.to_role, False, account.account_manager_id, reason))
            continue
        owner = await repository.user_ref(conn, rule.owner_id)
        if rule.from_role is not None and (owner is None or owner.sales_role != rule.from_role):
            continue
        holder = None
        if account.territory_id is not None:
            holder = await repository.role_holder(conn, account.territory_id, rule.to_role)
        if holder is None:
            where = (
                "the account has no territory"
                if account.territory_id is None
                else (f"no one is the {rule.to_role} of territory {account.territory_id}")
            )
            reason = f"{where}; the account gets no manager"
            log.info("account %s not handed over by rule %s: %s", account_id, rule.id, reason)
            outcomes.append(HandoverOutcome(rule.id, rule.to_role, False, None, reason))
            continue
        reason = f"first delivered order: the account goes to the territory's {rule.to_role}"
        await repository.set_account_manager(conn, account_id, holder)
        await _hand_over(
            conn,
            deal_id=rule.deal_id,
            account_id=account_id,
            account_name=account.name,
            from_user_id=rule.owner_id,
            to_user_id=holder,
            rule_id=rule.id,
            reason=reason,
            by=by,
            now=now,
        )
        outcomes.append(HandoverOutcome(rule.id, rule.to_role, True, holder, reason))
        account = msgspec.structs.replace(account, account_manager_id=holder)
    return outcomes
