"""Login, token refresh with rotation and reuse detection, the caller's profile, user creation."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import asyncpg

from backend.auth import repository
from backend.auth.passwords import hash_password_async, password_problem, verify_password_async
from backend.auth.principal import Principal, Role
from backend.auth.schemas import Me, NewUser, SessionState, TokenPair, UserRow
from backend.auth.tokens import issue_access_token, issue_refresh_token, read_refresh_token
from backend.coordinates import checked
from backend.errors import Conflict, CredentialsRejected, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from backend.settings import Settings

log = logging.getLogger("fieldsales.auth")

# Log-in throttling (documented in README), per email whether or not a user has it, so the answers
# do not tell which emails exist: 5 failures in a row are free, then each further attempt must wait
# 1, 2, 4 ... seconds, at most 5 minutes (a 429 with Retry-After, no password checked), until a success.
# The wait slows a guesser without locking the real user out for long. Concurrent attempts on one
# email are checked one after another (its row is locked), so 30 at once check at most 5 passwords.
FREE_FAILURES = 5
MAX_WAIT_S = 5 * 60
# Per client address: 20 failed logins (any accounts) in a 15-minute window answer 429 until it ends.
# Only failures count, so an office of reps behind one address can log in all at once.
MAX_FAILURES_PER_ADDRESS = 20
ADDRESS_WINDOW_S = 15 * 60
_BAD_CREDENTIALS = "email or password is wrong"
_WAIT = "too many failed logins for this email; wait before the next attempt"


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def principal_of(user: UserRow) -> Principal:
    return Principal(user_id=user.id, role=user.role, email=user.email, session_version=user.session_version)


async def _issue_pair(
    conn: asyncpg.Connection, settings: Settings, principal: Principal, family_id: uuid.UUID
) -> TokenPair:
    jti = uuid.uuid4()
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.refresh_token_ttl_s)
    await repository.insert_refresh_token(conn, jti, principal.user_id, family_id, expires_at)
    return TokenPair(
        access_token=issue_access_token(settings, principal),
        refresh_token=issue_refresh_token(settings, principal, jti, family_id),
        expires_in=settings.access_token_ttl_s,
    )


async def login(
    conn: asyncpg.Connection, settings: Settings, email: str, password: str, address: str | None = None
) -> TokenPair:
    if address is not None:
        failures, left_s = await repository.address_failures(conn, address, ADDRESS_WINDOW_S)
        if failures >= MAX_FAILURES_PER_ADDRESS:
            log.warning("login refused: %s failed logins from %s in the window", failures, address)
            raise TooManyRequests("too many failed logins from this address; try again later", retry_after_s=left_s)
    email_key = _normalise_email(email)
    _, wait_s = await repository.claim_login_attempt(conn, email_key)
    if wait_s > 0:
        if address is not None:
            await repository.record_address_failure(conn, address, ADDRESS_WINDOW_S)
        log.warning("login refused: %s must wait %s s after repeated failures", email_key, wait_s)
        raise TooManyRequests(_WAIT, retry_after_s=wait_s)
    user = await repository.user_by_email(conn, email_key)
    # Verify even for an unknown email so response time does not reveal which emails exist.
    password_ok = await verify_password_async(password, None if user is None else user.password_hash)
    if user is None or not user.is_active or not password_ok:
        if address is not None:
            await repository.record_address_failure(conn, address, ADDRESS_WINDOW_S)
        await repository.record_login_failure(conn, email_key, FREE_FAILURES, MAX_WAIT_S)
        log.info("failed login for %s", email_key)
        raise CredentialsRejected(_BAD_CREDENTIALS)
    await repository.forget_login_failures(conn, email_key)
    return await _issue_pair(conn, settings, principal_of(user), uuid.uuid4())


async def logout(conn: asyncpg.Connection, principal: Principal) -> None:
    """Ends every session of the caller: all their access and refresh tokens stop working at once."""
    await repository.bump_session_version(conn, principal.user_id)


async def current_session(conn: asyncpg.Connection, user_id: int) -> SessionState | None:
    """The user's session state a token is checked against (None: the user no longer exists)."""
    return await repository.session_of(conn, user_id)


async def refresh(conn: asyncpg.Connection, settings: Settings, refresh_token: str) -> TokenPair:
    claims = read_refresh_token(settings, refresh_token)
    stored = await repository.refresh_token_for_update(conn, claims.jti)
    if stored is None or stored.user_id != claims.user_id:
        raise Unauthenticated("the refresh token is not valid")
    if stored.revoked_at is not None:
        raise Unauthenticated("the refresh token was revoked; log in again")
    if stored.used_at is not None:
        # A spent token presented again means it leaked: revoke every token of this login.
        await repository.revoke_refresh_family(conn, stored.family_id)
        raise CredentialsRejected("the refresh token was already used; log in again")
    user = await repository.user_by_id(conn, stored.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("the account is disabled")
    if user.session_version != claims.session_version:
        raise Unauthenticated("the session has ended (log-out, or the account changed); log in again")
    await repository.spend_refresh_token(conn, stored.jti)
    return await _issue_pair(conn, settings, principal_of(user), stored.family_id)


async def me(conn: asyncpg.Connection, principal: Principal) -> Me:
    user = await repository.user_by_id(conn, principal.user_id)
    if user is None:
        raise NotFound("the user no longer exists")
    return await repository.me(conn, user)


async def create_user(conn: asyncpg.Connection, new: NewUser) -> int:
    email = _normalise_email(new.email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput("not an email address", field="email")
    if not new.name.strip():
        raise InvalidInput("a name is required", field="name")
    problem = password_problem(new.password, (email, new.name))
    if problem is not None:
        raise InvalidInput(problem, field="password")
    if await repository.user_by_email(conn, email) is not None:
        raise Conflict(f"a user with email {email} exists", field="email")
    supervisor_id: int | None = None
    if new.supervisor_email is not None:
        supervisor = await repository.user_by_email(conn, _normalise_email(new.supervisor_email))
        if supervisor is None or supervisor.role is not Role.SUPERVISOR:
            raise InvalidInput("no supervisor with that email", field="supervisor")
        supervisor_id = supervisor.id
    if new.home is not None:
        checked(new.home.lat, new.home.lon, field="home")
    password_hash = await hash_password_async(new.password)
    user_id = await repository.insert_user(conn, email, new.name.strip(), new.role, password_hash, supervisor_id)
    if new.role is Role.REP and new.field_profile:
        await repository.insert_rep_profile(conn, user_id, new.home)
    return user_id
