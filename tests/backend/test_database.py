"""Migrations and named queries against the real PostgreSQL+PostGIS."""

from __future__ import annotations

import asyncpg
import pytest

from backend.db.migrate import MigrationError, available_migrations, migrate, pending_migrations
from backend.db.queries import QueryFileError, all_query_files, parse_queries


async def test_migrations_are_current_and_a_rerun_is_a_no_op(conn: asyncpg.Connection, migrated: list[str]) -> None:
    assert migrated == [f"{m.version:04d}_{m.name}" for m in available_migrations()]
    assert await pending_migrations(conn) == []
    assert await migrate(conn) == []
    assert await conn.fetchval("select postgis_version()") is not None


async def test_an_edited_migration_is_refused(conn: asyncpg.Connection) -> None:
    await conn.execute("update schema_migrations set checksum = 'edited' where version = 1")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await pending_migrations(conn)


async def test_every_named_query_prepares_against_the_schema(conn: asyncpg.Connection) -> None:
    files = all_query_files()
    assert len(files) >= 4
    prepared = 0
    for path in files:
        for name, sql in parse_queries(path.read_text(), str(path)).items():
            try:
                await conn.prepare(sql)
            except asyncpg.PostgresError as exc:  # pragma: no cover - the message names the query
                pytest.fail(f"{path.parent.name}/{name}: {exc}")
            prepared += 1
    assert prepared >= 20


def test_query_files_reject_duplicates_and_empty_queries() -> None:
    with pytest.raises(QueryFileError, match="defined twice"):
        parse_queries("-- name: a\nselect 1;\n-- name: a\nselect 2;")
    with pytest.raises(QueryFileError, match="empty"):
        parse_queries("-- name: a\n\n-- name: b\nselect 2;")


async def test_territory_is_derived_from_polygons_and_follows_boundary_changes(conn: asyncpg.Connection) -> None:
    account_id, territory_id = await conn.fetchrow(
        "select id, territory_id from accounts where territory_id is not null order by id limit 1"
    )
    covers = await conn.fetchval(
        "select ST_Covers(t.geom, a.location) from accounts a join territories t on t.id = a.territory_id "
        "where a.id = $1",
        account_id,
    )
    assert covers
    # Shrink the territory to nothing near the account: the account loses it.
    await conn.execute(
        "update territories set geom = ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(0, 0), 4326), 0.001)) where id = $1",
        territory_id,
    )
    assert await conn.fetchval("select territory_id from accounts where id = $1", account_id) is None
