"""Lead structs: a new potential account, the unassigned queue, assignment."""

from __future__ import annotations

import uuid

import msgspec

from backend.text_limits import Address, Category, Code, Name, OpeningHours, Phone


class NewLead(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    channel: Code = "other"  # horeca | retail | other
    address: Address | None = None
    phone: Phone | None = None
    lat: float | None = None
    lon: float | None = None
    category: Category | None = None
    tax_id: Code | None = None
    opening_hours: OpeningHours | None = None  # OSM opening_hours or "09:00-18:00"
    force: bool = False  # create even when it looks like an existing account


class LeadPlacement(msgspec.Struct, frozen=True):
    """Where a new account landed: its territory (from the polygons) and that territory's reps."""

    id: int
    name: str
    status: str
    territory_id: int | None
    owner_rep_id: int | None
    backup_rep_id: int | None
    needs_geocoding: bool
    # None: placed from the request's GPS point; placed / review / not_found: from its address.
    geocode_status: str | None


class LeadCreated(LeadPlacement, frozen=True):
    possible_duplicates: list[int]
    warnings: list[str]
    # The deal a rep's lead opened in the default new-customer pipeline (None: not a rep, or no pipeline).
    deal_id: uuid.UUID | None = None


class AssignmentTarget(msgspec.Struct, frozen=True):
    id: int
    territory_id: int | None
    territory_manual: bool


class UnassignedAccount(msgspec.Struct, frozen=True):
    id: int
    name: str
    address: str | None
    channel: str
    status: str
    lat: float | None
    lon: float | None
    territory_manual: bool
    # Geocoding found only the street or the city: the suggested point, for a person to confirm.
    geocode_status: str | None = None
    geocode_precision: str | None = None
    suggested_lat: float | None = None
    suggested_lon: float | None = None


class UnassignedPage(msgspec.Struct, frozen=True):
    items: list[UnassignedAccount]
    next_cursor: str | None


class AssignRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    territory_id: int


class Assigned(msgspec.Struct, frozen=True):
    account_id: int
    territory_id: int
    owner_rep_id: int | None
