"""Argon2id password hashing, off the event loop with bounded concurrency."""

from __future__ import annotations

import asyncio

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# OWASP's minimum for Argon2id (19 MiB, 2 iterations): about 21 ms here, against ~124 ms for the
# library defaults; logins are rate-limited separately.
_HASHER = PasswordHash((Argon2Hasher(memory_cost=19 * 1024, time_cost=2, parallelism=1),))
_CONCURRENT_HASHES = asyncio.Semaphore(4)
MIN_PASSWORD_LENGTH = 8
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
