"""HTTP: pipelines and hand-over rules (admin), sales roles (admin), deals and their hand-overs."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.deals import service
from backend.deals.schemas import (
    Deal,
    DealPage,
    DealRequest,
    HandoverRequest,
    HandoverRule,
    HandoverRuleList,
    HandoverRuleRequest,
    HandoverRuleUpdate,
    Pipeline,
    PipelineList,
    PipelineRequest,
    SalesRoleRequest,
    StageMoveRequest,
    TerritoryRoleList,
    TerritoryRoleRequest,
    UserSalesRole,
)
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role

REPLAYED_HEADER = "Idempotent-Replayed"
ADMIN = [requires_role(Role.ADMIN)]


def _ref(value: str | None) -> int | str | None:
    """A pipeline named in a query string: a whole number is its id, anything else its code."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    return int(text) if text.isdigit() else text


class PipelinesController(Controller):
    path = "/api/v1/pipelines"
    tags = ["deals"]

    @post("", status_code=201, guards=ADMIN, summary="Create a pipeline with its ordered stages")
    async def create_pipeline(self, conn: Conn, data: JSONBody[PipelineRequest]) -> Pipeline:
        """The list's order is the stages' order: open stages first, then won and lost. Exactly one key
        stage (`is_key`), at most one qualified stage (`is_qualified`, where cv1 ends and cv2 starts),
        at least one won and one lost stage; `required` stages cannot be skipped on the way forward;
        `norm_days` is how long a deal should stay. Problems are 422 naming the stage, such as
        `stages[3].is_key`; a code in use is 409 naming `code`."""
        return await service.create_pipeline(conn, data)

    @get("", summary="Pipelines with their stages")
    async def list_pipelines(self, conn: Conn) -> PipelineList:
        """Every pipeline (active or not), for everyone signed in: the phone needs the stages."""
        return await service.list_pipelines(conn)

    @put("/{pipeline_id:int}", guards=ADMIN, summary="Replace a pipeline's fields and stages")
    async def update_pipeline(
        self, conn: Conn, pipeline_id: FromPath[int], data: JSONBody[PipelineRequest]
    ) -> Pipeline:
        """Stages are matched by code: a kept stage keeps its id (and its hand-over rules); a stage no
        longer listed is deleted with its rules. While the pipeline holds deals, only the pipeline's own
        fields and the stages' names and norm_days may change: any other change to the stages is 409
        naming `stages` (create a new pipeline instead)."""
        return await service.update_pipeline(conn, pipeline_id, data)

    @post(
        "/{pipeline_id:int}/handover-rules",
        status_code=201,
        guards=ADMIN,
        summary="Add a hand-over rule to a pipeline",
    )
    async def create_handover_rule(
        self, conn: Conn, pipeline_id: FromPath[int], data: JSONBody[HandoverRuleRequest]
    ) -> HandoverRule:
        """`stage_reached` (with `stage`, an open or won stage): a deal that reaches that stage goes to
        the person holding `to_role` for its account's territory. `first_delivered_order`: the first
        time an order of an account with a won deal in this pipeline is delivered, that person becomes
        the account's manager. `from_role` limits a rule to deals owned by that sales role. A second
        active rule with the same trigger (and stage) is 409 naming `trigger`."""
        return await service.create_rule(conn, pipeline_id, data)

    @get("/{pipeline_id:int}/handover-rules", guards=ADMIN, summary="A pipeline's hand-over rules")
    async def list_handover_rules(self, conn: Conn, pipeline_id: FromPath[int]) -> HandoverRuleList:
        """Active and inactive rules, oldest first."""
        return await service.list_rules(conn, pipeline_id)

    @put(
        "/{pipeline_id:int}/handover-rules/{rule_id:int}",
        guards=ADMIN,
        summary="Activate or deactivate a hand-over rule",
    )
    async def update_handover_rule(
        self, conn: Conn, pipeline_id: FromPath[int], rule_id: FromPath[int], data: JSONBody[HandoverRuleUpdate]
    ) -> HandoverRule:
        """Re-activating a rule while another active one has the same trigger (and stage) is 409."""
        return await service.update_rule(conn, pipeline_id, rule_id, data)


class UserSalesRoleController(Controller):
    path = "/api/v1/users/{user_id:int}/sales-role"
    tags = ["deals"]

    @put("", guards=ADMIN, summary="Set a user's sales role (hunter, closer, farmer, ...)")
    async def set_user_sales_role(
        self, conn: Conn, user_id: FromPath[int], data: JSONBody[SalesRoleRequest]
    ) -> UserSalesRole:
        """The sales role is beside the access role (rep, supervisor, admin). `null` takes it away.
        409 naming `sales_role` while the user plays another role for a territory."""
        return await service.set_sales_role(conn, user_id, data.sales_role)


class TerritorySalesRolesController(Controller):
    path = "/api/v1/territories/{territory_id:int}/sales-roles"
    tags = ["deals"]

    @get("", summary="Who plays which sales role for a territory")
    async def list_territory_sales_roles(
        self, conn: Conn, principal: Caller, territory_id: FromPath[int]
    ) -> TerritoryRoleList:
        """Territories in the caller's scope (404 otherwise)."""
        return await service.territory_roles(conn, principal, territory_id)

    @put("/{role:str}", guards=ADMIN, summary="Name who plays a sales role for a territory")
    async def set_territory_sales_role(
        self,
        conn: Conn,
        principal: Caller,
        territory_id: FromPath[int],
        role: FromPath[str],
        data: JSONBody[TerritoryRoleRequest],
    ) -> TerritoryRoleList:
        """Hand-over rules name a role; this names the person for the territory. The user must have that
        sales role (422 naming `user_id`); `user_id: null` leaves the role unfilled. An unknown role in
        the path is 422 naming `role`."""
        return await service.set_territory_role(conn, principal, territory_id, role, data.user_id)


class DealsController(Controller):
    path = "/api/v1/deals"
    tags = ["deals"]

    @post("", status_code=201, summary="Open a deal (offline first)")
    async def create_deal(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock, data: JSONBody[DealRequest]
    ) -> Response[Deal]:
        """Idempotent by the phone's deal `id`: the same body again replays the 201 (with
        `Idempotent-Replayed: true`); another body under the same id is 409 naming `id`. The deal starts
        at the pipeline's first stage, owned by the caller (or `owner_id`, someone the caller sees), and
        the hand-over rules of that stage apply at once. An account the caller does not see is 404
        naming `account_id`; an account with an open deal in the pipeline is 409 naming `account_id`
        (the message names that deal); an unknown or inactive pipeline 422 naming `pipeline`."""
        result = await service.create_deal(conn, settings, principal, data, clock.now())
        headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
        return Response(content=result.deal, status_code=result.status_code, headers=headers)

    @get("", summary="Deals in the caller's scope, newest first")
    async def list_deals(
        self,
        conn: Conn,
        principal: Caller,
        pipeline: Annotated[str | None, QueryParameter(description="a pipeline's id or code")] = None,
        stage: Annotated[str | None, QueryParameter(description="a stage's id or code")] = None,
        owner_id: Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)] = None,
        account_id: Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)] = None,
        status: Annotated[Literal["open", "won", "lost"] | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> DealPage:
        """The deals of the accounts the caller reads (those they see, and those they or their team
        handed over: a previous owner keeps read access, as on the account card), and the deals they (a
        supervisor: their team) own. An `owner_id` or `account_id`
        outside the caller's scope is 404 naming it."""
        return await service.list_deals(
            conn,
            principal,
            pipeline=_ref(pipeline),
            stage=stage.strip() if stage and stage.strip() else None,
            owner_id=owner_id,
            status=status,
            account_id=account_id,
            cursor=cursor,
            limit=limit,
        )

    @get("/{deal_id:uuid}", summary="One deal with its stage history and hand-overs")
    async def get_deal(self, conn: Conn, principal: Caller, deal_id: FromPath[uuid.UUID]) -> Deal:
        """Readable by whoever sees its account, its owner (and their supervisor) and everyone who
        handed it over before; otherwise 404. `history`: every stage change with who and when, the
        opening first (from no stage); `handovers`: by rule or by hand, oldest first."""
        return await service.get_deal(conn, principal, deal_id)

    @post("/{deal_id:uuid}/stage", status_code=200, summary="Move a deal to another stage")
    async def move_deal_stage(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        deal_id: FromPath[uuid.UUID],
        data: JSONBody[StageMoveRequest],
    ) -> Deal:
        """The owner, their supervisor or an admin (another reader: 403). Refused with 422 naming the
        field, nothing stored: an unknown `stage`; a move forward past a required stage the deal has
        never been in (`stage`, the message names the skipped stage); lost without `lost_reason`; won
        in a pipeline that requires an order when the account has no order (not draft, not cancelled)
        taken since the deal was opened (`stage`). A won or lost deal does not move (409). A move to
        the current stage changes nothing. The stage's hand-over rules apply: `handover_outcomes` says
        who the deal went to, or why it stayed (no one holds the role for the territory)."""
        return await service.move_stage(conn, principal, deal_id, data, clock.now())

    @post(
        "/{deal_id:uuid}/handover",
        status_code=200,
        guards=[requires_role(Role.SUPERVISOR, Role.ADMIN)],
        summary="Hand a deal over to someone else",
    )
    async def create_deal_handover(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        deal_id: FromPath[uuid.UUID],
        data: JSONBody[HandoverRequest],
    ) -> Deal:
        """A supervisor (deals of their team) or an admin. The new owner must be someone the caller sees,
        active, with the sales role `to_role` (default: the current owner's sales role; any sales role
        when the owner has none): otherwise 422 naming `to_user_id`. Logged as a hand-over and notified
        to the new and the previous owner (event `handover` on their stream and in the sync feed)."""
        return await service.hand_over(conn, principal, deal_id, data, clock.now())
