"""HTTP: new potential accounts (POST /api/v1/leads) and the unassigned queue."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.geocoding.providers import make_geocoder
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.leads import service
from backend.leads.schemas import Assigned, AssignRequest, LeadCreated, NewLead, UnassignedPage


class NewAccountController(Controller):
    # POST /api/v1/accounts cannot be added from this feature (Litestar refuses two controllers on one
    # path: their automatic OPTIONS handlers clash), so new accounts are created here.
    path = "/api/v1/leads"
    tags = ["accounts"]

    @post("", summary="Alias of POST /api/v1/accounts: add a potential account (a lead)", raises=[])
    async def create(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock, data: JSONBody[NewLead]
    ) -> LeadCreated:
        """The same service function as POST /api/v1/accounts (kept for clients that use this path).
        409 when it looks like an existing account (send force=true to create it anyway); grey-zone
        look-alikes are queued for review. Outside every territory it goes to the unassigned queue."""
        return await service.create_lead(
            conn,
            principal,
            data,
            phone_region=settings.default_phone_region,
            region_bbox=settings.import_region_bbox or None,
            geocoder=make_geocoder(settings.geocoder, settings.geocoder_url),
            now=clock.now(),
        )


class LeadsController(Controller):
    path = "/api/v1/leads"
    tags = ["accounts"]
    guards = [requires_role(Role.SUPERVISOR, Role.ADMIN)]

    @get("/unassigned", summary="Accounts outside every territory, waiting for a rep")
    async def unassigned(
        self,
        conn: Conn,
        cursor: Annotated[str | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        include_manual: Annotated[bool, QueryParameter(description="also those assigned by hand")] = False,
    ) -> UnassignedPage:
        return await service.list_unassigned(conn, cursor=cursor, limit=limit, include_manual=include_manual)

    @post("/{account_id:int}/assign", status_code=200, summary="Assign an unassigned account to a territory", raises=[])
    async def assign(
        self, conn: Conn, principal: Caller, account_id: FromPath[int], data: JSONBody[AssignRequest]
    ) -> Assigned:
        return await service.assign(conn, principal, account_id, data.territory_id)
