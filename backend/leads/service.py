"""Lead distribution.

A new potential account (`POST /api/v1/accounts`, its alias `POST /api/v1/leads`, or an import)
gets its territory from the polygons by the database trigger, so it is in that territory's rep's list at once (owner and
backup). Outside every territory it waits in the unassigned queue, where a supervisor (for a
territory of their team) or an admin assigns it by hand; a polygon drawn over it later wins. A lead a
rep captures opens a deal in the default new-customer pipeline, owned by that rep (`backend.deals`).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from backend.auth.principal import Principal, Role
from backend.deals import service as deals
from backend.errors import Conflict, InvalidInput, NotFound
from backend.geocoding import service as geocoding
from backend.geocoding.providers import Geocoder
from backend.leads import repository
from backend.leads.schemas import Assigned, LeadCreated, NewLead, UnassignedPage
from backend.matching import service as matching
from backend.pagination import decode_cursor, encode_cursor
from backend.scope.service import visible_territory_ids
from geo_data.dedupe import Candidate
from geo_data.normalize import (
    BBox,
    CoordinateError,
    address_key,
    check_coordinates,
    name_key,
    normalize_address,
    normalize_hours,
    normalize_name,
    normalize_phones,
    normalize_tax_id,
)
from geo_data.opening_hours import OpeningHoursError

CHANNELS = {"horeca", "retail", "other"}


async def create_lead(
    conn: asyncpg.Connection,
    principal: Principal,
    lead: NewLead,
    *,
    phone_region: str,
    region_bbox: str | None,
    geocoder: Geocoder | None = None,
    now: dt.datetime,
) -> LeadCreated:
    """The one way a single account is created (`POST /api/v1/accounts` and its alias
    `POST /api/v1/leads`): normalised like an imported row, matched against the whole base
    (``backend.matching``), geocoded when it has an address but no point, reverse-geocoded when it
    has a GPS point but no address."""
    name, legal_form = normalize_name(lead.name)
    if not name_key(name):
        raise InvalidInput("name must hold letters or digits", field="name")
    if lead.channel not in CHANNELS:
        raise InvalidInput("channel must be horeca, retail or other", field="channel")
    warnings: list[str] = []
    lat, lon = lead.lat, lead.lon
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon, or neither (needs geocoding)", field="lat")
    if lat is not None and lon is not None:
        try:
            lat, lon, note = check_coordinates(lat, lon, BBox.parse(region_bbox) if region_bbox else None)
        except CoordinateError as exc:
            raise InvalidInput(str(exc), field="lat") from exc
        if note:
            warnings.append(note)
    phones, phone_warnings = normalize_phones(lead.phone, phone_region)
    if lead.phone and not phones:
        raise InvalidInput(phone_warnings[0], field="phone")
    tax, tax_warning = normalize_tax_id(lead.tax_id)
    if tax_warning:
        raise InvalidInput(tax_warning, field="tax_id")
    hours: list[list[int]] = []
    if lead.opening_hours:
        try:
            hours = [[w.weekday + 1, w.open_s, w.close_s] for w in normalize_hours(lead.opening_hours)]
        except OpeningHoursError as exc:
            raise InvalidInput(str(exc), field="opening_hours") from exc
    address = normalize_address(lead.address)
    if address is None and lat is not None and lon is not None and geocoder is not None:
        found = await geocoding.reverse(geocoder, lat, lon)
        if found is not None:
            address = found.label
            warnings.append(f"address {found.label!r} found from the GPS point ({found.source})")
    mine = Candidate(
        name_key(name),
        address_key(address) if address else None,
        tuple(phones),
        tax.value if tax else None,
        None,
        lat,
        lon,
    )
    review: list[tuple[int, float, dict[str, object]]] = []
    matches = await matching.match_base(conn, [mine])
    visible = set(await visible_territory_ids(conn, principal)) if matches else set()
    for match in matches:
        result, other = match.score, match.account
        if result.decision == "merge" and not lead.force:
            # Another team's account is not named (nor its owner): that it exists is all the rep learns.
            in_scope = other.territory_id is not None and other.territory_id in visible
            which = f"account {other.id} ({other.name})" if in_scope else "an account outside your territories"
            raise Conflict(f"this looks like {which}; send force=true to create it anyway", field="name")
        if result.decision in {"merge", "review"}:
            review.append((other.id, result.score, {**result.signals, "reason": result.reason}))
    values = {
        "name": name,
        "legal_form": legal_form,
        "address": address,
        "address_key": mine.address_key,
        "phones": phones,
        "channel": lead.channel,
        "category": lead.category,
        "tax_id": mine.tax_id,
        "lat": lat,
        "lon": lon,
        "opening_hours_raw": lead.opening_hours,
        "geocode_source": "gps" if lat is not None else None,
    }
    account_id = await repository.insert_lead(conn, values, hours, f"user:{principal.user_id}:{uuid.uuid4()}")
    await matching.save_keys(conn, [(account_id, name, address, lat is not None)])
    for other_id, score, signals in review:
        await repository.queue_review(conn, account_id, other_id, score, signals)
    if lat is None and address is not None and geocoder is not None:
        await geocoding.geocode_accounts(conn, geocoder, [account_id])
    placed = await repository.placement(conn, account_id)
    # A lead a rep captured in the field opens a deal in the default new-customer pipeline (if any).
    deal_id = (
        await deals.open_lead_deal(conn, account_id, principal.user_id, now) if principal.role is Role.REP else None
    )
    return LeadCreated(
        **msgspec.structs.asdict(placed),
        possible_duplicates=[r[0] for r in review],
        warnings=warnings,
        deal_id=deal_id,
    )


async def list_unassigned(
    conn: asyncpg.Connection, *, cursor: str | None, limit: int, include_manual: bool
) -> UnassignedPage:
    """Every account outside all territories (supervisors and admins alike: it belongs to no team yet)."""
    after = None
    if cursor is not None:
        (value,) = decode_cursor(cursor, (int,))
        assert isinstance(value, int)
        after = value
    items = await repository.list_unassigned(conn, after, limit + 1, include_manual)
    more = len(items) > limit
    items = items[:limit]
    return UnassignedPage(items=items, next_cursor=encode_cursor([items[-1].id]) if more else None)


async def assign(conn: asyncpg.Connection, principal: Principal, account_id: int, territory_id: int) -> Assigned:
    visible = await visible_territory_ids(conn, principal)
    if territory_id not in visible:
        raise NotFound(f"territory {territory_id} not found", field="territory_id")
    account = await repository.account_for_assignment(conn, account_id)
    if account is None or (account.territory_id is not None and account.territory_id not in visible):
        raise NotFound(f"account {account_id} not found", field="account_id")
    if account.territory_id is not None and not account.territory_manual:
        raise Conflict(
            f"account {account_id} lies in territory {account.territory_id}; change the boundary instead",
            field="account_id",
        )
    owner = await repository.assign(conn, account_id, territory_id, principal.user_id)
    return Assigned(account_id=account_id, territory_id=territory_id, owner_rep_id=owner)
