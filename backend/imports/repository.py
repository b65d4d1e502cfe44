"""SQL for account imports: set-based reads for blocking, set-based writes for the golden records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from backend.db.queries import load_queries
from backend.imports.schemas import NewAccount

Q = load_queries("backend.imports")


async def find_sources(
    conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str | None]]:
    rows = await conn.fetch(Q["find_sources"], [k[0] for k in keys], [k[1] for k in keys])
    return {(row["source"], row["external_id"]): (row["account_id"], row["content_hash"]) for row in rows}


async def allocate_account_ids(conn: asyncpg.Connection, count: int) -> list[int]:
    if count == 0:
        return []
    return [row["id"] for row in await conn.fetch(Q["allocate_account_ids"], count)]


async def insert_accounts(conn: asyncpg.Connection, ids: Sequence[int], accounts: Sequence[NewAccount]) -> None:
    if not accounts:
        return
    await conn.execute(
        Q["insert_accounts"],
        list(ids),
        [a.name for a in accounts],
        [a.legal_form for a in accounts],
        [a.address for a in accounts],
        [a.address_key for a in accounts],
        [",".join(a.phones) for a in accounts],
        [a.tax_id for a in accounts],
        [a.branch_code for a in accounts],
        [a.lat for a in accounts],
        [a.lon for a in accounts],
        [a.channel for a in accounts],
        [a.category for a in accounts],
        [a.account_class for a in accounts],
        [a.status for a in accounts],
        [a.opening_hours_raw for a in accounts],
        [bool(a.opening_hours) for a in accounts],
    )
    await replace_opening_hours(conn, [(i, a.opening_hours) for i, a in zip(ids, accounts, strict=True)], delete=False)


async def replace_opening_hours(
    conn: asyncpg.Connection, hours: Sequence[tuple[int, list[list[int]]]], *, delete: bool = True
) -> None:
    if delete:
        await conn.execute(Q["delete_opening_hours"], [account_id for account_id, windows in hours if windows])
    flat = [(account_id, w[0], w[1], w[2]) for account_id, windows in hours for w in windows]
    if len(flat) > 1000:
        # Binary COPY: several times faster than INSERT for the ~6 windows per account of a big import.
        await conn.copy_records_to_table(
            "account_opening_hours", records=flat, columns=["account_id", "weekday", "open_s", "close_s"]
        )
    elif flat:
        await conn.execute(
            Q["insert_opening_hours"],
            [f[0] for f in flat],
            [f[1] for f in flat],
            [f[2] for f in flat],
            [f[3] for f in flat],
        )


async def insert_sources(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[int, str, str, str, int, str]],
    import_id: int | None,
) -> dict[tuple[str, str], int]:
    """(account_id, source, external_id, file_name, row_number, content_hash) -> ids by (source, external id)."""
    if not rows:
        return {}
    result = await conn.fetch(
        Q["insert_sources"],
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
        [r[5] for r in rows],
        import_id,
    )
    return {(row["source"], row["external_id"]): row["id"] for row in result}


async def update_source(
    conn: asyncpg.Connection,
    source: str,
    external_id: str,
    content_hash: str,
    file_name: str,
    row_number: int,
    import_id: int | None,
) -> None:
    await conn.execute(Q["update_source"], source, external_id, content_hash, file_name, row_number, import_id)


async def update_account(conn: asyncpg.Connection, account_id: int, account: NewAccount) -> None:
    await conn.execute(
        Q["update_account"],
        account_id,
        account.name,
        account.legal_form,
        account.address,
        account.address_key,
        account.phones,
        account.tax_id,
        account.branch_code,
        account.lat,
        account.lon,
        account.channel,
        account.category,
        account.account_class,
        account.status,
        account.opening_hours_raw,
        bool(account.opening_hours),
    )
    if account.opening_hours:
        await replace_opening_hours(conn, [(account_id, account.opening_hours)])


async def account_snapshot(conn: asyncpg.Connection, account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["account_snapshot"], account_id)
    return None if row is None else dict(row)


async def account_snapshots(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await conn.fetch(Q["account_snapshots"], list(ids))
    return {row["id"]: {k: v for k, v in dict(row).items() if k != "id"} for row in rows}


async def fill_accounts(conn: asyncpg.Connection, rows: Sequence[tuple[int, NewAccount]]) -> None:
    """:func:`fill_account` for many distinct accounts in one statement."""
    if not rows:
        return
    accounts = [a for _, a in rows]
    await conn.execute(
        Q["fill_accounts"],
        [i for i, _ in rows],
        [a.address for a in accounts],
        [a.address_key for a in accounts],
        [",".join(a.phones) for a in accounts],
        [a.tax_id for a in accounts],
        [a.branch_code for a in accounts],
        [a.lat for a in accounts],
        [a.lon for a in accounts],
        [a.legal_form for a in accounts],
        [a.opening_hours_raw for a in accounts],
    )


async def fill_account(conn: asyncpg.Connection, account_id: int, account: NewAccount) -> None:
    await conn.execute(
        Q["fill_account"],
        account_id,
        account.address,
        account.address_key,
        account.phones,
        account.tax_id,
        account.branch_code,
        account.lat,
        account.lon,
        account.legal_form,
        account.opening_hours_raw,
    )


async def insert_merge(
    conn: asyncpg.Connection,
    *,
    winner_id: int,
    loser_id: int | None,
    loser_snapshot: dict[str, Any],
    winner_before: dict[str, Any],
    source_ids: Sequence[int],
    score: float | None,
    signals: dict[str, Any],
    kind: str,
    decided_by: int | None,
) -> int:
    merge_id: int = await conn.fetchval(
        Q["insert_merge"],
        winner_id,
        loser_id,
        loser_snapshot,
        winner_before,
        list(source_ids),
        score,
        signals,
        kind,
        decided_by,
    )
    return merge_id


async def insert_merges(conn: asyncpg.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Many merges at once: (winner, loser, snapshot, before, source_ids, score, signals, kind, decided_by)."""
    if rows:
        await conn.executemany(Q["insert_merge"], rows)


async def insert_import(
    conn: asyncpg.Connection, source: str, user_id: int | None, files: object, summary: object, rejected: object
) -> int:
    import_id: int = await conn.fetchval(Q["insert_import"], source, user_id, files, summary, rejected)
    return import_id


async def update_import_summary(conn: asyncpg.Connection, import_id: int, summary: object) -> None:
    await conn.execute(Q["update_import_summary"], import_id, summary)


async def link_legal_entities(conn: asyncpg.Connection, tax_ids: Sequence[str]) -> None:
    if tax_ids:
        await conn.execute(Q["upsert_legal_entities"], list(tax_ids))
        await conn.execute(Q["link_legal_entities"], list(tax_ids))


async def insert_review_pairs(conn: asyncpg.Connection, pairs: Sequence[tuple[int, int, float, dict[str, Any]]]) -> int:
    if not pairs:
        return 0
    status: str = await conn.execute(
        Q["insert_review_pairs"],
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        [p[2] for p in pairs],
        [p[3] for p in pairs],
    )
    return int(status.split()[-1])


async def territory_split(conn: asyncpg.Connection, ids: Sequence[int]) -> tuple[int, int]:
    row = await conn.fetchrow(Q["territory_split"], list(ids))
    assert row is not None
    return int(row["assigned"]), int(row["unassigned"])
