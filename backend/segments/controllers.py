"""HTTP: saved rule-based segments of accounts, their members, entries and exits, and tasks for them."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.segments import service
from backend.segments.schemas import (
    MemberPage,
    Preview,
    PreviewRequest,
    Segment,
    SegmentChangePage,
    SegmentPage,
    SegmentRequest,
    TaskBatch,
    TaskBatchRequest,
)

OFFICE = [requires_role(Role.SUPERVISOR, Role.ADMIN)]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size (1-500)")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]


class SegmentsController(Controller):
    path = "/api/v1/segments"
    tags = ["segments"]

    @post("", status_code=201, guards=OFFICE, summary="Save a rule-based segment of accounts")
    async def create_segment(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock, data: JSONBody[SegmentRequest]
    ) -> Segment:
        """Supervisors and admins. The rules are ANDed conditions {field, op, value} (or {any_of: [...]});
        see the `rules` schema and docs/architecture.md ("Segments") for each field's definition. Its members
        are evaluated at once (each one written as `entered`), then again by the worker's timer.
        422 naming the bad part (`rules[2].field`, `rules[2].op`, `rules[2].value`, `name`); 409 when
        the caller already has a segment of that name. Nothing is stored on an error."""
        return await service.create_segment(conn, principal, data, settings, clock.now())

    @get("", summary="Segments the caller may read, by name")
    async def list_segments(
        self, conn: Conn, principal: Caller, cursor: Cursor = None, limit: Limit = 50
    ) -> SegmentPage:
        """Each with `member_count`: its members in the caller's scope as of `evaluated_at`."""
        return await service.list_segments(conn, principal, cursor=cursor, limit=limit)

    @post("/preview", status_code=200, summary="Count and first members the rules would select now")
    async def get_segment_preview(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock, data: JSONBody[PreviewRequest]
    ) -> Preview:
        """Any role; in the caller's scope; nothing is stored. Rules are checked as for a save (422)."""
        return await service.preview(conn, principal, data, settings, clock.now())

    @get("/{segment_id:int}", summary="One segment with its member count in the caller's scope")
    async def get_segment(self, conn: Conn, principal: Caller, segment_id: FromPath[int]) -> Segment:
        """404 when the caller may not read it (private, or another team's)."""
        return await service.get_segment(conn, principal, segment_id)

    @put("/{segment_id:int}", guards=OFFICE, summary="Replace a segment's name, rules and visibility")
    async def update_segment(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        segment_id: FromPath[int],
        data: JSONBody[SegmentRequest],
    ) -> Segment:
        """Its owner or an admin (another supervisor: 403). Members are re-evaluated at once: accounts
        the new rules add are written as `entered`, those they drop as `left`."""
        return await service.update_segment(conn, principal, segment_id, data, settings, clock.now())

    @delete("/{segment_id:int}", guards=OFFICE, summary="Delete a segment with its members and changes")
    async def delete_segment(self, conn: Conn, principal: Caller, segment_id: FromPath[int]) -> None:
        """Its owner or an admin. Tasks created for it stay."""
        await service.delete_segment(conn, principal, segment_id)

    @get("/{segment_id:int}/accounts", summary="Members of a segment in the caller's scope, by name")
    async def list_segment_accounts(
        self, conn: Conn, principal: Caller, segment_id: FromPath[int], cursor: Cursor = None, limit: Limit = 50
    ) -> MemberPage:
        """As of `evaluated_at`; keyset-paginated by `cursor`. The same set filters
        GET /api/v1/accounts, GET /api/v1/me/accounts and GET /api/v1/sales/kpis with `segment_id`."""
        return await service.list_members(conn, principal, segment_id, cursor=cursor, limit=limit)

    @get("/{segment_id:int}/changes", summary="Accounts that entered or left a segment, newest first")
    async def list_segment_changes(
        self, conn: Conn, principal: Caller, segment_id: FromPath[int], cursor: Cursor = None, limit: Limit = 50
    ) -> SegmentChangePage:
        """Of accounts in the caller's scope; kept FIELDSALES_SEGMENT_CHANGES_KEEP_DAYS."""
        return await service.list_changes(conn, principal, segment_id, cursor=cursor, limit=limit)

    @post("/{segment_id:int}/tasks", status_code=201, guards=OFFICE, summary="One CRM task per member account")
    async def create_segment_tasks(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        segment_id: FromPath[int],
        data: JSONBody[TaskBatchRequest],
    ) -> TaskBatch:
        """Supervisors and admins: an open task for every member in the caller's scope, owned by the
        account's manager, else its territory's owner (members with neither are skipped and listed).
        Created through the tasks feature, under its rules: 422 `due_at` in the past, `remind_at` in
        the past or after `due_at`; a visit task goes on its rep's day (members whose day refuses it:
        `not_routed_account_ids`). The batch `id` makes a resend create nothing twice
        (`already_created`); the same id with other fields: 409."""
        return await service.create_tasks(conn, principal, segment_id, data, clock)
