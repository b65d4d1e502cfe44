"""Service settings, read from the environment only when asked (never at import time).

Every field `x` is set by the environment variable `FIELDSALES_X` (upper case); `DATABASE_URL`,
`FIELDSALES_ENV` and `FIELDSALES_PHONE_REGION` are kept as older names. Values are parsed and validated
when loaded, into the field's type (a time of day such as "22:00" becomes a `datetime.time`); a bad
value is refused naming the variable and the form expected. The README's table is generated from
here (`python -m backend.settings`) and a test keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import os
import sys
import types
import typing
import zlib
from collections import Counter
from collections.abc import Callable, Mapping

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
    # A territory boundary sent to PUT: its vertices, and the time its validity check and repair may
    # take (in a child process with capped memory, before the territory's row is locked).
    max_territory_vertices: int = 20_000
    geometry_check_timeout_s: float = 5.0
    # Rows per imported file, cells per sheet (a workbook's declared range counts, empty cells included).
    max_import_rows: int = 250_000
    max_import_cells: int = 5_000_000
    # Day planning: solves bounded by solutions are reproducible; the churn cap protects published routes.
    # Nightly solves are bounded by search rounds (deterministic: same inputs, same route); a time
    # limit instead when set above 0. Either way a rerun with the same inputs keeps the published
    # route: the inputs' hash is checked before solving.
    nightly_iterations: int = 80
    nightly_time_limit_s: float = 0.0
    churn_cap_share: float = 0.3
    planning_time_zone: str = "Europe/Helsinki"
    nightly_local_time: dt.time = dt.time(22, 0)
    morning_check_local_time: dt.time = dt.time(5, 30)
    worker_heartbeat_timeout_s: float = 30.0
    # Solver processes of the API process (on-demand re-plans); bounded so solves cannot starve it.
    api_solver_processes: int = 1
    # Travel times: "haversine" (no service), or "valhalla" / "osrm" at matrix_service_url.
    matrix_provider: str = "haversine"
    matrix_service_url: str = ""
    replan_time_limit_s: float = 0.5
    # A re-plan from farther than this from the rep's home is refused (a wrong or spoofed position).
    replan_max_distance_m: float = 100_000.0
    # Route-version events (GET /api/v1/me/events): how often the stream looks for new versions, and
    # how long one stream lasts before the client reconnects with Last-Event-ID (0 = replay and close).
    events_poll_s: float = 2.0
    events_stream_s: float = 300.0
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
    # Logs: "text" for people, "json" (one object per line) for a log shipper; level as in logging.
    log_format: str = "text"
    log_level: str = "info"
    # A statement slower than this is logged (with its request id) and counted in /metrics.
    slow_query_ms: int = 500
    # Solves waiting for a solver process beyond the running ones; one more is refused with 503.
    solver_max_queued: int = 16
    # The sync feed: changes are kept this many days (older cursors get a full resync) and a page
    # holds at most this many changed accounts.
    sync_horizon_days: int = 30
    sync_page_size: int = 500
    # CRM task reminders: the worker's timer sends the due ones every this many minutes (0: never).
    task_reminder_interval_min: int = 1
    # The inbound activity webhook (telephony, messengers): HMAC-SHA256 secret shared with the
    # providers (empty: the endpoint answers 404) and how old a signed timestamp may be.
    activity_webhook_secret: str = ""
    activity_webhook_max_age_s: int = 300
    # Segments: each is re-evaluated by the worker at most this often (business time); entries and
    # exits are kept this many days; 12-month turnover bands: A from the first amount, B from the
    # second, C from the third, below it D.
    segment_refresh_interval_s: int = 900
    segment_changes_keep_days: int = 365
    segment_turnover_band_a: float = 20000.0
    segment_turnover_band_b: float = 5000.0
    segment_turnover_band_c: float = 1000.0

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
        if not self.segment_turnover_band_a > self.segment_turnover_band_b > self.segment_turnover_band_c > 0:
            raise SettingsError(
                "FIELDSALES_SEGMENT_TURNOVER_BAND_A > FIELDSALES_SEGMENT_TURNOVER_BAND_B > "
                "FIELDSALES_SEGMENT_TURNOVER_BAND_C > 0 must hold"
            )
        if self.segment_refresh_interval_s < 60 or self.segment_changes_keep_days < 1:
            raise SettingsError(
                "FIELDSALES_SEGMENT_REFRESH_INTERVAL_S must be 60 or more, "
                "FIELDSALES_SEGMENT_CHANGES_KEEP_DAYS 1 or more"
            )
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
        if not 0 <= self.task_reminder_interval_min <= 59:
            raise SettingsError("FIELDSALES_TASK_REMINDER_INTERVAL_MIN must be between 0 (off) and 59 minutes")
        if self.activity_webhook_secret and len(self.activity_webhook_secret) < 16:
            raise SettingsError("FIELDSALES_ACTIVITY_WEBHOOK_SECRET must have 16+ characters (or be empty: off)")
        if not 10 <= self.activity_webhook_max_age_s <= 3600:
            raise SettingsError("FIELDSALES_ACTIVITY_WEBHOOK_MAX_AGE_S must be between 10 and 3600 seconds")


# Older names still read (the convention's name wins when both are set).
_ALIASES: dict[str, str] = {
    "database_url": "DATABASE_URL",
    "environment": "FIELDSALES_ENV",
    "default_phone_region": "FIELDSALES_PHONE_REGION",
}
_PREFIX = "FIELDSALES_"


def env_name(field: str) -> str:
    return _PREFIX + field.upper()


def _parse_time(text: str) -> dt.time:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return dt.time(int(hours), int(minutes))


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValueError(text)
    return lowered in {"true", "1", "yes"}


# How a variable's text becomes each field type, and the form named when it does not.
_PARSERS: dict[type, tuple[Callable[[str], object], str]] = {
    int: (int, "an integer, e.g. 500"),
    float: (float, "a number, e.g. 0.5"),
    bool: (_parse_bool, "true or false"),
    str: (str, "text"),
    dt.time: (_parse_time, 'a time of day HH:MM, e.g. "22:00"'),
}


def _field_type(field: str) -> tuple[type, bool]:
    """The field's type and whether it may be None."""
    hint = typing.get_type_hints(Settings)[field]
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [arg for arg in args if arg is not type(None)]
        return inner[0], True
    return hint, False


def expected_form(field: str) -> str:
    kind, optional = _field_type(field)
    form = _PARSERS[kind][1]
    return f"{form} (or empty for none)" if optional else form


def _from_text(field: str, name: str, text: str) -> object:
    kind, optional = _field_type(field)
    if optional and text == "":
        return None
    parse, form = _PARSERS[kind]
    try:
        return parse(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r} is not valid: expected {form}") from None


def fields() -> tuple[str, ...]:
    return Settings.__struct_fields__


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from FIELDSALES_<FIELD> environment variables (see README) and explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in fields():
        for name in (env_name(field), _ALIASES.get(field)):
            if name is not None and env.get(name, "") != "":
                values[field] = _from_text(field, name, env[name])
                break
    for field, value in overrides.items():
        values[field] = _from_text(field, field, value) if isinstance(value, str) and field in fields() else value
    try:
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        field = str(exc).rpartition("$.")[2].rstrip("`")
        if field in fields():
            raise SettingsError(f"{env_name(field)} is not valid ({exc}): expected {expected_form(field)}") from exc
        raise SettingsError(f"invalid setting: {exc}") from exc
    for field, allowed in _CHOICES.items():
        if getattr(settings, field) not in allowed:
            raise SettingsError(f"{env_name(field)}={getattr(settings, field)!r}: expected one of {', '.join(allowed)}")
    return settings


_CHOICES: dict[str, tuple[str, ...]] = {
    "log_format": ("text", "json"),
    "log_level": ("debug", "info", "warning", "error"),
}


# What each setting means (the README's table is generated from this; a test checks every field has one).
FIELD_DOCS: dict[str, str] = {
    "environment": "`production` (default), `demo`, `dev` or `test`; production refuses a demo or guessable secret",
    "database_url": "PostgreSQL URL",
    "jwt_secret": "HS256 signing secret; in production your own random value (entropy checked)",
    "jwt_issuer": "`iss` of issued tokens",
    "jwt_audience": "`aud` of issued tokens",
    "access_token_ttl_s": "access-token lifetime (1 to 86400 s)",
    "refresh_token_ttl_s": "refresh-token lifetime",
    "session_cache_s": "seconds one process reuses a user's session state (revocation) before reading it again (0-10)",
    "pool_min_size": "database connections kept open",
    "pool_max_size": "most database connections of one process",
    "pool_acquire_timeout_s": "wait for a free connection before answering 503",
    "connect_timeout_s": "wait for the database to accept a connection",
    "statement_timeout_ms": "longest statement; a slower one is cancelled and answered 503",
    "max_request_body_bytes": "largest request body",
    "max_page_size": "largest `limit` of a list",
    "default_phone_region": "region for phone numbers without a country code",
    "max_import_file_bytes": "largest account import file",
    "import_region_bbox": "`MIN_LON,MIN_LAT,MAX_LON,MAX_LAT` imported coordinates must lie in (empty: no check)",
    "geocoder": "geocoding of accounts without coordinates: `offline` (the demo extract's OSM addresses), "
    "`nominatim` or `photon` at `FIELDSALES_GEOCODER_URL`, or `none`",
    "geocoder_url": "URL of the Nominatim / Photon service",
    "max_territory_vertices": "most vertices of a territory boundary sent to PUT",
    "geometry_check_timeout_s": "longest validity check and repair of a territory boundary (in a child process)",
    "max_import_rows": "most rows of one imported file",
    "max_import_cells": "most cells of one sheet (its declared range counts, empty cells included)",
    "nightly_iterations": "search rounds per rep at night (deterministic: same inputs, same route)",
    "nightly_time_limit_s": "seconds per rep at night instead of rounds, when above 0",
    "churn_cap_share": "a nightly re-plan of a still-valid published route may reshuffle at most this share of "
    "the visits both hold (it never keeps a visit done, not due, closed or on a day off, nor blocks an appointment "
    "or task)",
    "planning_time_zone": "time zone of the nightly timer",
    "nightly_local_time": "local time after which a worker's timer starts tomorrow's run",
    "morning_check_local_time": "local time of the check that re-queues reps without a route for today",
    "worker_heartbeat_timeout_s": "a job worker silent this long is taken for dead and its job retried",
    "api_solver_processes": "solver processes of the API process (re-plans)",
    "matrix_provider": "travel times: `haversine`, `valhalla` or `osrm`",
    "matrix_service_url": "URL of the Valhalla / OSRM service",
    "replan_time_limit_s": "search time of an on-demand re-plan",
    "replan_max_distance_m": "a re-plan from farther than this from the rep's home is refused (422, `lat`)",
    "events_poll_s": "how often `GET /api/v1/me/events` looks for new route versions",
    "events_stream_s": "how long one event stream lasts before the client reconnects with Last-Event-ID",
    "trusted_proxies": "reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated)",
    "host": "address `fieldsales serve` binds",
    "port": "port `fieldsales serve` binds",
    "geofence_radius_m": "a check-in farther than this from the outlet is flagged",
    "max_gps_accuracy_m": "a fix less accurate than this is flagged",
    "max_speed_kmh": "travel faster than this between check-ins is flagged",
    "max_clock_skew_s": "device clock this far from the server's is flagged",
    "min_visit_s": "a visit shorter than this is flagged",
    "check_in_retry_window_s": "a second check-in at the same account within this (device time) is a retry",
    "checkout_requires_checklist": "`true`: check-out with an unanswered required checklist is refused (409)",
    "photo_dir": "local photo directory (when no store URL is set)",
    "photo_store_url": "object store for photos (`s3://bucket/prefix`, via obstore)",
    "max_photo_bytes": "largest photo upload",
    "max_photo_pixels": "largest photo in pixels",
    "max_photo_decode_bytes": "memory one photo's decode may take",
    "max_concurrent_uploads_per_user": "photo uploads at once per user (more: 429)",
    "max_concurrent_photo_decodes": "photo decodes at once in the process (more wait)",
    "thumbnail_px": "thumbnail edge",
    "photo_before_visit_tolerance_s": "a photo taken this long before check-in is still accepted",
    "photo_reuse_max_hamming": "perceptual-hash distance under which a photo counts as reused",
    "idempotency_ttl_s": "how long idempotency keys are kept (the worker's timer purges older ones)",
    "map_tile_url": "raster tile URL template `{z}/{x}/{y}` for the console (empty: the offline basemap)",
    "map_tile_attribution": "attribution shown with the tiles",
    "sales_below_plan_pct": "a rep below this share of plan is flagged in reports",
    "on_time_tolerance_s": "a stop without a window is on time when started within this of plan",
    "report_max_days": "longest period one report covers",
    "order_max_discount_pct": "largest discount a rep may enter on an order",
    "sales_fact_from": "which orders count as sales fact: `submitted` or `delivered`",
    "order_webhook_url": "ERP webhook called on order submission (empty: none)",
    "order_webhook_secret": "HMAC-SHA256 secret of the webhook (16+ characters with a URL)",
    "order_webhook_max_attempts": "webhook delivery attempts",
    "order_webhook_timeout_s": "webhook request timeout",
    "log_format": "`text` or `json` (one object per line, with `request_id`)",
    "log_level": "`debug`, `info`, `warning` or `error`",
    "slow_query_ms": "statements slower than this are logged and counted",
    "solver_max_queued": "solves that may wait for a solver process; one more answers 503",
    "sync_horizon_days": "sync changes are kept this long; an older cursor gets a full resync",
    "sync_page_size": "most changed accounts in one sync page",
    "task_reminder_interval_min": "the worker sends due CRM task reminders every this many minutes (0: never)",
    "activity_webhook_secret": "HMAC-SHA256 secret of the inbound activity webhook (16+ characters; empty: off, 404)",
    "activity_webhook_max_age_s": "a webhook whose signed timestamp is further than this from now is refused (401)",
    "segment_refresh_interval_s": "the worker re-evaluates each segment's members at most this often",
    "segment_changes_keep_days": "segment entries and exits are kept this long",
    "segment_turnover_band_a": "12-month turnover from which an account is in band A",
    "segment_turnover_band_b": "12-month turnover from which an account is in band B (below A)",
    "segment_turnover_band_c": "12-month turnover from which an account is in band C (below B; under it: D)",
}


def _shown(field: str) -> str:
    default = getattr(Settings(), field)
    if field == "jwt_secret":
        return "a demo secret"
    if default is None or default == "":
        return "none"
    if isinstance(default, dt.time):
        return f"`{default:%H:%M}`"
    return f"`{default}`"


def settings_table() -> str:
    """The README's settings table, one row per field."""
    rows = ["| variable | default | form | meaning |", "|---|---|---|---|"]
    for field in fields():
        name = f"`{env_name(field)}`" + (f" (or `{_ALIASES[field]}`)" if field in _ALIASES else "")
        rows.append(f"| {name} | {_shown(field)} | {expected_form(field)} | {FIELD_DOCS[field]} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_table())
