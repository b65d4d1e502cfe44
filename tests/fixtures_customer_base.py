"""A realistic, messy customer base with known truth, for import and de-duplication tests.

``generate(folder)`` writes five files, as different managers keep them, about ``outlets`` outlets
north of central Helsinki (outside the demo city's territories):

* ``north_manager.xlsx``: a title row above the header, empty rows, local phone formats
  (``040 123 4567``), names in capitals or with a legal form (``Oy``, ``Ab``), hours ``09:00-18:00``,
  two rows without a name.
* ``south_manager.csv``: Windows-1252, ``;``-separated, Finnish headers, decimal commas, some
  latitude/longitude swapped, some without coordinates (need geocoding), some wrong phones.
* ``old_crm_export.csv``: UTF-8 written through a Windows-1252 round trip (mojibake ``Ã¤``),
  customer ids, one ``coordinates`` column, ``00358`` phones, rows at (0, 0) and out of range.
* ``chains.xlsx``: two chains, each one legal entity (one Finnish Business ID) with several branches
  (branch codes), a shared head-office phone, some branches less than 150 m apart.
* ``russian_partners.csv``: Windows-1251, Russian headers, ``ООО «...»`` names, INN (one with a
  wrong check digit), KPP as branch code.

``FixtureTruth`` maps every data row (file, row number as a person sees it) to its outlet, or to the
field it must be rejected for.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

PREFIXES = [
    "Kahvila",
    "Ravintola",
    "Baari",
    "Pub",
    "Bistro",
    "Grilli",
    "Pizzeria",
    "Kioski",
    "Lounasravintola",
    "Viinibaari",
    "Kebab",
    "Sushi",
    "Leipomo",
    "Pikkukauppa",
    "Olutravintola",
]
NOUNS = [
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
    "Lakka",
    "Omena",
    "Kirsikka",
    "Luumu",
    "Päärynä",
    "Kaneli",
    "Inkivääri",
    "Pippuri",
    "Sahrami",
    "Vanilja",
]
STREETS = [
    "Fleminginkatu",
    "Mäkelänkatu",
    "Sturenkatu",
    "Vallilantie",
    "Hämeentie",
    "Kustaankatu",
    "Aleksis Kiven katu",
    "Vesijärvenkatu",
    "Sörnäisten rantatie",
    "Kaarlenkatu",
    "Helsinginkatu",
    "Pengerkatu",
    "Porvoonkatu",
    "Intiankatu",
    "Koskelantie",
    "Kumpulantie",
    "Teollisuuskatu",
    "Junailijankuja",
    "Kyläsaarenkatu",
]
AREA = (60.190, 24.940, 60.215, 25.000)  # lat/lon box north of the demo city's territories
HOURS = [
    "09:00-18:00",
    "Mo-Fr 08:00-20:00; Sa 10:00-16:00",
    "Mo-Su 11:00-23:00",
    "Mo-Th 10:00-22:00; Fr-Sa 10:00-02:00",
    "10-22",
    "Mo-Fr 7.30-17.00",
]


def y_tunnus(rng: random.Random) -> str:
    while True:
        base = f"{rng.randrange(1_000_000, 3_300_000):07d}"
        remainder = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{base}-{0 if remainder == 0 else 11 - remainder}"


def inn10(rng: random.Random) -> str:
    digits = f"{rng.randrange(100_000_000, 999_999_999):09d}"
    check = sum(int(d) * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return digits + str(check)


@dataclass
class Outlet:
    key: int
    name: str
    street: str
    number: int
    postcode: str
    lat: float
    lon: float
    phone: str  # national significant number, e.g. "401234567"
    tax_id: str | None
    hours: str | None
    channel: str
    branch: str | None = None
    chain: str | None = None


@dataclass
class FixtureTruth:
    folder: Path
    files: list[Path]
    entity_of: dict[tuple[str, int], int] = field(default_factory=dict)  # accepted rows -> outlet key
    rejected: dict[tuple[str, int], str] = field(default_factory=dict)  # rejected rows -> field
    empty_rows: dict[str, list[int]] = field(default_factory=dict)
    outlets: int = 0
    chains: dict[str, list[int]] = field(default_factory=dict)  # chain name -> outlet keys

    def true_pairs(self) -> set[tuple[tuple[str, int], tuple[str, int]]]:
        by_entity: dict[int, list[tuple[str, int]]] = {}
        for row, entity in self.entity_of.items():
            by_entity.setdefault(entity, []).append(row)
        pairs = set()
        for rows in by_entity.values():
            rows.sort()
            pairs.update((a, b) for i, a in enumerate(rows) for b in rows[i + 1 :])
        return pairs


def _offset(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 6.283)
    import math

    return (lat + metres * math.cos(bearing) / 111_320, lon + metres * math.sin(bearing) / (111_320 * 0.4975))


def _variant_name(name: str, rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.25:
        return name.upper()
    if choice < 0.45:
        return f"{name} {rng.choice(['Oy', 'Ab', 'Ky', 'Oy Ab'])}"
    if choice < 0.55:
        return f"{name.lower()}  "
    if choice < 0.65:
        # a typo: two neighbouring letters swapped in the last word
        words = name.split(" ")
        last = words[-1]
        if len(last) > 4:
            i = rng.randrange(1, len(last) - 2)
            last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
        return " ".join([*words[:-1], last])
    if choice < 0.72:
        return f'"{name}"'
    if choice < 0.80:
        return name.split(" ", 1)[1]  # the type word left out: "Aurora" for "Kahvila Aurora"
    if choice < 0.85:
        english = {"Kahvila": "Cafe", "Ravintola": "Restaurant", "Baari": "Bar", "Leipomo": "Bakery"}
        first, rest = name.split(" ", 1)
        return f"{english.get(first, first)} {rest}"
    return name


def _variant_address(o: Outlet, rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.3:
        return f"{o.street} {o.number}, {o.postcode} Helsinki"
    if choice < 0.45 and o.street.endswith("katu") and " " not in o.street:
        return f"{o.street[:-4]}k. {o.number}"
    if choice < 0.55:
        return f"{o.street.upper()} {o.number}"
    return f"{o.street} {o.number}"


def _phone_local(o: Outlet, rng: random.Random) -> str:
    n = o.phone
    return rng.choice(
        [
            f"0{n[:2]} {n[2:5]} {n[5:]}",
            f"0{n[:2]}-{n[2:]}",
            f"+358 {n[:2]} {n[2:5]} {n[5:]}",
            f"+358{n}",
            f"00358{n}",
            f"0{n}",
        ]
    )


def _outlets(rng: random.Random, count: int) -> list[Outlet]:
    names: list[str] = []
    nouns_used: dict[str, int] = {}
    outlets: list[Outlet] = []
    while len(outlets) < count:
        name = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS)}"
        noun = name.split(" ", 1)[1]
        # a few names share their noun ("Kahvila Aurora" and "Baari Aurora"): different outlets
        if name in names or nouns_used.get(noun, 0) >= 3:
            continue
        names.append(name)
        nouns_used[noun] = nouns_used.get(noun, 0) + 1
        lat = rng.uniform(AREA[0], AREA[2])
        lon = rng.uniform(AREA[1], AREA[3])
        outlets.append(
            Outlet(
                key=len(outlets),
                name=name,
                street=rng.choice(STREETS),
                number=rng.randrange(1, 80),
                postcode=f"00{rng.randrange(500, 560)}",
                lat=lat,
                lon=lon,
                phone=f"{rng.choice(['40', '44', '45', '50'])}{rng.randrange(1_000_000, 9_999_999)}",
                tax_id=y_tunnus(rng) if rng.random() < 0.5 else None,
                hours=rng.choice(HOURS) if rng.random() < 0.7 else None,
                channel="retail" if name.split()[0] in {"Kioski", "Pikkukauppa", "Leipomo"} else "horeca",
            )
        )
    return outlets


def _chains(rng: random.Random, start: int) -> tuple[list[Outlet], dict[str, list[int]]]:
    outlets: list[Outlet] = []
    chains: dict[str, list[int]] = {}
    for brand, branches in (("Kulma-Market", 6), ("Grilli Express", 4)):
        tax = y_tunnus(rng)
        central = f"9{rng.randrange(1_000_000, 9_999_999)}"
        lat0, lon0 = rng.uniform(AREA[0], AREA[2]), rng.uniform(AREA[1], AREA[3])
        keys = []
        for b in range(branches):
            # the first two branches lie 80-120 m apart; the others further away
            lat, lon = (lat0, lon0) if b == 0 else _offset(lat0, lon0, 100 if b == 1 else 400 * b, rng)
            district = ["Kallio", "Vallila", "Alppila", "Sörnäinen", "Hermanni", "Kumpula"][b]
            outlets.append(
                Outlet(
                    key=start + len(outlets),
                    name=f"{brand} {district}",
                    street=rng.choice(STREETS),
                    number=10 + b * 7,
                    postcode="00510",
                    lat=lat,
                    lon=lon,
                    phone=central,
                    tax_id=tax,
                    hours="Mo-Su 07:00-23:00",
                    channel="retail" if "Market" in brand else "horeca",
                    branch=f"{b + 1:03d}",
                    chain=brand,
                )
            )
            keys.append(start + len(outlets) - 1)
        chains[brand] = keys
    return outlets, chains


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Asiakkaat"
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def _write_csv(path: Path, rows: list[list[object]], encoding: str, delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    path.write_bytes(buffer.getvalue().encode(encoding))


def generate(folder: Path, *, outlets: int = 150, seed: int = 20261123) -> FixtureTruth:
    rng = random.Random(seed)
    base = _outlets(rng, outlets)
    chain_outlets, chains = _chains(rng, len(base))
    everything = base + chain_outlets
    truth = FixtureTruth(folder=folder, files=[], outlets=len(everything) + 4, chains=chains)

    def jitter(o: Outlet) -> tuple[float, float]:
        return _offset(o.lat, o.lon, rng.uniform(0, 40), rng)

    # 1. north_manager.xlsx
    name = "north_manager.xlsx"
    rows: list[list[object]] = [
        ["Asiakasrekisteri, pohjoinen alue (päivitetty 2024)"],
        ["Nimi", "Osoite", "Puhelin", "Y-tunnus", "Lat", "Lon", "Aukioloajat", "Kanava"],
    ]
    picked = [o for o in base if rng.random() < 0.6]
    for o in picked:
        if rng.random() < 0.05:
            rows.append([None] * 8)
            truth.empty_rows.setdefault(name, []).append(len(rows))
        lat, lon = jitter(o)
        rows.append(
            [
                _variant_name(o.name, rng),
                _variant_address(o, rng),
                _phone_local(o, rng),
                o.tax_id,
                round(lat, 6),
                round(lon, 6),
                o.hours,
                o.channel,
            ]
        )
        truth.entity_of[(name, len(rows))] = o.key
    for _ in range(2):
        rows.append([None, "Tuntematon katu 1", "040 000 0000", None, 60.2, 24.95, None, None])
        truth.rejected[(name, len(rows))] = "name"
    _write_xlsx(folder / name, rows)
    truth.files.append(folder / name)

    # 2. south_manager.csv (cp1252, ';', decimal commas, swapped and missing coordinates, wrong phones)
    name = "south_manager.csv"
    rows = [["Nimi", "Katuosoite", "Postinumero", "Puh", "Leveys", "Pituus", "Tyyppi"]]
    for o in [o for o in base if rng.random() < 0.5]:
        lat, lon = jitter(o)
        lat_text, lon_text = f"{lat:.5f}".replace(".", ","), f"{lon:.5f}".replace(".", ",")
        roll = rng.random()
        if roll < 0.12:
            lat_text, lon_text = lon_text, lat_text  # swapped
        elif roll < 0.22:
            lat_text = lon_text = ""  # needs geocoding
        phone = "123" if rng.random() < 0.08 else _phone_local(o, rng)
        rows.append(
            [
                _variant_name(o.name, rng),
                f"{o.street} {o.number}",
                o.postcode,
                phone,
                lat_text,
                lon_text,
                "kahvila" if o.channel == "horeca" else "kioski",
            ]
        )
        truth.entity_of[(name, len(rows))] = o.key
    _write_csv(folder / name, rows, "cp1252", ";")
    truth.files.append(folder / name)

    # 3. old_crm_export.csv (mojibake UTF-8, ids, one coordinates column, bad coordinates)
    name = "old_crm_export.csv"
    rows = [["Customer ID", "Customer name", "Street address", "Phone", "VAT", "Coordinates", "Opening hours"]]
    for o in [o for o in base if rng.random() < 0.4]:
        lat, lon = jitter(o)
        broken = _variant_name(o.name, rng).encode("utf-8").decode("cp1252", errors="replace")
        rows.append(
            [
                f"C{1000 + o.key}",
                broken,
                _variant_address(o, rng),
                f"00358{o.phone}",
                o.tax_id,
                f"{lat:.6f}, {lon:.6f}",
                o.hours,
            ]
        )
        truth.entity_of[(name, len(rows))] = o.key
    rows.append(["C9001", "Kahvila Nolla", "Nollakatu 1", "0401111111", None, "0, 0", None])
    truth.rejected[(name, len(rows))] = "coordinates"
    rows.append(["C9002", "Baari Avaruus", "Kuukatu 2", "0401111112", None, "160.2, 24.9", None])
    truth.rejected[(name, len(rows))] = "coordinates"
    _write_csv(folder / name, rows, "utf-8", ",")
    truth.files.append(folder / name)

    # 4. chains.xlsx (one legal entity per chain, branches, a shared phone)
    name = "chains.xlsx"
    rows = [["Code", "Outlet", "Address", "Phone", "Business ID", "Branch", "Latitude", "Longitude", "Channel"]]
    for o in chain_outlets:
        rows.append(
            [
                f"CH-{o.key}",
                o.name,
                f"{o.street} {o.number}",
                f"0{o.phone}",
                o.tax_id,
                o.branch,
                round(o.lat, 6),
                round(o.lon, 6),
                o.channel,
            ]
        )
        truth.entity_of[(name, len(rows))] = o.key
        if o.branch == "002":  # the same branch again, from the chain's own older list
            rows.append(
                [
                    f"CH-{o.key}-old",
                    o.name.upper(),
                    f"{o.street} {o.number}, 00510 Helsinki",
                    None,
                    o.tax_id,
                    o.branch,
                    round(o.lat + 0.00005, 6),
                    round(o.lon, 6),
                    o.channel,
                ]
            )
            truth.entity_of[(name, len(rows))] = o.key
    _write_xlsx(folder / name, rows)
    truth.files.append(folder / name)

    # 5. russian_partners.csv (cp1251, Russian headers, ООО, INN + KPP)
    name = "russian_partners.csv"
    inn = inn10(rng)
    rows = [["Наименование", "Адрес", "Телефон", "ИНН", "КПП", "Широта", "Долгота"]]
    lat0, lon0 = rng.uniform(AREA[0], AREA[2]), rng.uniform(AREA[1], AREA[3])
    partner_keys = []
    for b, (district, distance) in enumerate((("Kallio", 0), ("Vallila", 700), ("Pasila", 1500))):
        lat, lon = _offset(lat0, lon0, distance, rng) if distance else (lat0, lon0)
        key = len(everything) + b
        partner_keys.append(key)
        rows.append(
            [
                f"ООО «Ромашка {district}»",
                f"Sturenkatu {20 + b * 10}",
                "+7 495 123-45-67",
                inn,
                f"7701{b:05d}",
                f"{lat:.6f}",
                f"{lon:.6f}",
            ]
        )
        truth.entity_of[(name, len(rows))] = key
    bad_inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
    rows.append(["ЗАО Василёк", "Kustaankatu 3", "+7 812 555-12-34", bad_inn, None, "60.2001", "24.9602"])
    truth.entity_of[(name, len(rows))] = len(everything) + 3
    _write_csv(folder / name, rows, "cp1251", ";")
    truth.files.append(folder / name)
    truth.chains["Ромашка"] = partner_keys
    return truth
