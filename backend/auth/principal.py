"""Who is calling: carried from the access token to services, which scope their SQL by it."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Role(StrEnum):
    REP = "rep"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Principal(msgspec.Struct, frozen=True):
    user_id: int
    role: Role
    email: str
    # The user's session version the token was issued under (see migration 0008): a token of an
    # older version (log-out, deactivation, a new role or password) is refused.
    session_version: int = 1
