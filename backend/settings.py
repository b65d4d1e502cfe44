"""Service settings, read from the environment only when asked (never at import time)."""

from __future__ import annotations

import ipaddress
import math
import os
import zlib
from collections import Counter
from collections.abc import Mapping

import msgspec

from geo_data.normalize import BBox

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/fieldsales"
# Only for demo/dev: the service refuses to start in production with it.
DEMO_JWT_SECRET = "fieldsales-demo-secret-do-not-use-in-production-0123456789"
# Environments that must be chosen explicitly; anything else (and the default) is production.
NON_PRODUCTION = frozenset({"demo", "dev", "test"})
# A production JWT secret must carry at least this many bits by the estimate of `secret_entropy_bits`
# (`python -c "import secrets; print(secrets.token_urlsafe(32))"` gives about 200;
# 32 hex characters, 128 random bits, measure about 115 and are refused: use 64).
MIN_JWT_SECRET_BITS = 128


def secret_entropy_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy: the smaller of its empirical Shannon entropy
    (per character, times its length) and its compressed size in bits, so that neither a long run of
    one character nor a repeated pattern ("0123456789" x 4) passes for randomness."""
    if not secret:
        return 0.0
    data = secret.encode()
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    compressed_bits = 8 * max(0, len(zlib.compress(data, 9)) - len(zlib.compress(b"", 9)))
    return max(0.0, min(per_char * len(secret), float(compressed_bits)))


class SettingsError(Exception):
    """A setting is missing or unsafe; the message names the environment variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # production unless demo, dev or test is chosen explicitly (FIELDSALES_ENV).
    environment: str = "production"
    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret: str = DEMO_JWT_SECRET
    jwt_issuer: str = "fieldsales"
    jwt_audience: str = "fieldsales-api"
    # Short-lived access tokens; the phone refreshes with the rotating refresh token.
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    # How long one process may reuse a user's session state (revocation check) before reading it again.
    session_cache_s: float = 2.0
    pool_min_size: int = 2
    pool_max_size: int = 10
    pool_acquire_timeout_s: float = 5.0
    connect_timeout_s: float = 5.0
    statement_timeout_ms: int = 15_000
    max_request_body_bytes: int = 16 * 1024 * 1024
    max_page_size: int = 500
    default_phone_region: str = "FI"
    # Account imports: per-file size limit, and the region imported coordinates must lie in
    # (MIN_LON,MIN_LAT,MAX_LON,MAX_LAT; swapped lat/lon are detected against it; "" = no check).
    max_import_file_bytes: int = 50 * 1024 * 1024
    import_region_bbox: str = "19.0,59.0,32.0,70.5"
    # Geocoding of accounts without coordinates: "offline" (the demo extract's OSM addresses, no
    # service), "nominatim" or "photon" at geocoder_url, or "none".
    geocoder: str = "offline"
    geocoder_url: str = ""
    # Rows per imported file, cells per sheet (a workbook's declared range counts, empty cells included).
    max_import_rows: int = 250_000
    max_import_cells: int = 5_000_000
    # Coverage: an account counts as active when its status is 'active' (orders and visits are not
    # stored yet); the window is reported with the figures for when they are.
    coverage_active_days: int = 90
    # Day planning: solves bounded by solutions are reproducible; the churn cap protects published routes.
    # Nightly solves are bounded by search rounds (deterministic: same inputs, same route); a time
    # limit instead when set above 0. Either way a rerun with the same inputs keeps the published
    # route: the inputs' hash is checked before solving.
    nightly_iterations: int = 80
    nightly_time_limit_s: float = 0.0
    churn_cap_share: float = 0.3
    planning_time_zone: str = "Europe/Helsinki"
    nightly_local_time: str = "22:00"
    morning_check_local_time: str = "05:30"
    worker_heartbeat_timeout_s: float = 30.0
    # Solver processes of the API process (on-demand re-plans); bounded so solves cannot starve it.
    api_solver_processes: int = 1
    # Travel times: "haversine" (no service), or "valhalla" / "osrm" at matrix_service_url.
    matrix_provider: str = "haversine"
    matrix_service_url: str = ""
    replan_time_limit_s: float = 0.5
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or networks);
    # empty: none, the TCP peer is the client (X-Forwarded-For is ignored).
    trusted_proxies: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # Visits in the field (visits/checkin.py documents each rule).
    geofence_radius_m: float = 200.0
    max_gps_accuracy_m: float = 100.0
    max_speed_kmh: float = 150.0
    max_clock_skew_s: float = 300.0
    min_visit_s: float = 120.0
    # A second check-in by the same rep at the same account while the first is open and within this
    # many seconds (device time) is a retry: answered with the first visit, not stored again.
    check_in_retry_window_s: float = 600.0
    # Check-out while a required checklist is unanswered: False = accepted and flagged
    # checklist_missing (offline phones may send the checklist later); True = refused with 409.
    checkout_requires_checklist: bool = False
    # Photos: local directory by default; an obstore URL (s3://bucket/prefix) when set.
    photo_dir: str = "var/photos"
    photo_store_url: str | None = None
    max_photo_bytes: int = 12 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    # Memory one photo's decode may take (JPEG decoded at reduced scale first); photo decodes at once
    # per user (more: 429) and in the process (more wait), so uploads cannot exhaust the memory.
    max_photo_decode_bytes: int = 64 * 1024 * 1024
    max_concurrent_uploads_per_user: int = 2
    max_concurrent_photo_decodes: int = 4
    thumbnail_px: int = 320
    photo_before_visit_tolerance_s: float = 600.0
    photo_reuse_max_hamming: int = 4
    # Offline phones replay for days (weekends): keys are kept this long.
    idempotency_ttl_s: int = 14 * 24 * 3600
    # Supervisor console: a raster tile URL template ({z}/{x}/{y}); None = the offline vector basemap
    # of the demo city's streets (no network at run time).
    map_tile_url: str | None = None
    map_tile_attribution: str = "© OpenStreetMap contributors"
    # Reports: a rep whose sales completion is below this share of plan is flagged.
    sales_below_plan_pct: float = 90.0
    # A planned stop without a time window counts as on time when the visit starts within this of its
    # planned start.
    on_time_tolerance_s: int = 1800
    # The longest period one report covers.
    report_max_days: int = 400
    # Orders: the largest discount a rep may enter; which orders count as sales fact ("submitted":
    # submitted, confirmed and delivered; "delivered": delivered only); the ERP webhook on submission
    # (no URL: no webhook), signed with HMAC-SHA256 of the body under the secret.
    order_max_discount_pct: float = 15.0
    sales_fact_from: str = "submitted"
    order_webhook_url: str = ""
    order_webhook_secret: str = ""
    order_webhook_max_attempts: int = 8
    order_webhook_timeout_s: float = 10.0

    @property
    def is_production(self) -> bool:
        return self.environment not in NON_PRODUCTION

    def check_safe(self) -> None:
        """Refuse a production start with the published demo secret or a guessable one."""
        if self.is_production and self.jwt_secret == DEMO_JWT_SECRET:
            raise SettingsError(
                "FIELDSALES_JWT_SECRET must be set to your own random value in production "
                f"(FIELDSALES_ENV={self.environment!r}; demo, dev and test must be chosen explicitly)"
            )
        if self.is_production and secret_entropy_bits(self.jwt_secret) < MIN_JWT_SECRET_BITS:
            raise SettingsError(
                f"FIELDSALES_JWT_SECRET is guessable (about {secret_entropy_bits(self.jwt_secret):.0f} bits; "
                f"at least {MIN_JWT_SECRET_BITS} needed): generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if self.matrix_provider not in {"haversine", "valhalla", "osrm"}:
            raise SettingsError("FIELDSALES_MATRIX_PROVIDER must be haversine, valhalla or osrm")
        if self.matrix_provider != "haversine" and not self.matrix_service_url:
            raise SettingsError(f"FIELDSALES_MATRIX_SERVICE_URL is required with the {self.matrix_provider} provider")
        if self.import_region_bbox:
            try:
                BBox.parse(self.import_region_bbox)
            except ValueError as exc:
                raise SettingsError(
                    f"FIELDSALES_IMPORT_REGION_BBOX={self.import_region_bbox!r} is not a bounding box: expected "
                    "MIN_LON,MIN_LAT,MAX_LON,MAX_LAT in degrees (e.g. 19.0,59.0,32.0,70.5), or empty for no check"
                ) from exc
        if self.geocoder not in {"offline", "nominatim", "photon", "none"}:
            raise SettingsError("FIELDSALES_GEOCODER must be offline, nominatim, photon or none")
        if self.geocoder in {"nominatim", "photon"} and not self.geocoder_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"FIELDSALES_GEOCODER_URL (http:// or https://) is required with the {self.geocoder} geocoder"
            )
        if self.sales_fact_from not in {"submitted", "delivered"}:
            raise SettingsError("FIELDSALES_SALES_FACT_FROM must be submitted or delivered")
        if self.order_webhook_url and len(self.order_webhook_secret) < 16:
            raise SettingsError("FIELDSALES_ORDER_WEBHOOK_SECRET (16+ characters) is required with a webhook URL")
        try:
            for item in self.trusted_proxies.split(","):
                if item.strip():
                    ipaddress.ip_network(item.strip(), strict=False)
        except ValueError as exc:
            raise SettingsError(f"FIELDSALES_TRUSTED_PROXIES: {exc}") from exc
        if not 0 <= self.session_cache_s <= 10:
            raise SettingsError("FIELDSALES_SESSION_CACHE_S must be between 0 and 10 seconds")
        if self.access_token_ttl_s <= 0 or self.access_token_ttl_s > 24 * 3600:
            raise SettingsError("FIELDSALES_ACCESS_TOKEN_TTL_S must be between 1 and 86400 seconds")


_ENV_NAMES: dict[str, str] = {
    "environment": "FIELDSALES_ENV",
    "database_url": "DATABASE_URL",
    "jwt_secret": "FIELDSALES_JWT_SECRET",
    "access_token_ttl_s": "FIELDSALES_ACCESS_TOKEN_TTL_S",
    "refresh_token_ttl_s": "FIELDSALES_REFRESH_TOKEN_TTL_S",
    "session_cache_s": "FIELDSALES_SESSION_CACHE_S",
    "pool_max_size": "FIELDSALES_POOL_MAX_SIZE",
    "statement_timeout_ms": "FIELDSALES_STATEMENT_TIMEOUT_MS",
    "default_phone_region": "FIELDSALES_PHONE_REGION",
    "max_import_file_bytes": "FIELDSALES_MAX_IMPORT_FILE_BYTES",
    "import_region_bbox": "FIELDSALES_IMPORT_REGION_BBOX",
    "geocoder": "FIELDSALES_GEOCODER",
    "geocoder_url": "FIELDSALES_GEOCODER_URL",
    "max_import_rows": "FIELDSALES_MAX_IMPORT_ROWS",
    "max_import_cells": "FIELDSALES_MAX_IMPORT_CELLS",
    "coverage_active_days": "FIELDSALES_COVERAGE_ACTIVE_DAYS",
    "nightly_iterations": "FIELDSALES_NIGHTLY_ITERATIONS",
    "nightly_time_limit_s": "FIELDSALES_NIGHTLY_TIME_LIMIT_S",
    "churn_cap_share": "FIELDSALES_CHURN_CAP_SHARE",
    "planning_time_zone": "FIELDSALES_PLANNING_TIME_ZONE",
    "nightly_local_time": "FIELDSALES_NIGHTLY_LOCAL_TIME",
    "worker_heartbeat_timeout_s": "FIELDSALES_WORKER_HEARTBEAT_TIMEOUT_S",
    "matrix_provider": "FIELDSALES_MATRIX_PROVIDER",
    "matrix_service_url": "FIELDSALES_MATRIX_SERVICE_URL",
    "trusted_proxies": "FIELDSALES_TRUSTED_PROXIES",
    "host": "FIELDSALES_HOST",
    "port": "FIELDSALES_PORT",
    "geofence_radius_m": "FIELDSALES_GEOFENCE_RADIUS_M",
    "check_in_retry_window_s": "FIELDSALES_CHECK_IN_RETRY_WINDOW_S",
    "checkout_requires_checklist": "FIELDSALES_CHECKOUT_REQUIRES_CHECKLIST",
    "photo_dir": "FIELDSALES_PHOTO_DIR",
    "photo_store_url": "FIELDSALES_PHOTO_STORE_URL",
    "max_photo_bytes": "FIELDSALES_MAX_PHOTO_BYTES",
    "max_photo_decode_bytes": "FIELDSALES_MAX_PHOTO_DECODE_BYTES",
    "max_concurrent_uploads_per_user": "FIELDSALES_MAX_CONCURRENT_UPLOADS_PER_USER",
    "max_concurrent_photo_decodes": "FIELDSALES_MAX_CONCURRENT_PHOTO_DECODES",
    "map_tile_url": "FIELDSALES_MAP_TILE_URL",
    "map_tile_attribution": "FIELDSALES_MAP_TILE_ATTRIBUTION",
    "sales_below_plan_pct": "FIELDSALES_SALES_BELOW_PLAN_PCT",
    "on_time_tolerance_s": "FIELDSALES_ON_TIME_TOLERANCE_S",
    "order_max_discount_pct": "FIELDSALES_ORDER_MAX_DISCOUNT_PCT",
    "sales_fact_from": "FIELDSALES_SALES_FACT_FROM",
    "order_webhook_url": "FIELDSALES_ORDER_WEBHOOK_URL",
    "order_webhook_secret": "FIELDSALES_ORDER_WEBHOOK_SECRET",
    "order_webhook_max_attempts": "FIELDSALES_ORDER_WEBHOOK_MAX_ATTEMPTS",
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from environment variables (see README) and explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field, name in _ENV_NAMES.items():
        if name in env and env[name] != "":
            values[field] = env[name]
    values.update(overrides)
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from exc
