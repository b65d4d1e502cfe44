"""Territory structs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.text_limits import Name


class Territory(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    region: str | None
    owner_rep_id: int | None
    backup_rep_id: int | None
    account_count: int
    geometry: dict[str, Any]  # GeoJSON MultiPolygon, EPSG:4326


class TerritoryUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """PUT body: a GeoJSON Polygon/MultiPolygon (or a Feature holding one), EPSG:4326 lon/lat.

    Omitted fields keep their value; owner_rep_id/backup_rep_id null clear the rep."""

    geometry: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    owner_rep_id: int | msgspec.UnsetType | None = msgspec.UNSET
    backup_rep_id: int | msgspec.UnsetType | None = msgspec.UNSET


class GeometryIssue(msgspec.Struct, frozen=True):
    """Something found in a territory's geometry (repaired, rejected, overlapping...): not an error body."""

    kind: str  # repaired | rejected | hole | overlap | gap | duplicate_code | assumed_crs | unknown_rep
    codes: list[str]
    detail: str
    area_m2: float | None = None
    location: tuple[float, float] | None = None  # (lat, lon)


class TerritoryChange(msgspec.Struct, frozen=True):
    territory: Territory
    problems: list[GeometryIssue]
    accounts_moved_in: list[int]
    accounts_moved_out: list[int]
    unassigned_accounts: int


class TerritoryImportReport(msgspec.Struct, frozen=True):
    file: str
    source_crs: str | None
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    problems: list[GeometryIssue]
    unassigned_accounts: int
    summary: str


class TerritoryRow(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    region: str | None
    owner_rep_id: int | None
    backup_rep_id: int | None


class CoverageCounts(msgspec.Struct, frozen=True):
    """Counts of one channel (of one territory, or outside every territory), as the SQL returns them."""

    channel: str | None
    total: int
    potential: int
    active: int
    closed: int
    needs_geocoding: int
    visited: int


class TerritoryCoverageCounts(CoverageCounts, frozen=True):
    territory_id: int
    code: str
    name: str
    owner_rep_id: int | None


class ChannelCoverage(CoverageCounts, frozen=True):
    channel: str  # a channel's row always has one
    potential_per_active: float | None


class Coverage(msgspec.Struct, frozen=True):
    """Outlets of one territory (territory_id None: accounts outside every territory) over the local
    days [from_day, to_day], by the one definition (docs/architecture.md, "Coverage"):

    `potential`: the potential base, outlets that fit the target profile (HoReCa or retail, not
    closed, located); `active`: those of the potential base in `active_account_ids` for the period
    (an order submitted, confirmed or delivered in it, migration 0011); `visited`: distinct outlets
    with a check-in in the period, whatever their status (prospects included);
    `potential_per_active`: potential / active."""

    territory_id: int | None
    code: str | None
    name: str | None
    owner_rep_id: int | None
    from_day: dt.date
    to_day: dt.date
    total: int
    potential: int
    active: int
    closed: int
    needs_geocoding: int
    potential_per_active: float | None
    visited: int
    by_channel: list[ChannelCoverage]
