"""Forward-only, checksummed SQL migrations.

Files `migrations/NNNN_name.sql` run in order, each in its own transaction, under an advisory lock
so two processes never migrate at once. An applied file whose text changed is an error: migrations
are never edited, only added.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg

_LOCK_KEY = 7_301_946_215  # any constant, shared by every fieldsales process


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


class MigrationError(Exception):
    pass


def available_migrations() -> list[Migration]:
    folder = resources.files("backend.db").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        if not number.isdigit():
            raise MigrationError(f"migration file {entry.name!r} must start with a number")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a number")
    return found


_CREATE_LEDGER = """
create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
)
"""


async def applied_checksums(conn: asyncpg.Connection) -> dict[int, str]:
    exists = await conn.fetchval("select to_regclass('schema_migrations') is not null")
    if not exists:
        return {}
    rows = await conn.fetch("select version, checksum from schema_migrations")
    return {row["version"]: row["checksum"] for row in rows}


async def pending_migrations(conn: asyncpg.Connection) -> list[Migration]:
    applied = await applied_checksums(conn)
    pending = []
    for migration in available_migrations():
        checksum = applied.get(migration.version)
        if checksum is None:
            pending.append(migration)
        elif checksum != migration.checksum:
            raise MigrationError(f"migration {migration.version:04d}_{migration.name} was changed after it was applied")
    return pending


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Apply pending migrations; returns those applied (empty when the schema is current)."""
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_CREATE_LEDGER)
        pending = await pending_migrations(conn)
        for migration in pending:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
        return pending
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
