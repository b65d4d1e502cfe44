"""Events announced to a user's phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class StreamEvent(msgspec.Struct, frozen=True):
    """One event of the stream: `event` is `route` (a new version of one of the rep's day routes,
    withdrawn ones included) or a notification kind (`handover`, `task_reminder`...); `data` is
    what the client gets as the event's JSON."""

    id: int
    event: str
    data: dict[str, Any]
    created_at: dt.datetime


class Notification(msgspec.Struct, frozen=True):
    """Something a user is told about (also in the sync feed): `kind` says what, `payload` the details."""

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: dt.datetime
