"""HTTP: account lists for a rep (their territory) and for supervisors and admins."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter

from backend.accounts import service
from backend.accounts.schemas import AccountClass, AccountFilter, AccountPage, AccountStatus, Channel
from backend.auth.principal import Role
from backend.coordinates import parse
from backend.errors import InvalidInput
from backend.geocoding.providers import make_geocoder
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn
from backend.http.security import requires_role
from backend.leads.schemas import LeadCreated, NewLead
from backend.leads.service import create_lead

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size (1-500)")]
Near = Annotated[str | None, QueryParameter(description="LAT,LON: sort by distance from this point, nearest first")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]
# Taken as text and checked here, so an error names the query parameter `class`, not the Python name.
ClassParam = Annotated[str | None, QueryParameter(name="class", description="account class: A, B or C")]
Search = Annotated[str | None, QueryParameter(max_length=200, description="part of the account name")]
SegmentId = Annotated[int | None, QueryParameter(ge=1, description="only the members of this segment")]


def parse_near(near: str | None) -> tuple[float | None, float | None]:
    if near is None:
        return None, None
    return parse(near, field="near")


def parse_class(value: str | None) -> AccountClass | None:
    if value is None:
        return None
    try:
        return AccountClass(value.upper())
    except ValueError as exc:
        raise InvalidInput("class must be A, B or C", field="class") from exc


def build_filter(
    channel: Channel | None,
    account_class: str | None,
    status: AccountStatus | None,
    search: str | None,
    near: str | None,
    segment_id: int | None = None,
) -> AccountFilter:
    near_lat, near_lon = parse_near(near)
    return AccountFilter(
        channel=channel,
        account_class=parse_class(account_class),
        status=status,
        search=search.strip() or None if search else None,
        near_lat=near_lat,
        near_lon=near_lon,
        segment_id=segment_id,
    )


class MyAccountsController(Controller):
    path = "/api/v1/me/accounts"
    tags = ["accounts"]

    @get("", summary="Accounts the caller works: their territories', their book's and their deals'")
    async def list_mine(
        self,
        conn: Conn,
        principal: Caller,
        channel: Annotated[Channel | None, QueryParameter()] = None,
        account_class: ClassParam = None,
        status: Annotated[AccountStatus | None, QueryParameter()] = None,
        search: Search = None,
        near: Near = None,
        segment_id: SegmentId = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> AccountPage:
        """The accounts of the caller's territories, the accounts they manage wherever they lie (a
        farmer's book) and the accounts of the deals they own (a closer's): the same set the offline
        feed (`GET /api/v1/sync/changes`) carries. Sorted by name, or by distance when `near=LAT,LON` is
        given; keyset-paginated by `cursor`. `segment_id`: only that segment's members (404 when the
        caller may not read the segment)."""
        filters = build_filter(channel, account_class, status, search, near, segment_id)
        return await service.list_accounts(conn, principal, filters, cursor=cursor, limit=limit)


class AccountsController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts"]

    @get(
        "",
        summary="Accounts of the caller's scope, optionally of one territory",
        guards=[requires_role(Role.SUPERVISOR, Role.ADMIN)],
    )
    async def list_accounts(
        self,
        conn: Conn,
        principal: Caller,
        territory_id: Annotated[int | None, QueryParameter(ge=1)] = None,
        channel: Annotated[Channel | None, QueryParameter()] = None,
        account_class: ClassParam = None,
        status: Annotated[AccountStatus | None, QueryParameter()] = None,
        search: Search = None,
        near: Near = None,
        segment_id: SegmentId = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> AccountPage:
        """A supervisor sees the accounts of their team's territories, books and deals, an admin every
        account; `territory_id` narrows to one territory (404 when outside the caller's scope).
        `segment_id`: only that segment's members (404 when the caller may not read the segment)."""
        filters = build_filter(channel, account_class, status, search, near, segment_id)
        return await service.list_accounts(
            conn, principal, filters, territory_id=territory_id, cursor=cursor, limit=limit
        )

    @post("", summary="Add a potential account; it lands in its territory's rep's list", raises=[])
    async def create(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock, data: JSONBody[NewLead]
    ) -> LeadCreated:
        """Any role (a hunter finds new outlets). 409 when it looks like an existing account (force=true
        creates it anyway); outside every territory it goes to the unassigned queue. Same as POST /api/v1/leads.
        A rep's lead opens a deal (`deal_id`) in the default active new-customer pipeline, owned by the rep."""
        return await create_lead(
            conn,
            principal,
            data,
            phone_region=settings.default_phone_region,
            region_bbox=settings.import_region_bbox or None,
            geocoder=make_geocoder(settings.geocoder, settings.geocoder_url),
            now=clock.now(),
        )
