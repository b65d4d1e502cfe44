"""HTTP: check-in, check-out and reading visits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.visits import service
from backend.visits.schemas import CheckInRequest, CheckOutRequest, Replayed, Visit, VisitList

REPLAYED_HEADER = "Idempotent-Replayed"


def _respond(result: Replayed) -> Response[Visit]:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(content=result.visit, status_code=result.status_code, headers=headers)


class VisitsController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]

    @post(
        "",
        status_code=201,
        guards=[requires_role(Role.REP)],
        summary="Check in at an account",
        responses={200: ResponseSpec(Visit, description="A retry under a new id: the first visit, nothing stored")},
    )
    async def check_in(
        self, data: JSONBody[CheckInRequest], conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock
    ) -> Response[Visit]:
        """Idempotent by the client's visit `id`: the same body again replays the original 201 (with
        `Idempotent-Replayed: true`); another body under the same id is a 409. The visit is stored with
        every verification flag that applies (out_of_range, low_accuracy, mock_location,
        impossible_speed, clock_skew, not_on_route), never refused for a flag.

        A retry under a NEW id (same rep, same account, the first visit still open, device check-in
        times within `FIELDSALES_CHECK_IN_RETRY_WINDOW_S`, 600 s by default) is answered 200 with the
        first visit and `Idempotent-Replayed: true`; nothing new is stored and the client adopts the
        returned `id`."""
        return _respond(await service.check_in(conn, settings, principal, data, clock.now()))

    @post(
        "/{visit_id:uuid}/checkout", status_code=200, guards=[requires_role(Role.REP)], summary="Check out of a visit"
    )
    async def check_out(
        self,
        visit_id: FromPath[uuid.UUID],
        data: JSONBody[CheckOutRequest],
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        clock: BusinessClock,
    ) -> Response[Visit]:
        """Idempotent per visit: the same body replays, another body is a 409. Adds too_short and the
        checkout_* position flags. Another rep's visit is 404.

        A required checklist (a template assigned to the account with a required item) not answered
        yet: the check-out is accepted and flagged `checklist_missing` (removed when the answers
        arrive), or refused with 409 `field: checklist` when `FIELDSALES_CHECKOUT_REQUIRES_CHECKLIST`
        is set."""
        return _respond(await service.check_out(conn, settings, principal, visit_id, data, clock.now()))

    @get("/{visit_id:uuid}", summary="One visit in the caller's scope")
    async def get_visit(self, visit_id: FromPath[uuid.UUID], conn: Conn, principal: Caller) -> Visit:
        return await service.get_visit(conn, principal, visit_id)

    @get("", summary="Visits in the caller's scope, ordered by the device's check-in time")
    async def list_visits(
        self,
        conn: Conn,
        principal: Caller,
        clock: BusinessClock,
        since: Annotated[datetime | None, QueryParameter(description="device check-in time from (inclusive)")] = None,
        until: Annotated[datetime | None, QueryParameter(description="device check-in time to (exclusive)")] = None,
        rep_id: Annotated[int | None, QueryParameter(ge=1)] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous answer")] = None,
    ) -> VisitList:
        """At most 500 visits per answer; `next_cursor` is set when there are more."""
        return await service.list_visits(
            conn, principal, since=since, until=until, rep_id=rep_id, now=clock.now(), cursor=cursor
        )
