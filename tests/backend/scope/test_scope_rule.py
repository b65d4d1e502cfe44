"""The scope rule (migration 0007), pinned as a table: each kind of caller x each kind of row.

A small world of its own, inside the test's transaction: supervisors S1 (team: reps R1, R2) and S2
(team: R3), an admin A; territories T_own (owner R1, backup R3), T_team (owner R2), T_other (owner
R3), T_none (no owner). The SQL functions are asked directly, and one query of each family (a rep
row, a territory row) through the features that use them.
"""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import pytest

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[3]
SQUARE = "MULTIPOLYGON(((0 0, 0.001 0, 0.001 0.001, 0 0.001, 0 0)))"

# Who may read which person: (caller, role) -> the people visible to them.
REPS_SEEN = {
    ("R1", "rep"): {"R1"},
    ("R3", "rep"): {"R3"},
    ("S1", "supervisor"): {"S1", "R1", "R2"},
    ("S2", "supervisor"): {"S2", "R3"},
    ("A", "admin"): {"A", "S1", "S2", "R1", "R2", "R3"},
}
# Who may read which territory: a rep owned or backed up, a supervisor the team's owned, an admin all.
TERRITORIES_SEEN = {
    ("R1", "rep"): {"T_own"},
    ("R2", "rep"): {"T_team"},
    ("R3", "rep"): {"T_own", "T_other"},
    ("S1", "supervisor"): {"T_own", "T_team"},
    ("S2", "supervisor"): {"T_other"},
    ("A", "admin"): {"T_own", "T_team", "T_other", "T_none"},
}


@pytest.fixture
async def world(conn: asyncpg.Connection) -> dict[str, int]:
    ids: dict[str, int] = {}

    async def user(name: str, role: str, supervisor: str | None) -> None:
        ids[name] = await conn.fetchval(
            "insert into users (email, name, role, password_hash, supervisor_id) values ($1, $2, $3, 'x', $4) "
            "returning id",
            f"scope-{name.lower()}@example.com",
            name,
            role,
            ids.get(supervisor) if supervisor else None,
        )

    await user("A", "admin", None)
    await user("S1", "supervisor", None)
    await user("S2", "supervisor", None)
    await user("R1", "rep", "S1")
    await user("R2", "rep", "S1")
    await user("R3", "rep", "S2")
    for position, (name, owner, backup) in enumerate(
        [("T_own", "R1", "R3"), ("T_team", "R2", None), ("T_other", "R3", None), ("T_none", None, None)]
    ):
        ids[name] = await conn.fetchval(
            "insert into territories (code, name, geom, owner_rep_id, backup_rep_id) "
            "values ($1, $1, ST_Translate(ST_GeomFromText($2, 4326), 10 + $3, 10), $4, $5) returning id",
            f"scope-{name}",
            SQUARE,
            float(position),
            ids.get(owner) if owner else None,
            ids.get(backup) if backup else None,
        )
    return ids


def _names(ids: dict[str, int], found: set[int], prefix: str) -> set[str]:
    return {name for name, value in ids.items() if value in found and name.startswith(prefix)}


@pytest.mark.parametrize(("caller", "expected"), list(REPS_SEEN.items()), ids=lambda v: str(v))
async def test_visible_rep_ids(
    conn: asyncpg.Connection, world: dict[str, int], caller: tuple[str, str], expected: set[str]
) -> None:
    name, role = caller
    found = {row[0] for row in await conn.fetch("select visible_rep_ids($1, $2)", role, world[name])}
    people = {key for key in world if key[0] in "ASR" and not key.startswith("T")}
    assert {n for n in people if world[n] in found} == expected


@pytest.mark.parametrize(("caller", "expected"), list(TERRITORIES_SEEN.items()), ids=lambda v: str(v))
async def test_visible_territory_ids(
    conn: asyncpg.Connection, world: dict[str, int], caller: tuple[str, str], expected: set[str]
) -> None:
    name, role = caller
    found = {row[0] for row in await conn.fetch("select visible_territory_ids($1, $2)", role, world[name])}
    assert _names(world, found, "T_") == expected


@pytest.mark.parametrize(("caller", "expected"), list(REPS_SEEN.items()), ids=lambda v: str(v))
async def test_rep_rows_through_a_feature(
    conn: asyncpg.Connection, world: dict[str, int], caller: tuple[str, str], expected: set[str]
) -> None:
    """A rep-kind row (a visit's rep, a route's rep) is readable exactly when its rep is visible."""
    from backend.auth.principal import Principal, Role
    from backend.scope.service import rep_is_visible

    name, role = caller
    principal = Principal(user_id=world[name], role=Role(role), email="x")
    readable = {rep for rep in ("R1", "R2", "R3") if await rep_is_visible(conn, principal, world[rep])}
    assert readable == {rep for rep in expected if rep.startswith("R")}


@pytest.mark.parametrize(("caller", "expected"), list(TERRITORIES_SEEN.items()), ids=lambda v: str(v))
async def test_territory_rows_through_a_feature(
    conn: asyncpg.Connection, world: dict[str, int], caller: tuple[str, str], expected: set[str]
) -> None:
    """A territory-kind row (a territory, an account in it) is listed exactly when the territory is visible."""
    from backend.auth.principal import Principal, Role
    from backend.territories import repository

    name, role = caller
    principal = Principal(user_id=world[name], role=Role(role), email="x")
    listed = await repository.list_visible(conn, principal.role.value, principal.user_id)
    assert _names(world, {t.id for t in listed}, "T_") == expected


# The spelled-out rule: a role compared in SQL, a team by supervisor_id, territories by owner or backup.
_PREDICATE = r"\b(?:where|or|and)\s+\(?\s*(?:\w+\.)?"
SPELLED_OUT = [
    re.compile(_PREDICATE + r"supervisor_id\s*=\s*\$"),
    re.compile(r"\$\d+(?:::text)?\s*=\s*'(?:admin|supervisor)'"),
    re.compile(_PREDICATE + r"(?:owner|backup)_rep_id\s*=\s*\$\d+\s+or\b"),
    re.compile(r"\bor\s+\(?\s*(?:\w+\.)?backup_rep_id\s*=\s*\$"),
]


def test_the_scope_rule_is_spelled_out_in_one_migration_only() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {pattern.pattern}"
        for path in sorted((ROOT / "backend").rglob("queries.sql"))
        for pattern in SPELLED_OUT
        if pattern.search(path.read_text())
    ]
    assert offenders == []
    migrations = [
        path.name
        for path in sorted((ROOT / "backend" / "db" / "migrations").glob("*.sql"))
        if re.search(r"supervisor_id\s*=\s*p_user_id", path.read_text())
    ]
    assert migrations == ["0007_scope.sql"]
