"""Auth and user structs: request bodies, responses and repository rows."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from backend.auth.principal import Role
from backend.coordinates import Latitude, Longitude
from backend.text_limits import Email, PasswordText, TokenText


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: PasswordText


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: TokenText


class TokenPair(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


class UserRow(msgspec.Struct, frozen=True):
    id: int
    email: str
    name: str
    role: Role
    password_hash: str
    supervisor_id: int | None
    is_active: bool
    session_version: int


class SessionState(msgspec.Struct, frozen=True):
    session_version: int
    is_active: bool
    role: Role


class RefreshTokenRow(msgspec.Struct, frozen=True):
    jti: uuid.UUID
    user_id: int
    family_id: uuid.UUID
    expires_at: dt.datetime
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Point(msgspec.Struct, frozen=True):
    lat: Latitude
    lon: Longitude


class RepProfile(msgspec.Struct, frozen=True):
    home: Point | None
    shift_start_s: int
    shift_end_s: int
    travel_mode: str
    time_zone: str
    working_days: list[int]


class TerritoryRef(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str


class Me(msgspec.Struct, frozen=True):
    id: int
    email: str
    name: str
    role: Role
    supervisor_id: int | None
    rep: RepProfile | None
    territories: list[TerritoryRef]
    # Beside the access role: hunter, closer, farmer, telemarketer or key_account_manager (None: not in
    # the sales funnel).
    sales_role: str | None = None


class NewUser(msgspec.Struct, frozen=True):
    email: str
    name: str
    role: Role
    password: str
    supervisor_email: str | None = None
    home: Point | None = None
    # A rep who works in the field gets a field profile (home, shift, route); an office rep such as a
    # telemarketer does not, so the planning, the map and absence hand-overs leave them out.
    field_profile: bool = True
