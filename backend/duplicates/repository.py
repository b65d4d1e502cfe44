"""SQL of the duplicate review queue and of merges, scoped by the caller's territories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from backend.db.queries import load_queries
from backend.duplicates.schemas import AccountBrief, CandidateRow, MergeRow

Q = load_queries("backend.duplicates")


async def list_candidates(
    conn: asyncpg.Connection, territory_ids: list[int], status: str, after_id: int | None, limit: int
) -> list[CandidateRow]:
    rows = await conn.fetch(Q["list_candidates"], territory_ids, status, after_id, limit)
    return [msgspec.convert(dict(row), CandidateRow) for row in rows]


async def get_candidate(conn: asyncpg.Connection, territory_ids: list[int], candidate_id: int) -> CandidateRow | None:
    row = await conn.fetchrow(Q["get_candidate"], territory_ids, candidate_id)
    return None if row is None else msgspec.convert(dict(row), CandidateRow)


async def account_briefs(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, AccountBrief]:
    rows = await conn.fetch(Q["account_briefs"], list(ids))
    return {row["id"]: msgspec.convert(dict(row), AccountBrief) for row in rows}


async def dismiss(conn: asyncpg.Connection, candidate_id: int, user_id: int) -> None:
    await conn.execute(Q["dismiss_candidate"], candidate_id, user_id)


async def full_snapshot(conn: asyncpg.Connection, account_id: int) -> dict[str, Any] | None:
    snapshot: dict[str, Any] | None = await conn.fetchval(Q["full_snapshot"], account_id)
    return snapshot


async def merge_accounts(conn: asyncpg.Connection, winner_id: int, loser_id: int) -> list[int]:
    """Fill the winner from the loser, move the loser's provenance, delete the loser; moved source ids."""
    await conn.execute(Q["fill_winner"], winner_id, loser_id)
    moved = [row["id"] for row in await conn.fetch(Q["move_sources"], loser_id, winner_id)]
    await conn.execute(Q["repoint_merges"], loser_id, winner_id)
    await conn.execute(Q["delete_account"], loser_id)
    return moved


async def insert_merge(
    conn: asyncpg.Connection,
    winner_id: int,
    loser_id: int,
    loser_snapshot: dict[str, Any],
    winner_before: dict[str, Any],
    source_ids: list[int],
    score: float,
    signals: dict[str, Any],
    user_id: int,
) -> int:
    merge_id: int = await conn.fetchval(
        Q["insert_merge"], winner_id, loser_id, loser_snapshot, winner_before, source_ids, score, signals, user_id
    )
    return merge_id


async def get_merge(conn: asyncpg.Connection, territory_ids: list[int], merge_id: int) -> MergeRow | None:
    row = await conn.fetchrow(Q["get_merge"], territory_ids, merge_id)
    return None if row is None else msgspec.convert(dict(row), MergeRow)


async def account_exists_in_scope(conn: asyncpg.Connection, territory_ids: list[int], account_id: int) -> bool:
    """The account exists and lies in one of the territories, or in none (unassigned)."""
    row = await conn.fetchrow(Q["account_territory"], account_id)
    return row is not None and (row["territory_id"] is None or row["territory_id"] in territory_ids)


async def list_merges(conn: asyncpg.Connection, territory_ids: list[int], account_id: int) -> list[MergeRow]:
    rows = await conn.fetch(Q["list_merges"], territory_ids, account_id)
    return [msgspec.convert(dict(row), MergeRow) for row in rows]


async def restore_account(conn: asyncpg.Connection, snapshot: dict[str, Any]) -> None:
    await conn.execute(Q["restore_account"], snapshot)


async def insert_account_from_row(conn: asyncpg.Connection, snapshot: dict[str, Any]) -> int:
    account_id: int = await conn.fetchval(Q["insert_account_from_row_snapshot"], snapshot)
    return account_id


async def replace_hours(conn: asyncpg.Connection, account_id: int, windows: list[Any]) -> None:
    await conn.execute(Q["delete_hours"], account_id)
    await conn.execute(Q["insert_hours"], account_id, windows)


async def restore_winner(conn: asyncpg.Connection, winner_id: int, before: dict[str, Any]) -> None:
    await conn.execute(Q["restore_winner"], winner_id, before)


async def move_sources_back(conn: asyncpg.Connection, source_ids: list[int], account_id: int) -> None:
    await conn.execute(Q["move_sources_back"], source_ids, account_id)


async def mark_undone(conn: asyncpg.Connection, merge_id: int, user_id: int) -> None:
    await conn.execute(Q["mark_undone"], merge_id, user_id)


async def reopen_pair(conn: asyncpg.Connection, a: int, b: int, score: float | None, signals: dict[str, Any]) -> None:
    await conn.execute(Q["reopen_pair"], a, b, score, signals)


async def account_has_history(conn: asyncpg.Connection, account_id: int) -> bool:
    in_use: bool = await conn.fetchval(Q["account_has_history"], account_id)
    return in_use
