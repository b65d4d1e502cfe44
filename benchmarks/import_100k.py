"""Benchmark: import, normalise and de-duplicate 100,000 account rows (target: under 60 s), and the
same into a base that already holds 100,000 accounts (target: under 90 s).

    .venv/bin/python benchmarks/import_100k.py [--rows 100000] [--base 100000] [--database-url URL]

With ``--base N`` the database first receives N accounts written by plain SQL (as another system
would load them: no matching keys; the import's matcher computes them first, timed with it), spread
over the same region: 90 % other outlets, 10 % outlets of the import's first file as that other
system spells them (E.164 phones, ", Helsinki" after the street, coordinates up to 20 m away). The
report adds how many import rows of those outlets ended in their base account.

Generates (seeded) two files, as two managers keep them: ``accounts_a.csv`` (UTF-8, ``,``) and
``accounts_b.xlsx``, together ``--rows`` rows about ``0.8 * rows`` outlets across the Helsinki
region (about 450 km²); a quarter of the outlets appear in both files, spelled differently (case,
legal forms, local phone formats, coordinates moved by up to 30 m). The database (default: the
``fieldsales_bench`` database made by ``scripts/ensure_db.sh``; its schema is re-created) is migrated
and holds the demo city. Then it times, in one transaction each:

1. reading + normalising alone, de-duplicating alone, and as a peer in the same run all-pairs
   scoring of a 1,000-row sample against blocking + scoring of the same sample;
2. the first import (read, normalise, block + score + cluster, write accounts, provenance, merges);
3. the same import again (must create nothing and change nothing).

Prints the phases and the pairwise precision/recall of the de-duplication against the truth.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from backend.db.migrate import migrate  # noqa: E402
from backend.db.pool import connect  # noqa: E402
from backend.demo.service import load_demo_city  # noqa: E402
from backend.imports import service  # noqa: E402
from backend.imports.schemas import ImportOptions, UploadedFile  # noqa: E402
from backend.settings import load_settings  # noqa: E402
from geo_data.dedupe import block_pairs, score_pairs  # noqa: E402
from geo_data.demo_city import load_demo_city as read_demo_city  # noqa: E402

WORDS = [
    "Aurora",
    "Kuu",
    "Helmi",
    "Tähti",
    "Sointu",
    "Ilta",
    "Meri",
    "Koivu",
    "Lumi",
    "Onni",
    "Päivä",
    "Ranta",
    "Satama",
    "Torni",
    "Vaahtera",
    "Kettu",
    "Karhu",
    "Ilves",
    "Joutsen",
    "Kielo",
    "Myrsky",
    "Pilvi",
    "Sade",
    "Tuuli",
    "Usva",
    "Hiekka",
    "Kallio",
    "Niitty",
    "Metsä",
    "Puro",
    "Saari",
    "Lähde",
    "Ahven",
    "Hauki",
    "Kuikka",
    "Lokki",
    "Tiira",
    "Varis",
    "Harakka",
    "Pöllö",
    "Sammal",
    "Kanerva",
    "Mustikka",
    "Puolukka",
]
KINDS = ["Kahvila", "Ravintola", "Baari", "Pub", "Bistro", "Grilli", "Pizzeria", "Kioski", "Market", "Leipomo"]
STREETS = [
    "Mannerheimintie",
    "Hämeentie",
    "Mäkelänkatu",
    "Itäväylä",
    "Tuusulanväylä",
    "Vihdintie",
    "Kehä",
    "Sturenkatu",
    "Fleminginkatu",
    "Kaivokatu",
    "Runeberginkatu",
    "Topeliuksenkatu",
    "Pohjoisesplanadi",
]
BOX = (60.15, 24.70, 60.30, 25.20)


def make_rows(rows: int, seed: int) -> tuple[list[list[object]], list[list[object]], dict[tuple[str, int], int]]:
    rng = random.Random(seed)
    outlets = int(rows * 0.8)
    both = rows - outlets  # outlets that appear in both files
    a_rows: list[list[object]] = [["id", "name", "address", "phone", "tax_id", "lat", "lon", "opening_hours"]]
    b_rows: list[list[object]] = [["Nimi", "Osoite", "Puhelin", "Y-tunnus", "Leveys", "Pituus"]]
    truth: dict[tuple[str, int], int] = {}
    for key in range(outlets):
        name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}{rng.randrange(1, 99)}"
        address = f"{rng.choice(STREETS)} {rng.randrange(1, 200)}"
        lat, lon = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        phone = f"{rng.choice(['40', '44', '50'])}{rng.randrange(1_000_000, 9_999_999)}"
        in_b = key < both
        in_a = not in_b or key % 2 == 0
        if in_a or in_b:
            a_rows.append(
                [
                    f"A{key}",
                    name,
                    address,
                    f"0{phone}",
                    None,
                    round(lat, 6),
                    round(lon, 6),
                    rng.choice(["09:00-18:00", "Mo-Fr 08:00-20:00; Sa 10:00-16:00", None]),
                ]
            )
            truth[("accounts_a.csv", len(a_rows))] = key
        if in_b:
            d = rng.uniform(0, 30)
            bearing = rng.uniform(0, 2 * math.pi)
            b_lat = lat + d * math.cos(bearing) / 111_320
            b_lon = lon + d * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
            b_rows.append(
                [
                    name.upper() if rng.random() < 0.5 else f"{name} Oy",
                    f"{address}, 00100 Helsinki",
                    f"+358 {phone[:2]} {phone[2:]}",
                    None,
                    round(b_lat, 6),
                    round(b_lon, 6),
                ]
            )
            truth[("accounts_b.xlsx", len(b_rows))] = key
    return a_rows, b_rows, truth


def write_csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if c is None else c for c in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def write_xlsx(rows: list[list[object]], folder: Path) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("accounts")
    for row in rows:
        sheet.append(row)
    path = folder / "b.xlsx"
    workbook.save(path)
    return path.read_bytes()


def make_base(
    count: int, seed: int, a_rows: list[list[object]], truth: dict[tuple[str, int], int]
) -> tuple[list[tuple[str, str, list[str], float, float]], dict[int, int]]:
    """Base accounts (name, address, phones, lat, lon) and, for outlets shared with the import,
    outlet key -> index in the base."""
    rng = random.Random(seed + 1000)
    base: list[tuple[str, str, list[str], float, float]] = []
    shared: dict[int, int] = {}
    for position, row in enumerate(a_rows[1:], start=2):
        if len(shared) >= count // 10:
            break
        if position % 4:
            continue
        name, address, phone, lat, lon = str(row[1]), str(row[2]), str(row[3]), float(str(row[5])), float(str(row[6]))
        moved_lat, moved_lon = lat + rng.uniform(-1, 1) * 12 / 111_320, lon + rng.uniform(-1, 1) * 20 / 55_000
        shared[truth[("accounts_a.csv", position)]] = len(base)
        base.append((name, f"{address}, Helsinki", ["+358" + phone[1:]], moved_lat, moved_lon))
    while len(base) < count:
        name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(100, 999)}"
        lat, lon = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        phone = f"+358{rng.choice(['40', '44', '50'])}{rng.randrange(1_000_000, 9_999_999)}"
        base.append((name, f"{rng.choice(STREETS)} {rng.randrange(1, 200)}", [phone], lat, lon))
    return base, shared


async def insert_base(conn: asyncpg.Connection, base: list[tuple[str, str, list[str], float, float]]) -> list[int]:
    rows = await conn.fetch(
        "insert into accounts (name, address, phones, channel, location) "
        "select b.name, b.address, string_to_array(b.phones, ','), 'horeca', "
        "ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326) "
        "from unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[]) "
        "with ordinality as b(name, address, phones, lat, lon, n) order by b.n returning id",
        [b[0] for b in base],
        [b[1] for b in base],
        [",".join(b[2]) for b in base],
        [b[3] for b in base],
        [b[4] for b in base],
    )
    return [r["id"] for r in rows]


def _backend_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a local PostgreSQL backend (from /proc; 0 when not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(rows: int, database_url: str, seed: int, base_count: int = 0, import_only: bool = False) -> None:
    settings = load_settings({}, environment="test", database_url=database_url)
    t0 = time.perf_counter()
    a_rows, b_rows, truth = make_rows(rows, seed)
    with tempfile.TemporaryDirectory() as folder:
        files = [
            UploadedFile("accounts_a.csv", write_csv(a_rows)),
            UploadedFile("accounts_b.xlsx", write_xlsx(b_rows, Path(folder))),
        ]
    print(
        f"generated {len(a_rows) - 1} + {len(b_rows) - 1} rows in {time.perf_counter() - t0:.1f} s "
        f"({sum(len(f.data) for f in files) / 1e6:.1f} MB)"
    )
    conn = await connect(settings)
    try:
        await conn.execute("drop schema if exists public cascade; create schema public;")
        await migrate(conn)
        async with conn.transaction():
            await load_demo_city(conn, read_demo_city())
        base_ids: list[int] = []
        shared: dict[int, int] = {}
        if base_count:
            base, shared = make_base(base_count, seed, a_rows, truth)
            t = time.perf_counter()
            async with conn.transaction():
                base_ids = await insert_base(conn, base)
            await conn.execute("analyze accounts")
            print(
                f"base: {len(base_ids)} accounts written by plain SQL (no matching keys) in "
                f"{time.perf_counter() - t:.1f} s; {len(shared)} of them are outlets of the import"
            )
        options = ImportOptions(region_bbox="19.0,59.0,32.0,70.5", max_file_bytes=200 * 1024 * 1024)

        read_s = dedupe_s = 0.0
        if not import_only:
            t = time.perf_counter()
            _, parsed, rejected, _ = service.read_files(files, options)
            read_s = time.perf_counter() - t
            print(f"read + normalise only: {read_s:.1f} s for {len(parsed)} rows ({len(rejected)} rejected)")

            keyed = [service._Keyed(r, r.file_name, r.external_id or f"row:{r.content_hash}") for r in parsed]
            t = time.perf_counter()
            service.dedupe_rows(keyed)
            dedupe_s = time.perf_counter() - t
            print(f"de-duplicate only (block, score, cluster, golden records): {dedupe_s:.1f} s")

            # Peer in the same run: every pair of a 1,000-row sample scored (no blocking) against blocking.
            sample = [service._row_candidate(k.row) for k in keyed[:1000]]
            all_pairs = [(i, j) for i in range(len(sample)) for j in range(i + 1, len(sample))]
            t = time.perf_counter()
            score_pairs(sample, sample, all_pairs)
            all_s = time.perf_counter() - t
            t = time.perf_counter()
            blocked = sorted(block_pairs(sample))
            score_pairs(sample, sample, blocked)
            blocked_s = time.perf_counter() - t
            print(
                f"1,000-row sample: all {len(all_pairs):,} pairs scored in {all_s:.2f} s; blocking + "
                f"{len(blocked):,} pairs in {blocked_s:.3f} s ({all_s / blocked_s:.0f}x); all pairs of "
                f"{rows:,} rows would take ~{all_s * (rows / 1000) ** 2 / 3600:.1f} h"
            )

        backend_pid = await conn.fetchval("select pg_backend_pid()")
        cpu_client, cpu_backend = time.process_time(), _backend_cpu_s(backend_pid)
        t = time.perf_counter()
        async with conn.transaction():
            report = await service.import_accounts(conn, files, options, None)
        first_s = time.perf_counter() - t
        cpu_client, cpu_backend = time.process_time() - cpu_client, _backend_cpu_s(backend_pid) - cpu_backend
        print(
            f"first import: {first_s:.1f} s (database writes and stored-account blocking about "
            f"{max(0.0, first_s - read_s - dedupe_s):.1f} s of it)"
        )
        print(
            f"  CPU time of the first import: {cpu_client:.1f} s in this process, {cpu_backend:.1f} s in its "
            f"database backend (load average {os.getloadavg()[0]:.1f} during the run: wall time waits for "
            f"the 2 shared cores)"
        )
        print(report.summary)

        t = time.perf_counter()
        async with conn.transaction():
            again = await service.import_accounts(conn, files, options, None)
        second_s = time.perf_counter() - t
        print(
            f"second import (idempotent): {second_s:.1f} s; created {again.counts.created}, "
            f"updated {again.counts.updated}, unchanged {again.counts.unchanged}"
        )

        stored = await conn.fetch(
            "select file_name, row_number, account_id from account_sources where file_name is not null"
        )
        account_of = {(r["file_name"], r["row_number"]): r["account_id"] for r in stored}
        by_account: dict[int, list[int]] = defaultdict(list)
        by_truth: dict[int, list[int]] = defaultdict(list)
        for row, entity in truth.items():
            by_truth[entity].append(account_of[row])
            by_account[account_of[row]].append(entity)
        true_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_truth.values())
        predicted = sum(len(v) * (len(v) - 1) // 2 for v in by_account.values())
        correct = 0
        for accounts in by_truth.values():
            counts: dict[int, int] = defaultdict(int)
            for account in accounts:
                counts[account] += 1
            correct += sum(n * (n - 1) // 2 for n in counts.values())
        print(
            f"pairwise precision {correct / max(predicted, 1):.4f}, recall {correct / max(true_pairs, 1):.4f} "
            f"({correct} of {true_pairs} true pairs, {predicted} predicted)"
        )
        if base_count:
            in_base = [account_of[row] == base_ids[shared[entity]] for row, entity in truth.items() if entity in shared]
            print(
                f"rows of outlets already in the base that ended in their base account: {sum(in_base)} of "
                f"{len(in_base)}"
            )
        target = 90 if base_count else 60
        print(f"TOTAL first import {first_s:.1f} s (target < {target} s): {'PASS' if first_s < target else 'FAIL'}")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--base", type=int, default=0, help="accounts already in the database before the import")
    parser.add_argument("--import-only", action="store_true", help="skip the phases timed alone and the peer")
    parser.add_argument("--database-url", default=None, help="default: scripts/ensure_db.sh fieldsales_bench")
    args = parser.parse_args()
    url = (
        args.database_url
        or subprocess.run(
            [str(ROOT / "scripts" / "ensure_db.sh"), "fieldsales_bench"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    asyncio.run(run(args.rows, url, args.seed, args.base, args.import_only))


if __name__ == "__main__":
    main()
