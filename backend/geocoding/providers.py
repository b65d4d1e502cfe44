"""Geocoders behind one protocol: the offline OpenStreetMap index, Nominatim and Photon by URL.

Every geocoder answers :class:`geo_data.address_index.GeocodeResult` (point, precision level
``house_number`` / ``street`` / ``city``, source, label, uncertainty) or None, forward and reverse.
A service that cannot be reached raises :class:`GeocoderUnavailable`; the row is left for the next run.

* ``offline`` (default): :class:`OfflineGeocoder`, the addresses of the demo extract
  (``geo_data.address_index``), in memory, no service at all.
* ``nominatim``: ``GET {url}/search?q=..&format=jsonv2&addressdetails=1&limit=1`` and ``/reverse``;
  precision from the result's address parts (a ``house_number`` -> house number; a ``road`` ->
  street; else city).
* ``photon``: ``GET {url}/api?q=..&limit=1`` and ``/reverse?lat=..&lon=..``; precision from
  ``housenumber`` / ``type`` in the feature's properties.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import httpx

from geo_data.address_index import AddressIndex, GeocodeResult, Precision, load_osm_addresses

GEOCODERS = ("offline", "nominatim", "photon", "none")
USER_AGENT = "fieldsales-geocoder/1.0"


class GeocoderUnavailable(Exception):
    """The geocoding service did not answer usefully (network, status, body)."""


class Geocoder(Protocol):
    source: str

    async def geocode(self, address: str, name: str | None = None) -> GeocodeResult | None: ...

    async def reverse(self, lat: float, lon: float) -> GeocodeResult | None: ...


@functools.cache
def demo_address_index() -> AddressIndex:
    """The demo extract's addresses, read once per process (about 0.6 s)."""
    return AddressIndex(load_osm_addresses(), source="osm-offline")


class OfflineGeocoder:
    source = "osm-offline"

    def __init__(self, index: AddressIndex | None = None) -> None:
        self._index = index

    @property
    def index(self) -> AddressIndex:
        if self._index is None:
            self._index = demo_address_index()
        return self._index

    async def geocode(self, address: str, name: str | None = None) -> GeocodeResult | None:
        return self.index.geocode(address, name)

    async def reverse(self, lat: float, lon: float) -> GeocodeResult | None:
        return self.index.reverse(lat, lon)


class _HttpGeocoder:
    source = "http"

    def __init__(self, base_url: str, *, timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.transport = transport

    async def _get(self, path: str, params: dict[str, Any]) -> Any:
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_s, transport=self.transport, headers={"User-Agent": USER_AGENT}
            ) as client:
                response = await client.get(f"{self.base_url}{path}", params=params)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GeocoderUnavailable(f"{self.source} at {self.base_url}: {exc}") from exc


def _label(parts: dict[str, Any], fallback: str) -> str:
    street = " ".join(str(parts[k]) for k in ("road", "house_number") if parts.get(k))
    place = " ".join(str(parts[k]) for k in ("postcode", "city") if parts.get(k))
    return ", ".join(p for p in (street, place) if p) or fallback


class NominatimGeocoder(_HttpGeocoder):
    source = "nominatim"

    @staticmethod
    def _result(item: dict[str, Any]) -> GeocodeResult:
        address = dict(item.get("address") or {})
        address.setdefault("city", address.get("town") or address.get("village") or address.get("municipality"))
        precision: Precision = (
            "house_number" if address.get("house_number") else ("street" if address.get("road") else "city")
        )
        return GeocodeResult(
            float(item["lat"]),
            float(item["lon"]),
            precision,
            "nominatim",
            _label(address, str(item.get("display_name", ""))),
        )

    async def geocode(self, address: str, name: str | None = None) -> GeocodeResult | None:
        body = await self._get("/search", {"q": address, "format": "jsonv2", "addressdetails": 1, "limit": 1})
        if not isinstance(body, list) or not body:
            return None
        return self._result(body[0])

    async def reverse(self, lat: float, lon: float) -> GeocodeResult | None:
        body = await self._get("/reverse", {"lat": lat, "lon": lon, "format": "jsonv2", "addressdetails": 1})
        if not isinstance(body, dict) or "lat" not in body:
            return None
        return self._result(body)


class PhotonGeocoder(_HttpGeocoder):
    source = "photon"

    @staticmethod
    def _result(body: Any) -> GeocodeResult | None:
        features = body.get("features") if isinstance(body, dict) else None
        if not features:
            return None
        feature = features[0]
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature.get("properties") or {}
        kind = props.get("type")
        precision: Precision = (
            "house_number"
            if props.get("housenumber")
            else ("street" if kind == "street" or props.get("street") else "city")
        )
        parts = {
            "road": props.get("street") or (props.get("name") if kind == "street" else None),
            "house_number": props.get("housenumber"),
            "postcode": props.get("postcode"),
            "city": props.get("city"),
        }
        return GeocodeResult(float(lat), float(lon), precision, "photon", _label(parts, str(props.get("name", ""))))

    async def geocode(self, address: str, name: str | None = None) -> GeocodeResult | None:
        return self._result(await self._get("/api", {"q": address, "limit": 1}))

    async def reverse(self, lat: float, lon: float) -> GeocodeResult | None:
        return self._result(await self._get("/reverse", {"lat": lat, "lon": lon, "limit": 1}))


def make_geocoder(kind: str, url: str = "") -> Geocoder | None:
    """The geocoder a setting names (``FIELDSALES_GEOCODER``, ``FIELDSALES_GEOCODER_URL``); None for "none"."""
    if kind == "offline":
        return OfflineGeocoder()
    if kind == "nominatim":
        return NominatimGeocoder(url)
    if kind == "photon":
        return PhotonGeocoder(url)
    if kind == "none":
        return None
    raise ValueError(f"unknown geocoder {kind!r}; one of {', '.join(GEOCODERS)}")
