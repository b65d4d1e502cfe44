"""Events announced to a rep's phone."""

from __future__ import annotations

import datetime as dt

import msgspec


class RouteVersionEvent(msgspec.Struct, frozen=True):
    """A new version of one of the rep's day routes was published (withdrawn ones included)."""

    id: int
    route_id: int
    day: dt.date
    version: int
    kind: str
    published_at: dt.datetime

    @property
    def etag(self) -> str:
        return f'"route-{self.route_id}"'
