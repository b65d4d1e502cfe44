"""Structured logs: one JSON object per line (FIELDSALES_LOG_FORMAT=json) or readable text, each line
with the request or job id of the work it belongs to, and the traceback when there is one."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

import msgspec

from backend.http.log_safety import EscapeControlCharacters
from backend.observability.context import current_id

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "request_tag",
}


class RequestIdFilter(logging.Filter):
    """Stamps the current request or job id on every record (None outside one); text lines show it
    as `[id] ` and nothing outside a request or job."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_id()
        record.request_id = request_id
        record.request_tag = f"[{request_id}] " if request_id else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line, enc_hook=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_tag)s%(message)s"


def configure_logging(log_format: str, level: str) -> None:
    """Route the root logger to stderr in the chosen format; safe to call again (replaces its handler)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(EscapeControlCharacters())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_fieldsales", False)]:
        root.removeHandler(existing)
    handler._fieldsales = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
