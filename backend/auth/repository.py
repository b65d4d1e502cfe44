"""SQL for users, logins and refresh tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from backend.auth.principal import Role
from backend.auth.schemas import Me, Point, RefreshTokenRow, RepProfile, SessionState, TerritoryRef, UserRow
from backend.db.queries import load_queries

Q = load_queries("backend.auth")


async def user_by_email(conn: asyncpg.Connection, email: str) -> UserRow | None:
    row = await conn.fetchrow(Q["user_by_email"], email)
    return None if row is None else msgspec.convert(dict(row), UserRow)


async def user_by_id(conn: asyncpg.Connection, user_id: int) -> UserRow | None:
    row = await conn.fetchrow(Q["user_by_id"], user_id)
    return None if row is None else msgspec.convert(dict(row), UserRow)


async def session_of(conn: asyncpg.Connection, user_id: int) -> SessionState | None:
    row = await conn.fetchrow(Q["session_of"], user_id)
    return None if row is None else msgspec.convert(dict(row), SessionState)


async def bump_session_version(conn: asyncpg.Connection, user_id: int) -> int | None:
    version: int | None = await conn.fetchval(Q["bump_session_version"], user_id)
    return version


async def claim_login_attempt(conn: asyncpg.Connection, email: str) -> tuple[int, int]:
    """(failures so far, seconds the attempt must still wait); locks the email's row."""
    row = await conn.fetchrow(Q["claim_login_attempt"], email)
    assert row is not None
    return int(row["failures"]), int(row["wait_s"])


async def record_login_failure(conn: asyncpg.Connection, email: str, free_failures: int, max_wait_s: int) -> None:
    await conn.execute(Q["record_login_failure"], email, free_failures, float(max_wait_s))
    await conn.execute(Q["purge_login_throttle"])


async def forget_login_failures(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute(Q["forget_login_failures"], email)


async def address_failures(conn: asyncpg.Connection, address: str, window_s: int) -> tuple[int, int]:
    """(failed logins of the address in its current window, seconds left of the window)."""
    row = await conn.fetchrow(Q["address_failures"], address, window_s)
    return (0, 0) if row is None else (int(row["failures"]), int(row["left_s"]))


async def record_address_failure(conn: asyncpg.Connection, address: str, window_s: int) -> None:
    await conn.execute(Q["record_address_failure"], address, window_s)


async def insert_refresh_token(
    conn: asyncpg.Connection, jti: uuid.UUID, user_id: int, family_id: uuid.UUID, expires_at: dt.datetime
) -> None:
    await conn.execute(Q["insert_refresh_token"], jti, user_id, family_id, expires_at)


async def refresh_token_for_update(conn: asyncpg.Connection, jti: uuid.UUID) -> RefreshTokenRow | None:
    row = await conn.fetchrow(Q["refresh_token_for_update"], jti)
    return None if row is None else msgspec.convert(dict(row), RefreshTokenRow)


async def spend_refresh_token(conn: asyncpg.Connection, jti: uuid.UUID) -> None:
    await conn.execute(Q["spend_refresh_token"], jti)


async def revoke_refresh_family(conn: asyncpg.Connection, family_id: uuid.UUID) -> None:
    await conn.execute(Q["revoke_refresh_family"], family_id)


async def me(conn: asyncpg.Connection, user: UserRow) -> Me:
    rep: RepProfile | None = None
    profile = await conn.fetchrow(Q["rep_profile"], user.id)
    if profile is not None:
        home = None if profile["home_lat"] is None else Point(profile["home_lat"], profile["home_lon"])
        rep = RepProfile(
            home=home,
            shift_start_s=profile["shift_start_s"],
            shift_end_s=profile["shift_end_s"],
            travel_mode=profile["travel_mode"],
            time_zone=profile["time_zone"],
            working_days=list(profile["working_days"]),
        )
    rows = await conn.fetch(Q["territories_of_rep"], user.id)
    territories = [msgspec.convert(dict(row), TerritoryRef) for row in rows]
    return Me(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        supervisor_id=user.supervisor_id,
        rep=rep,
        territories=territories,
        sales_role=await conn.fetchval(Q["sales_role_of"], user.id),
    )


async def insert_user(
    conn: asyncpg.Connection, email: str, name: str, role: Role, password_hash: str, supervisor_id: int | None
) -> int:
    user_id: int = await conn.fetchval(Q["insert_user"], email, name, role.value, password_hash, supervisor_id)
    return user_id


async def insert_rep_profile(conn: asyncpg.Connection, user_id: int, home: Point | None) -> None:
    await conn.execute(
        Q["insert_rep_profile"], user_id, None if home is None else home.lat, None if home is None else home.lon
    )
