"""SQL of pipelines, hand-over rules, sales roles and deals; deal reads take the caller's scope
(visible_account_ids / visible_rep_ids)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.deals.schemas import (
    AccountRef,
    DealRow,
    DealSummary,
    Handover,
    HandoverRule,
    Pipeline,
    Stage,
    StageChange,
    StageRequest,
    TerritoryRole,
    UserRef,
    UserSalesRole,
)

Q = load_queries("backend.deals")


class PipelineRef(msgspec.Struct, frozen=True):
    id: int
    is_active: bool
    won_requires_order: bool


class StageRule(msgspec.Struct, frozen=True):
    id: int
    from_role: str | None
    to_role: str
    position: int


class DeliveredRule(msgspec.Struct, frozen=True):
    id: int
    from_role: str | None
    to_role: str
    deal_id: uuid.UUID
    owner_id: int


# --- pipelines -------------------------------------------------------------------------------------


async def insert_pipeline(
    conn: asyncpg.Connection, code: str, name: str, goal: str, won_requires_order: bool, is_active: bool
) -> int | None:
    pipeline_id: int | None = await conn.fetchval(Q["insert_pipeline"], code, name, goal, won_requires_order, is_active)
    return pipeline_id


async def update_pipeline(
    conn: asyncpg.Connection,
    pipeline_id: int,
    code: str,
    name: str,
    goal: str,
    won_requires_order: bool,
    is_active: bool,
) -> bool:
    return (
        await conn.fetchval(Q["update_pipeline"], pipeline_id, code, name, goal, won_requires_order, is_active)
        is not None
    )


async def lock_pipeline(conn: asyncpg.Connection, pipeline_id: int) -> bool:
    return await conn.fetchval(Q["lock_pipeline"], pipeline_id) is not None


async def insert_stages(conn: asyncpg.Connection, pipeline_id: int, stages: list[tuple[int, StageRequest]]) -> None:
    await conn.execute(
        Q["insert_stages"],
        pipeline_id,
        [position for position, _ in stages],
        [stage.code for _, stage in stages],
        [stage.name for _, stage in stages],
        [stage.outcome.value for _, stage in stages],
        [stage.is_key for _, stage in stages],
        [stage.is_qualified for _, stage in stages],
        [stage.required for _, stage in stages],
        [stage.norm_days for _, stage in stages],
    )


async def rewrite_stages(conn: asyncpg.Connection, pipeline_id: int, stages: list[StageRequest]) -> None:
    """Stages kept by code are updated in place (their ids, so deals and rules, stay); the others are
    deleted or added."""
    codes = [stage.code for stage in stages]
    await conn.execute(Q["delete_stages_not_in"], pipeline_id, codes)
    await conn.execute(Q["park_stages"], pipeline_id)
    existing = {row["code"] for row in await conn.fetch(Q["stages_of_pipelines"], [pipeline_id])}
    new: list[tuple[int, StageRequest]] = []
    for position, stage in enumerate(stages):
        if stage.code in existing:
            await conn.execute(
                Q["update_stage"],
                pipeline_id,
                stage.code,
                position,
                stage.name,
                stage.outcome.value,
                stage.is_key,
                stage.is_qualified,
                stage.required,
                stage.norm_days,
            )
        else:
            new.append((position, stage))
    if new:
        await insert_stages(conn, pipeline_id, new)


async def pipelines(conn: asyncpg.Connection, pipeline_id: int | None = None) -> list[Pipeline]:
    rows = await conn.fetch(Q["pipelines"], pipeline_id)
    stages: dict[int, list[Stage]] = defaultdict(list)
    for row in await conn.fetch(Q["stages_of_pipelines"], [row["id"] for row in rows]):
        item = dict(row)
        stages[item.pop("pipeline_id")].append(msgspec.convert(item, Stage))
    return [msgspec.convert({**dict(row), "stages": stages[row["id"]]}, Pipeline) for row in rows]


async def pipeline_by_ref(conn: asyncpg.Connection, ref: int | str) -> PipelineRef | None:
    by_id, by_code = (ref, None) if isinstance(ref, int) else (None, ref)
    row = await conn.fetchrow(Q["pipeline_by_ref"], by_id, by_code)
    return None if row is None else msgspec.convert(dict(row), PipelineRef)


async def default_pipeline(conn: asyncpg.Connection, goal: str) -> int | None:
    pipeline_id: int | None = await conn.fetchval(Q["default_pipeline"], goal)
    return pipeline_id


# --- hand-over rules -------------------------------------------------------------------------------


async def insert_rule(
    conn: asyncpg.Connection,
    pipeline_id: int,
    trigger: str,
    stage_id: int | None,
    from_role: str | None,
    to_role: str,
    is_active: bool,
) -> int:
    rule_id: int = await conn.fetchval(Q["insert_rule"], pipeline_id, trigger, stage_id, from_role, to_role, is_active)
    return rule_id


async def rules_of_pipeline(
    conn: asyncpg.Connection, pipeline_id: int, rule_id: int | None = None
) -> list[HandoverRule]:
    rows = await conn.fetch(Q["rules_of_pipeline"], pipeline_id, rule_id)
    return [msgspec.convert(dict(row), HandoverRule) for row in rows]


async def active_rule_like(
    conn: asyncpg.Connection, pipeline_id: int, trigger: str, stage_id: int | None, except_id: int | None = None
) -> int | None:
    rule_id: int | None = await conn.fetchval(Q["active_rule_like"], pipeline_id, trigger, stage_id, except_id)
    return rule_id


async def set_rule_active(conn: asyncpg.Connection, pipeline_id: int, rule_id: int, is_active: bool) -> bool:
    return await conn.fetchval(Q["set_rule_active"], pipeline_id, rule_id, is_active) is not None


async def stage_rules(conn: asyncpg.Connection, pipeline_id: int) -> list[StageRule]:
    return [msgspec.convert(dict(row), StageRule) for row in await conn.fetch(Q["stage_rules"], pipeline_id)]


async def delivered_rules(conn: asyncpg.Connection, account_id: int) -> list[DeliveredRule]:
    return [msgspec.convert(dict(row), DeliveredRule) for row in await conn.fetch(Q["delivered_rules"], account_id)]


async def delivered_moves(conn: asyncpg.Connection, account_id: int) -> int:
    count: int = await conn.fetchval(Q["delivered_moves"], account_id)
    return count


# --- sales roles -----------------------------------------------------------------------------------


async def user_ref(conn: asyncpg.Connection, user_id: int) -> UserRef | None:
    row = await conn.fetchrow(Q["user_ref"], user_id)
    return None if row is None else msgspec.convert(dict(row), UserRef)


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> int | None:
    user_id: int | None = await conn.fetchval(Q["user_id_by_email"], email)
    return user_id


async def territory_id_by_code(conn: asyncpg.Connection, code: str) -> int | None:
    territory_id: int | None = await conn.fetchval(Q["territory_id_by_code"], code)
    return territory_id


async def user_sales_role(conn: asyncpg.Connection, user_id: int) -> UserSalesRole | None:
    row = await conn.fetchrow(Q["user_sales_role"], user_id)
    return None if row is None else msgspec.convert(dict(row), UserSalesRole)


async def set_user_sales_role(conn: asyncpg.Connection, user_id: int, sales_role: str | None) -> None:
    await conn.execute(Q["set_user_sales_role"], user_id, sales_role)


async def territories_held_in_other_role(conn: asyncpg.Connection, user_id: int, sales_role: str | None) -> list[int]:
    return [row["territory_id"] for row in await conn.fetch(Q["territories_held_in_other_role"], user_id, sales_role)]


async def territory_in_scope(conn: asyncpg.Connection, role: str, user_id: int, territory_id: int) -> bool:
    return await conn.fetchval(Q["territory_in_scope"], role, user_id, territory_id) is not None


async def set_territory_role(conn: asyncpg.Connection, territory_id: int, sales_role: str, user_id: int | None) -> None:
    if user_id is None:
        await conn.execute(Q["delete_territory_role"], territory_id, sales_role)
    else:
        await conn.execute(Q["upsert_territory_role"], territory_id, sales_role, user_id)


async def territory_roles(conn: asyncpg.Connection, territory_id: int) -> list[TerritoryRole]:
    return [msgspec.convert(dict(row), TerritoryRole) for row in await conn.fetch(Q["territory_roles"], territory_id)]


async def role_holder(conn: asyncpg.Connection, territory_id: int, sales_role: str) -> int | None:
    user_id: int | None = await conn.fetchval(Q["role_holder"], territory_id, sales_role)
    return user_id


# --- deals -----------------------------------------------------------------------------------------


async def account_in_scope(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> AccountRef | None:
    row = await conn.fetchrow(Q["account_in_scope"], role, user_id, account_id)
    return None if row is None else msgspec.convert(dict(row), AccountRef)


async def account_readable(conn: asyncpg.Connection, role: str, user_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["account_readable"], role, user_id, account_id) is not None


async def lock_account(conn: asyncpg.Connection, account_id: int) -> AccountRef | None:
    row = await conn.fetchrow(Q["account_by_id"], account_id)
    return None if row is None else msgspec.convert(dict(row), AccountRef)


async def rep_visible(conn: asyncpg.Connection, role: str, user_id: int, other_id: int) -> bool:
    return await conn.fetchval(Q["rep_visible"], role, user_id, other_id) is not None


async def insert_deal(
    conn: asyncpg.Connection,
    *,
    deal_id: uuid.UUID,
    pipeline_id: int,
    account_id: int,
    stage_id: int,
    owner_id: int,
    source: str,
    amount: float | None,
    expected_close_day: dt.date | None,
    title: str | None,
    created_by: int | None,
    now: dt.datetime,
) -> bool:
    inserted = await conn.fetchval(
        Q["insert_deal"],
        deal_id,
        pipeline_id,
        account_id,
        stage_id,
        owner_id,
        source,
        None if amount is None else Decimal(str(amount)),
        expected_close_day,
        title,
        created_by,
        now,
    )
    return inserted is not None


async def deal_exists(conn: asyncpg.Connection, deal_id: uuid.UUID) -> bool:
    return await conn.fetchval(Q["deal_exists"], deal_id) is not None


async def open_deal_of(conn: asyncpg.Connection, account_id: int, pipeline_id: int) -> uuid.UUID | None:
    deal_id: uuid.UUID | None = await conn.fetchval(Q["open_deal_of"], account_id, pipeline_id)
    return deal_id


async def insert_stage_change(
    conn: asyncpg.Connection,
    deal_id: uuid.UUID,
    from_stage_id: int | None,
    to_stage_id: int,
    changed_by: int | None,
    now: dt.datetime,
) -> None:
    await conn.execute(Q["insert_stage_change"], deal_id, from_stage_id, to_stage_id, changed_by, now)


async def deal_in_scope(conn: asyncpg.Connection, role: str, user_id: int, deal_id: uuid.UUID) -> DealSummary | None:
    row = await conn.fetchrow(Q["deal_in_scope"], role, user_id, deal_id)
    return None if row is None else msgspec.convert(dict(row), DealSummary)


async def deal_writable(conn: asyncpg.Connection, role: str, user_id: int, deal_id: uuid.UUID) -> bool:
    return await conn.fetchval(Q["deal_writable"], role, user_id, deal_id) is not None


async def deal_history(conn: asyncpg.Connection, deal_id: uuid.UUID) -> list[StageChange]:
    return [msgspec.convert(dict(row), StageChange) for row in await conn.fetch(Q["deal_history"], deal_id)]


async def deal_handovers(conn: asyncpg.Connection, deal_id: uuid.UUID) -> list[Handover]:
    return [msgspec.convert(dict(row), Handover) for row in await conn.fetch(Q["deal_handovers"], deal_id)]


async def list_deals(
    conn: asyncpg.Connection,
    role: str,
    user_id: int,
    *,
    pipeline_id: int | None,
    stage: str | None,
    owner_id: int | None,
    status: str | None,
    account_id: int | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[DealSummary]:
    rows = await conn.fetch(
        Q["list_deals"],
        role,
        user_id,
        pipeline_id,
        stage,
        owner_id,
        status,
        account_id,
        limit,
        None if after is None else after[0],
        None if after is None else after[1],
    )
    return [msgspec.convert(dict(row), DealSummary) for row in rows]


async def lock_deal(conn: asyncpg.Connection, deal_id: uuid.UUID) -> DealRow | None:
    row = await conn.fetchrow(Q["lock_deal"], deal_id)
    return None if row is None else msgspec.convert(dict(row), DealRow)


async def visited_stages(conn: asyncpg.Connection, deal_id: uuid.UUID) -> set[int]:
    return {row["to_stage_id"] for row in await conn.fetch(Q["visited_stages"], deal_id)}


async def move_deal(
    conn: asyncpg.Connection,
    deal_id: uuid.UUID,
    stage_id: int,
    status: str,
    lost_reason: str | None,
    now: dt.datetime,
    closed_at: dt.datetime | None,
) -> None:
    await conn.execute(Q["move_deal"], deal_id, stage_id, status, lost_reason, now, closed_at)


async def set_deal_owner(conn: asyncpg.Connection, deal_id: uuid.UUID, owner_id: int) -> None:
    await conn.execute(Q["set_deal_owner"], deal_id, owner_id)


async def insert_handover(
    conn: asyncpg.Connection,
    *,
    deal_id: uuid.UUID | None,
    account_id: int,
    from_user_id: int | None,
    to_user_id: int,
    rule_id: int | None,
    reason: str,
    created_by: int | None,
    now: dt.datetime,
) -> int:
    handover_id: int = await conn.fetchval(
        Q["insert_handover"], deal_id, account_id, from_user_id, to_user_id, rule_id, reason, created_by, now
    )
    return handover_id


async def account_order_since(conn: asyncpg.Connection, account_id: int, since: dt.datetime) -> bool:
    return await conn.fetchval(Q["account_order_since"], account_id, since) is not None


async def set_account_manager(conn: asyncpg.Connection, account_id: int, user_id: int) -> None:
    await conn.execute(Q["set_account_manager"], account_id, user_id)
