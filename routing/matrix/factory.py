"""Build a provider from configuration: ``provider_from_settings("valhalla", base_url=...)``."""

from __future__ import annotations

from typing import Any

from routing.matrix.base import TravelMatrixProvider
from routing.matrix.haversine import HaversineProvider
from routing.matrix.osrm import OsrmProvider
from routing.matrix.valhalla import ValhallaProvider

PROVIDERS: dict[str, type[HaversineProvider] | type[ValhallaProvider] | type[OsrmProvider]] = {
    "haversine": HaversineProvider,
    "valhalla": ValhallaProvider,
    "osrm": OsrmProvider,
}


def provider_from_settings(name: str, **kwargs: Any) -> TravelMatrixProvider:
    """The provider called ``name`` (haversine, valhalla, osrm), built with ``kwargs``.

    ``haversine`` takes ``speeds_m_s``/``circuity`` mappings; ``valhalla`` and ``osrm`` need ``base_url``
    and take ``timeout_s`` and ``block_size``. Unknown names or arguments raise ``ValueError``.
    """
    key = (name or "haversine").strip().lower()
    try:
        cls = PROVIDERS[key]
    except KeyError:
        raise ValueError(f"matrix provider: unknown name {name!r}; expected one of {', '.join(PROVIDERS)}") from None
    if cls is not HaversineProvider and not kwargs.get("base_url"):
        raise ValueError(f"matrix provider {key!r}: base_url is required")
    try:
        provider: TravelMatrixProvider = cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"matrix provider {key!r}: {exc}") from None
    return provider
