"""Benchmark: de-duplication on a generated messy customer base, precision and recall per kind of mess.

    .venv/bin/python -m benchmarks.customer_base_mess [--outlets 1000 5000 20000] [--seed 15]
        [--database]   # also import the files one at a time into a database (blocking in PostgreSQL)

The generator (fixed seed; same seed, same files) makes ``--outlets`` outlets in central Helsinki
(80 % Finnish or English names, 20 % Russian names written in Cyrillic) and three files kept by
different people, as in the field:

* ``crm.csv``: the CRM export: legal forms, E.164 phones, Business IDs, coordinates; 70 % of outlets;
* ``manager_fi.csv``: a Finnish manager's sheet (semicolons, decimal commas): 50 % of outlets;
* ``manager_ru.csv``: a Russian-speaking manager's sheet: 40 % of outlets, Russian names in Latin
  letters (three transliteration systems: ISO 9 ``Žemčužina``, BGN ``Zhemchuzhina``, informal
  ``Jemchujina``) or in Cyrillic.

Every outlet is in at least one file. Each row written departs from the outlet's own record by kinds
of mess, drawn independently (probabilities in :data:`MESS`):

===================  ==========================================================================
kind                 what the row does
===================  ==========================================================================
legal_form           adds, moves or drops the legal form ("Oy Kahvila Kuu", "KAHVILA KUU OY")
typo                 one letter swapped, dropped or doubled in a word of the name
transliteration      a Russian name in another script or transliteration system than elsewhere
street               abbreviated or split street word (``k.``, ``Mannerheimin tie``), another
                     house-number form (``12 B``, ``12b``, ``12-b``, ``12 B 5``), postcode/city
                     added or dropped
phone_format         the same number written locally, internationally or with 00
phone_wrong          another number (a typo in the number or an old number)
coords_jitter        coordinates moved by 5-40 m
coords_missing       no coordinates (needs geocoding)
coords_swapped       latitude and longitude swapped
in_sheet_twice       the outlet appears twice in the same sheet
name_change          the outlet renamed ("Bar Loose" -> "Loose Bar & Grill"), same phone and address
===================  ==========================================================================

and ``chain``: 6 % of outlets are branches of chains (3-8 branches under one Business ID, brand
name, often one head-office phone): different outlets that must stay apart.

Truth: a *true pair* is two rows of one outlet; it carries the kinds of both rows. A pair is
*merged* when both rows end in one account, *queued* when their two accounts are a pair in the
review queue (database mode). Figures: precision = merged true pairs / merged pairs; recall =
merged true pairs / true pairs; per kind, recall over the true pairs carrying that kind; for chains,
the share of branch pairs (different outlets of one chain) kept apart. ``found`` counts merged or
queued (a person sees the pair).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import math
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.imports import service  # noqa: E402
from backend.imports.schemas import ImportOptions, UploadedFile  # noqa: E402

KINDS = ("legal_form", "typo", "transliteration", "street", "phone_format", "phone_wrong", "coords_jitter",
         "coords_missing", "coords_swapped", "in_sheet_twice", "name_change")  # fmt: skip
MESS = {"legal_form": 0.35, "typo": 0.15, "street": 0.4, "phone_format": 0.6, "phone_wrong": 0.04,
        "coords_jitter": 0.6, "coords_missing": 0.12, "coords_swapped": 0.05, "in_sheet_twice": 0.03,
        "name_change": 0.03}  # fmt: skip
BOX = (60.155, 24.905, 60.200, 24.975)  # central Helsinki (lat, lon, lat, lon)
FI_TYPES = ["Kahvila", "Ravintola", "Baari", "Pub", "Bistro", "Grilli", "Pizzeria", "Kioski", "Lähikauppa", "Leipomo",
            "Café", "Bar", "Sushi", "Deli", "Viinibaari"]  # fmt: skip
FI_WORDS = ["Aurora", "Kuu", "Helmi", "Tähti", "Sointu", "Ilta", "Meri", "Koivu", "Lumi", "Onni", "Päivä", "Ranta",
            "Satama", "Torni", "Vaahtera", "Kettu", "Karhu", "Ilves", "Joutsen", "Kielo", "Myrsky", "Pilvi", "Sade",
            "Tuuli", "Usva", "Hiekka", "Kallio", "Niitty", "Metsä", "Puro", "Saari", "Lähde", "Ahven", "Hauki",
            "Kuikka", "Lokki", "Tiira", "Varis", "Harakka", "Pöllö", "Sammal", "Kanerva", "Mustikka", "Puolukka",
            "Oskari", "Loose", "Kosmos", "Kappeli", "Ekberg", "Juttutupa", "Corner", "Central", "Golden", "Royal",
            "Blue", "Green", "Sunset", "Harbour", "Nordic", "Baltic", "Garden", "Market", "Station",
            "Union"]  # fmt: skip
RU_TYPES = ["Кафе", "Бар", "Магазин", "Ресторан", "Кофейня", "Пекарня", "Закусочная"]
RU_WORDS = ["Ромашка", "Жемчужина", "Берёзка", "Щелкунчик", "Царь", "Юность", "Якорь", "Ёлка", "Чайка", "Шоколадница",
            "Хлеб", "Калинка", "Изба", "Жар-птица", "Тройка", "Самовар", "Матрёшка", "Удача", "Встреча", "Сказка",
            "Пельменная", "Улыбка", "Огонёк", "Звезда", "Родник", "Купец", "Медведь", "Лисичка", "Сирень",
            "Дружба"]  # fmt: skip
STREETS = ["Mannerheimintie", "Aleksanterinkatu", "Fredrikinkatu", "Bulevardi", "Hämeentie", "Kaivokatu",
           "Yrjönkatu", "Annankatu", "Mikonkatu", "Kalevankatu", "Eerikinkatu", "Lönnrotinkatu", "Uudenmaankatu",
           "Iso Roobertinkatu", "Runeberginkatu", "Töölönkatu", "Pohjoisesplanadi", "Eteläesplanadi",
           "Siltasaarenkatu", "Helsinginkatu", "Sturenkatu", "Fleminginkatu", "Kasarmikatu", "Unioninkatu",
           "Liisankatu", "Vuorimiehenkatu", "Tehtaankatu", "Albertinkatu", "Punavuorenkatu",
           "Hietalahdenkatu"]  # fmt: skip
CHAINS = ["K-Market", "Alepa", "R-Kioski", "Hesburger", "Espresso House", "Robert's Coffee", "Subway", "Lidl",
          "S-Market", "Picnic"]  # fmt: skip
AREAS = ["Kamppi", "Kallio", "Töölö", "Punavuori", "Kruununhaka", "Ullanlinna", "Hakaniemi", "Etu-Töölö", "Kluuvi",
         "Katajanokka", "Sörnäinen", "Eira", "Lauttasaari", "Pasila", "Vallila"]  # fmt: skip
RENAMES = ["Bistro", "& Grill", "Bar & Kitchen", "Delicatessen", "Herkku", "Lounge", "Corner", "Food & Co"]
FORMS = ["Oy", "Ky", "Tmi", "Oy Ab"]

# Russian -> Latin by three systems people use (the generator's own tables: the matcher uses anyascii).
_ISO9 = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "ë", "ž", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                  "u", "f", "h", "c", "č", "š", "ŝ", "", "y", "", "è", "û", "â"], strict=True))  # fmt: skip
_BGN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                 "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))  # fmt: skip
_INFORMAL = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "j", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "h", "c", "ch", "sh", "sch", "", "i", "", "e", "ju", "ja"],
                     strict=True))  # fmt: skip
SYSTEMS = (_ISO9, _BGN, _INFORMAL)


def translit(text: str, table: dict[str, str]) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in table:
            latin = table[low]
            out.append(latin[:1].upper() + latin[1:] if ch.isupper() and latin else latin)
        else:
            out.append(ch)
    return "".join(out)


def y_tunnus(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randrange(1_000_000, 9_999_999)}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


@dataclass
class Outlet:
    key: int
    name: str
    russian: bool
    street: str
    number: int
    letter: str
    phone: str  # E.164
    tax_id: str | None
    branch: str | None
    lat: float
    lon: float
    chain: int | None = None
    renamed: str | None = None


@dataclass
class Truth:
    entity: dict[tuple[str, int], int] = field(default_factory=dict)  # (file, row number) -> outlet
    kinds: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    chain_of: dict[int, int] = field(default_factory=dict)  # outlet -> chain


def make_outlets(count: int, rng: random.Random) -> list[Outlet]:
    outlets: list[Outlet] = []
    used: set[str] = set()
    chain_budget = int(count * 0.06)
    chain_id = 0
    while len(outlets) < count:
        if chain_budget > 0 and rng.random() < 0.08:
            brand = rng.choice(CHAINS)
            tax = y_tunnus(rng)
            head_office = f"+35810{rng.randrange(100_0000, 999_9999)}"
            branches = min(rng.randrange(3, 9), count - len(outlets))
            areas = rng.sample(AREAS, branches)
            for b, area in enumerate(areas):
                name = f"{brand} {area}"
                if name in used:
                    continue
                used.add(name)
                phone = head_office if rng.random() < 0.7 else f"+35840{rng.randrange(100_0000, 999_9999)}"
                outlets.append(
                    _outlet(
                        len(outlets),
                        name,
                        False,
                        phone,
                        tax,
                        f"{b + 1:03d}" if rng.random() < 0.5 else None,
                        rng,
                        chain_id,
                    )
                )
            chain_budget -= branches
            chain_id += 1
            continue
        russian = rng.random() < 0.2
        if russian:
            name = f"{rng.choice(RU_TYPES)} {rng.choice(RU_WORDS)}"
            if rng.random() < 0.5:
                name += f" {rng.choice(RU_WORDS)}"
        else:
            name = f"{rng.choice(FI_TYPES)} {rng.choice(FI_WORDS)}"
            if rng.random() < 0.6:
                name += f" {rng.choice(FI_WORDS)}"
        if name in used:
            continue
        used.add(name)
        phone = f"+358{rng.choice(['40', '44', '45', '50'])}{rng.randrange(100_0000, 999_9999)}"
        optional_tax = y_tunnus(rng) if rng.random() < 0.5 else None
        outlets.append(_outlet(len(outlets), name, russian, phone, optional_tax, None, rng, None))
    return outlets


def _outlet(
    key: int,
    name: str,
    russian: bool,
    phone: str,
    tax: str | None,
    branch: str | None,
    rng: random.Random,
    chain: int | None,
) -> Outlet:
    lat = rng.uniform(BOX[0], BOX[2])
    lon = rng.uniform(BOX[1], BOX[3])
    letter = rng.choice(["", "", "", "A", "B"])
    renamed = None
    if rng.random() < MESS["name_change"] and chain is None:
        brand = name.split(" ", 1)[-1]
        renamed = rng.choice([f"{brand} {rng.choice(RENAMES)}", f"{rng.choice(FI_TYPES)} {brand}"])
    return Outlet(
        key,
        name,
        russian,
        rng.choice(STREETS),
        rng.randrange(1, 90),
        letter,
        phone,
        tax,
        branch,
        lat,
        lon,
        chain,
        renamed,
    )


def _typo(name: str, rng: random.Random) -> str:
    words = name.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5]
    if not candidates:
        return name
    i = rng.choice(candidates)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    action = rng.randrange(3)
    if action == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    elif action == 1:
        w = w[:k] + w[k + 1 :]
    else:
        w = w[:k] + w[k] + w[k:]
    words[i] = w
    return " ".join(words)


def _street(o: Outlet, messy: bool, rng: random.Random) -> str:
    number = f"{o.number}{o.letter}" if not o.letter else f"{o.number} {o.letter}"
    street = o.street
    if not messy:
        return f"{street} {number}, 00100 Helsinki"
    choice = rng.randrange(5)
    if choice == 0 and street.endswith("katu"):
        street = street[:-4] + "k."
    elif choice == 1 and street.endswith("tie"):
        street = street[:-3] + " tie"
    elif choice == 2:
        street = street.upper()
    forms = [f"{o.number}{o.letter.lower()}", f"{o.number} {o.letter}".strip(), f"{o.number}-{o.letter}".strip("-"),
             f"{o.number} {o.letter} {rng.randrange(1, 30)}".replace("  ", " ")]  # fmt: skip
    tail = rng.choice(["", ", Helsinki", " 00100 Helsinki", ", 00100"])
    return f"{street} {rng.choice(forms)}{tail}"


def _phone(e164: str, style: int) -> str:
    local = "0" + e164[4:]
    return [e164, f"{local[:3]} {local[3:6]} {local[6:]}", f"+358 {e164[4:6]} {e164[6:]}", "00" + e164[1:]][style % 4]


def _moved(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    return (
        lat + metres * math.cos(bearing) / 111_320,
        lon + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))),
    )


def _row(o: Outlet, file: str, rng: random.Random, script: dict[int, str]) -> tuple[list[str], set[str]]:
    """One row of outlet ``o`` in ``file`` and the kinds of mess it carries."""
    kinds: set[str] = set()
    name = o.name
    if o.renamed and rng.random() < 0.5:
        name = o.renamed
        kinds.add("name_change")
    if o.russian:
        # The first file showing the outlet fixes its script; others write it their own way.
        wanted = "cyrillic" if file == "crm.csv" else rng.choice(["cyrillic", "iso9", "bgn", "informal"])
        if file == "manager_ru.csv" and wanted == "cyrillic":
            wanted = rng.choice(["iso9", "bgn", "informal"])
        seen = script.setdefault(o.key, wanted)
        if wanted != seen:
            kinds.add("transliteration")
        if wanted != "cyrillic":
            name = translit(name, {"iso9": _ISO9, "bgn": _BGN, "informal": _INFORMAL}[wanted])
    if rng.random() < MESS["legal_form"]:
        kinds.add("legal_form")
        form = rng.choice(FORMS) if not o.russian else rng.choice(["ООО", "OOO", "ИП"])
        name = rng.choice([f"{name} {form}", f"{form} {name}", name.upper() + f" {form.upper()}", name.lower()])
    elif file == "crm.csv" and not o.russian:
        name = f"{name} Oy"
    if rng.random() < MESS["typo"]:
        kinds.add("typo")
        name = _typo(name, rng)
    street_messy = rng.random() < MESS["street"]
    if street_messy:
        kinds.add("street")
    address = _street(o, street_messy, rng)
    phone = o.phone
    if rng.random() < MESS["phone_wrong"]:
        kinds.add("phone_wrong")
        phone = phone[:-3] + f"{rng.randrange(1000):03d}"
    style = 0 if file == "crm.csv" else rng.randrange(1, 4)
    if rng.random() < MESS["phone_format"] and file != "crm.csv":
        kinds.add("phone_format")
    else:
        style = 0
    phone_cell = _phone(phone, style)
    lat, lon = o.lat, o.lon
    if rng.random() < MESS["coords_jitter"]:
        kinds.add("coords_jitter")
        lat, lon = _moved(lat, lon, rng.uniform(5, 40), rng)
    lat_cell, lon_cell = f"{lat:.6f}", f"{lon:.6f}"
    if rng.random() < MESS["coords_missing"]:
        kinds.add("coords_missing")
        lat_cell = lon_cell = ""
    elif rng.random() < MESS["coords_swapped"]:
        kinds.add("coords_swapped")
        lat_cell, lon_cell = lon_cell, lat_cell
    if file == "manager_fi.csv":
        lat_cell, lon_cell = lat_cell.replace(".", ","), lon_cell.replace(".", ",")
    tax = o.tax_id if file == "crm.csv" or rng.random() < 0.3 else ""
    branch = o.branch or "" if file == "crm.csv" else ""
    return [name, address, phone_cell, tax or "", branch, lat_cell, lon_cell], kinds


HEADERS = {
    "crm.csv": (",", ["Account name", "Address", "Phone", "Business ID", "Branch", "Latitude", "Longitude"]),
    "manager_fi.csv": (";", ["Nimi", "Osoite", "Puhelin", "Y-tunnus", "Toimipistenumero", "Leveys", "Pituus"]),
    "manager_ru.csv": (",", ["Название", "Адрес", "Телефон", "ИНН", "Филиал", "Широта", "Долгота"]),
}
SHARE = {"crm.csv": 0.7, "manager_fi.csv": 0.5, "manager_ru.csv": 0.4}


def generate(outlets_count: int, seed: int) -> tuple[list[UploadedFile], Truth, list[Outlet]]:
    rng = random.Random(seed)
    outlets = make_outlets(outlets_count, rng)
    truth = Truth()
    script: dict[int, str] = {}
    files: list[UploadedFile] = []
    membership = {o.key: [f for f in SHARE if rng.random() < SHARE[f]] or [rng.choice(list(SHARE))] for o in outlets}
    for file, (delimiter, header) in HEADERS.items():
        rows: list[list[str]] = []
        for o in outlets:
            if file not in membership[o.key]:
                continue
            times = 2 if rng.random() < MESS["in_sheet_twice"] else 1
            for copy in range(times):
                row, kinds = _row(o, file, rng, script)
                if copy:
                    kinds.add("in_sheet_twice")
                rows.append(row)
                truth.entity[(file, len(rows) + 1)] = o.key
                truth.kinds[(file, len(rows) + 1)] = kinds
            if o.chain is not None:
                truth.chain_of[o.key] = o.chain
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
        files.append(UploadedFile(file, buffer.getvalue().encode("utf-8")))
    return files, truth, outlets


@dataclass
class Scores:
    precision: float
    recall: float
    found: float
    merged_pairs: int
    true_pairs: int
    per_kind: dict[str, tuple[int, float, float]]  # kind -> (true pairs, recall, found)
    chain_pairs: int
    chain_kept_apart: float


def evaluate(truth: Truth, account_of: dict[tuple[str, int], int], queued: set[tuple[int, int]]) -> Scores:
    rows = sorted(truth.entity)
    by_account: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        by_account[account_of[row]].append(row)
    merged_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_account.values())
    by_entity: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        by_entity[truth.entity[row]].append(row)
    true_pairs = correct = found = 0
    kind_total: dict[str, int] = defaultdict(int)
    kind_merged: dict[str, int] = defaultdict(int)
    kind_found: dict[str, int] = defaultdict(int)
    for members in by_entity.values():
        for x, y in combinations(members, 2):
            true_pairs += 1
            a, b = account_of[x], account_of[y]
            merged = a == b
            seen = merged or (min(a, b), max(a, b)) in queued
            correct += merged
            found += seen
            for kind in truth.kinds[x] | truth.kinds[y]:
                kind_total[kind] += 1
                kind_merged[kind] += merged
                kind_found[kind] += seen
    chain_members: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        chain = truth.chain_of.get(truth.entity[row])
        if chain is not None:
            chain_members[chain].append(row)
    chain_pairs = kept = 0
    for members in chain_members.values():
        for x, y in combinations(members, 2):
            if truth.entity[x] != truth.entity[y]:
                chain_pairs += 1
                kept += account_of[x] != account_of[y]
    return Scores(
        precision=correct / max(merged_pairs, 1),
        recall=correct / max(true_pairs, 1),
        found=found / max(true_pairs, 1),
        merged_pairs=merged_pairs,
        true_pairs=true_pairs,
        per_kind={
            k: (kind_total[k], kind_merged[k] / kind_total[k], kind_found[k] / kind_total[k])
            for k in KINDS
            if kind_total[k]
        },
        chain_pairs=chain_pairs,
        chain_kept_apart=kept / max(chain_pairs, 1),
    )


OPTIONS = ImportOptions(region_bbox="19.0,59.0,32.0,70.5", max_file_bytes=200 * 1024 * 1024)


def run_batch(files: Sequence[UploadedFile], truth: Truth) -> tuple[Scores, float]:
    """All three files de-duplicated together in memory (the import's batch step, no database)."""
    t = time.perf_counter()
    _, parsed, rejected, _ = service.read_files(files, OPTIONS)
    assert not rejected, rejected[:3]
    keyed = [service._Keyed(r, r.file_name, f"row:{r.row_number}") for r in parsed]
    clusters, review, _ = service.dedupe_rows(keyed)
    elapsed = time.perf_counter() - t
    account_of: dict[tuple[str, int], int] = {}
    for index, c in enumerate(clusters):
        for k in c.rows:
            account_of[(k.row.file_name, k.row.row_number)] = index
    queued = {(min(i, j), max(i, j)) for i, j, _ in review}
    return evaluate(truth, account_of, queued), elapsed


async def run_database(files: Sequence[UploadedFile], truth: Truth, database_url: str) -> tuple[Scores, float]:
    """The files imported one at a time into a database (each matched against what is there)."""
    from backend.db.migrate import migrate
    from backend.db.pool import connect
    from backend.settings import load_settings

    conn = await connect(load_settings({}, database_url=database_url))
    try:
        await conn.execute("drop schema if exists public cascade; create schema public;")
        await migrate(conn)
        t = time.perf_counter()
        for upload in files:
            async with conn.transaction():
                await service.import_accounts(conn, [upload], OPTIONS, None)
        elapsed = time.perf_counter() - t
        rows = await conn.fetch("select file_name, row_number, account_id from account_sources")
        account_of = {(r["file_name"], r["row_number"]): r["account_id"] for r in rows}
        # A row written twice alike in one sheet (the same content once normalised) is one row to the
        # import (the same key): it belongs to the account of its first copy.
        _, parsed, _, _ = service.read_files(files, OPTIONS)
        first_of: dict[tuple[str, str], int] = {}
        for row in parsed:
            first = first_of.setdefault((row.file_name, row.content_hash), row.row_number)
            key, first_key = (row.file_name, row.row_number), (row.file_name, first)
            if key not in account_of and first_key in account_of:
                account_of[key] = account_of[first_key]
        pairs = await conn.fetch("select account_a_id, account_b_id from duplicate_candidates where status = 'open'")
        queued = {(r["account_a_id"], r["account_b_id"]) for r in pairs}
        return evaluate(truth, account_of, queued), elapsed
    finally:
        await conn.close()


def report(label: str, scores: Scores, elapsed: float) -> None:
    print(
        f"{label}: precision {scores.precision:.4f}, recall {scores.recall:.4f}, found (merged or queued) "
        f"{scores.found:.4f}; {scores.true_pairs} true pairs, {scores.merged_pairs} merged pairs; "
        f"chain branch pairs kept apart {scores.chain_kept_apart:.4f} of {scores.chain_pairs}; {elapsed:.1f} s"
    )
    for kind, (total, recall, found) in scores.per_kind.items():
        print(f"    {kind:<16} {total:>6} pairs  recall {recall:.4f}  found {found:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database", action="store_true", help="also import file by file into a database")
    parser.add_argument("--database-url", default=None, help="default: scripts/ensure_db.sh fieldsales_bench_mess")
    args = parser.parse_args()
    for size in args.outlets:
        files, truth, _ = generate(size, args.seed)
        rows = len(truth.entity)
        print(f"== {size} outlets, {rows} rows, seed {args.seed}")
        report("  batch (in memory)", *run_batch(files, truth))
        if args.database:
            url = (
                args.database_url
                or subprocess.run(
                    [str(ROOT / "scripts" / "ensure_db.sh"), "fieldsales_bench_mess"],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
            )
            report("  file by file into the database", *asyncio.run(run_database(files, truth, url)))


if __name__ == "__main__":
    main()
