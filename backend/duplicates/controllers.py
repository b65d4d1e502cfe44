"""HTTP: the duplicate review queue and merges (supervisor or admin, scoped by territory)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.duplicates import service
from backend.duplicates.schemas import DuplicatePage, MergeRequest, MergeResult, MergeRow, UndoResult
from backend.http.dependencies import Caller, Conn
from backend.http.security import requires_role


class DuplicatesController(Controller):
    path = "/api/v1/duplicates"
    tags = ["duplicates"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("", summary="Possible duplicate accounts waiting for review")
    async def list_pairs(
        self,
        conn: Conn,
        principal: Caller,
        status: Annotated[Literal["open", "dismissed"], QueryParameter()] = "open",
        cursor: Annotated[str | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> DuplicatePage:
        return await service.list_pairs(conn, principal, status=status, cursor=cursor, limit=limit)

    @post("/{candidate_id:int}/merge", status_code=200, summary="Merge a pair into one account", raises=[])
    async def merge(
        self,
        conn: Conn,
        principal: Caller,
        candidate_id: FromPath[int],
        data: JSONBody[MergeRequest | None] = None,
    ) -> MergeResult:
        keep = data.keep_id if data is not None else None
        return await service.merge_pair(conn, principal, candidate_id, keep)

    @post("/{candidate_id:int}/dismiss", status_code=204, summary="Not duplicates: never ask again", raises=[])
    async def dismiss(self, conn: Conn, principal: Caller, candidate_id: FromPath[int]) -> None:
        await service.dismiss_pair(conn, principal, candidate_id)


class MergesController(Controller):
    path = "/api/v1/merges"
    tags = ["duplicates"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("", summary="Merges into one account (with the snapshots to undo them)")
    async def list_merges(
        self, conn: Conn, principal: Caller, account_id: Annotated[int, QueryParameter(ge=1)]
    ) -> list[MergeRow]:
        return await service.list_merges(conn, principal, account_id)

    @post("/{merge_id:int}/undo", status_code=200, summary="Undo a merge", raises=[])
    async def undo(self, conn: Conn, principal: Caller, merge_id: FromPath[int]) -> UndoResult:
        return await service.undo_merge(conn, principal, merge_id)
