"""Territory structs."""

from __future__ import annotations

from typing import Any

import msgspec


class Territory(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    region: str | None
    owner_rep_id: int | None
    backup_rep_id: int | None
    account_count: int
    geometry: dict[str, Any]  # GeoJSON MultiPolygon, EPSG:4326
