"""The duplicate review queue (merge or dismiss) and undoing merges.

A merge keeps the survivor (by default the older account; the one with visits or planned stops
when only one has them: such an account is never merged away), fills its empty fields from the other,
unites the phone numbers, moves the other's provenance (`account_sources`) to it and deletes the
other, recording a full snapshot in `account_merges`. Undo restores the merged account with its own
id, moves its provenance back, restores the survivor's fields and puts the pair back in the review
queue (open), so a merge that kept the wrong survivor can be redone from the queue (or dismissed).
File rows merged during an import are undone the same way, becoming an account of their own.
"""

from __future__ import annotations

import asyncpg

from backend.auth.principal import Principal
from backend.duplicates import repository
from backend.duplicates.schemas import DuplicatePage, DuplicatePair, MergeResult, MergeRow, UndoResult
from backend.errors import Conflict, InvalidInput, NotFound
from backend.pagination import decode_cursor, encode_cursor
from backend.scope.service import visible_territory_ids


async def _scope(conn: asyncpg.Connection, principal: Principal) -> list[int]:
    return await visible_territory_ids(conn, principal)


async def list_pairs(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    status: str = "open",
    cursor: str | None = None,
    limit: int = 50,
) -> DuplicatePage:
    after = None
    if cursor is not None:
        (after_value,) = decode_cursor(cursor, (int,))
        assert isinstance(after_value, int)
        after = after_value
    rows = await repository.list_candidates(conn, await _scope(conn, principal), status, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    briefs = await repository.account_briefs(conn, sorted({i for r in rows for i in (r.account_a_id, r.account_b_id)}))
    items = [
        DuplicatePair(
            id=r.id,
            score=r.score,
            signals=r.signals,
            status=r.status,
            created_at=r.created_at,
            a=briefs[r.account_a_id],
            b=briefs[r.account_b_id],
        )
        for r in rows
    ]
    return DuplicatePage(items=items, next_cursor=encode_cursor([rows[-1].id]) if more else None)


async def merge_pair(
    conn: asyncpg.Connection, principal: Principal, candidate_id: int, keep_id: int | None = None
) -> MergeResult:
    candidate = await repository.get_candidate(conn, await _scope(conn, principal), candidate_id)
    if candidate is None:
        raise NotFound(f"duplicate pair {candidate_id} not found", field="candidate_id")
    if candidate.status != "open":
        raise Conflict(f"duplicate pair {candidate_id} was {candidate.status} already", field="candidate_id")
    pair = (candidate.account_a_id, candidate.account_b_id)
    winner = pair[0] if keep_id is None else keep_id
    if winner not in pair:
        raise InvalidInput(f"keep_id must be {pair[0]} or {pair[1]}", field="keep_id")
    loser = pair[1] if winner == pair[0] else pair[0]
    if await repository.account_has_history(conn, loser):
        # Visits and planned stops point at the merged-away account: keep that one instead.
        if keep_id is not None or await repository.account_has_history(conn, winner):
            raise Conflict(
                f"account {loser} has visits or planned stops; keep it (keep_id={loser}) or leave the pair open",
                field="keep_id",
            )
        winner, loser = loser, winner
    before = await repository.full_snapshot(conn, winner)
    snapshot = await repository.full_snapshot(conn, loser)
    assert before is not None and snapshot is not None
    moved = await repository.merge_accounts(conn, winner, loser)  # the candidate row goes with the loser
    merge_id = await repository.insert_merge(
        conn, winner, loser, snapshot, before, moved, candidate.score, candidate.signals, principal.user_id
    )
    return MergeResult(merge_id=merge_id, winner_id=winner, loser_id=loser)


async def dismiss_pair(conn: asyncpg.Connection, principal: Principal, candidate_id: int) -> None:
    candidate = await repository.get_candidate(conn, await _scope(conn, principal), candidate_id)
    if candidate is None:
        raise NotFound(f"duplicate pair {candidate_id} not found", field="candidate_id")
    await repository.dismiss(conn, candidate_id, principal.user_id)


async def list_merges(conn: asyncpg.Connection, principal: Principal, account_id: int) -> list[MergeRow]:
    scope = await _scope(conn, principal)
    if not await repository.account_exists_in_scope(conn, scope, account_id):
        raise NotFound(f"account {account_id} not found", field="account_id")
    return await repository.list_merges(conn, scope, account_id)


async def undo_merge(conn: asyncpg.Connection, principal: Principal, merge_id: int) -> UndoResult:
    merge = await repository.get_merge(conn, await _scope(conn, principal), merge_id)
    if merge is None:
        raise NotFound(f"merge {merge_id} not found", field="merge_id")
    if merge.undone_at is not None:
        raise Conflict(f"merge {merge_id} was undone already", field="merge_id")
    if merge.loser_id is not None:
        await repository.restore_account(conn, merge.loser_snapshot)
        restored = merge.loser_id
    else:
        restored = await repository.insert_account_from_row(conn, merge.loser_snapshot)
    await repository.replace_hours(conn, restored, list(merge.loser_snapshot.get("opening_hours") or []))
    await repository.move_sources_back(conn, merge.source_ids, restored)
    if merge.winner_before:
        await repository.restore_winner(conn, merge.winner_id, merge.winner_before)
        await repository.replace_hours(conn, merge.winner_id, list(merge.winner_before.get("opening_hours") or []))
    await repository.mark_undone(conn, merge_id, principal.user_id)
    await repository.reopen_pair(conn, merge.winner_id, restored, merge.score, merge.signals)
    return UndoResult(merge_id=merge_id, winner_id=merge.winner_id, restored_account_id=restored)
