"""Rows the map is drawn from, and the GeoJSON it is served as."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec


class TeamRep(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str


class TeamReps(msgspec.Struct, frozen=True):
    items: list[TeamRep]


class StopRow(msgspec.Struct, frozen=True):
    route_id: int
    rep_id: int
    rep_name: str
    version: int
    travel_s: int
    distance_m: float
    route_start_s: int
    route_end_s: int
    home_lat: float | None
    home_lon: float | None
    seq: int
    account_id: int
    account_name: str
    address: str | None
    lat: float | None
    lon: float | None
    source: str
    arrival_s: int
    start_s: int
    end_s: int
    window_start_s: int | None
    window_end_s: int | None
    visited: bool


class VisitRow(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rep_id: int
    rep_name: str
    account_id: int
    account_name: str
    address: str | None
    account_lat: float | None
    account_lon: float | None
    lat: float
    lon: float
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    distance_m: float
    accuracy_m: float
    flags: list[str]
    route_id: int | None
    route_stop_seq: int | None
    plan_status: str
    reason: str | None
    checklists: list[dict[str, Any]]
    photos: list[dict[str, Any]]


class DueRow(msgspec.Struct, frozen=True):
    rep_id: int
    rep_name: str
    account_id: int
    account_name: str
    address: str | None
    lat: float
    lon: float
    seq: int | None
    reason: str | None
    cause: str


class TerritoryRow(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    region: str | None
    owner_rep_id: int | None
    owner_name: str | None
    geometry: dict[str, Any]


class Feature(msgspec.Struct, frozen=True):
    geometry: dict[str, Any] | None
    properties: dict[str, Any]
    id: str | int | None = None
    type: str = "Feature"


class FeatureCollection(msgspec.Struct, frozen=True):
    features: list[Feature]
    type: str = "FeatureCollection"
