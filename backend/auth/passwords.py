"""Argon2id password hashing, off the event loop with bounded concurrency, and the password policy."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# OWASP's minimum for Argon2id (19 MiB, 2 iterations): about 21 ms here, against ~124 ms for the
# library defaults; logins are rate-limited separately.
_HASHER = PasswordHash((Argon2Hasher(memory_cost=19 * 1024, time_cost=2, parallelism=1),))
_CONCURRENT_HASHES = asyncio.Semaphore(4)
MIN_PASSWORD_LENGTH = 8
# Long passphrases are welcome; beyond this a password only costs hashing time (and zxcvbn's
# estimate grows quadratically with length).
MAX_PASSWORD_LENGTH = 128
# zxcvbn's score (0-4) from its bundled lists of common passwords, names and words (no network):
# 2 means "somewhat guessable", at least 10^6 guesses; `12345678`, `password1` score 0 or 1.
MIN_PASSWORD_SCORE = 2
# Verified against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _HASHER.hash("fieldsales-timing-equaliser")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    return _HASHER.verify(password, password_hash or _DUMMY_HASH)


async def hash_password_async(password: str) -> str:
    async with _CONCURRENT_HASHES:
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    async with _CONCURRENT_HASHES:
        return await asyncio.to_thread(verify_password, password, password_hash)


def password_problem(password: str, related: Sequence[str] = ()) -> str | None:
    """Why a new password is refused (None when it is acceptable): too short, too long, or common or
    guessable by zxcvbn's estimate, counting the user's own email and name (`related`) as known."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"a password has at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    from zxcvbn import zxcvbn

    result = zxcvbn(password, user_inputs=[item for item in related if item])
    if int(result["score"]) < MIN_PASSWORD_SCORE:
        warning = str(result["feedback"].get("warning") or "").rstrip(".")
        reason = f" ({warning.lower()})" if warning else ""
        return f"the password is too common or easy to guess{reason}; use a longer passphrase"
    return None
