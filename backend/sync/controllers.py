"""HTTP: the offline sync feed of a rep."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.sync import service
from backend.sync.schemas import SyncChanges


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]
    guards = [requires_role(Role.REP)]

    @get("/changes", summary="What changed for the calling rep since a cursor")
    async def changes(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
        since: Annotated[str | None, QueryParameter(description="the cursor of the previous answer")] = None,
    ) -> SyncChanges:
        """Without `since`: everything the phone keeps offline (`full: true`). With it: the accounts
        and template versions changed since, the ids to drop, and today's and tomorrow's routes.
        Paged: while `more` is true, call again with the new cursor. A cursor older than the sync
        horizon gets a full answer again (`resync: "cursor_past_horizon"`)."""
        return await service.changes(
            conn,
            principal,
            since,
            clock.now(),
            page_size=settings.sync_page_size,
            horizon_days=settings.sync_horizon_days,
        )
