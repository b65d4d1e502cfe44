"""Input that no schema may take, refused at the edge before any handler runs (422 naming the field).

One rule for every operation, so no schema has to remember it:

* every date and time is within 2000-01-01 .. 2100-01-01 (PostgreSQL would store year 1 as -infinity,
  and date arithmetic near year 1 or 9999 overflows); a time carries its UTC offset (Z or +hh:mm) and the
  offset is a real one (below 24 h);
* no text holds a NUL character (PostgreSQL's text cannot store it) and none is longer than
  ``MAX_TEXT_CHARS``;
* a JSON body nests at most ``MAX_DEPTH`` levels.

What counts as a date or a time: a JSON string or query parameter that is an ISO 8601 date
(``YYYY-MM-DD``) or date-time (``YYYY-MM-DDThh:mm...``) as a whole; free text never is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec

from backend.errors import InvalidInput

EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 1, 1)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_DEPTH = 32
# Longer text than this is never a field value here (the body cap bounds everything else).
MAX_TEXT_CHARS = 20_000
_DATE = re.compile(r"[+-]?\d{4,6}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"[+-]?\d{4,6}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")
_RANGE = f"{EARLIEST_DAY.isoformat()} .. {LATEST_DAY.isoformat()}"


def check_text(value: str, field: str) -> None:
    """The rules for one text value (a JSON string or a query parameter) named `field`."""
    if "\x00" in value:
        raise InvalidInput("text cannot contain a NUL character (\\u0000)", field=field)
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text is limited to {MAX_TEXT_CHARS:,} characters", field=field)
    if len(value) > 40:
        return
    if _DATE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"{value!r} is not a valid date", field=field) from exc
        if not EARLIEST_DAY <= day < LATEST_DAY:
            raise InvalidInput(f"the date {value} is outside {_RANGE}", field=field)
    elif _DATE_TIME.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] in "Zz" else value)
        except ValueError as exc:
            raise InvalidInput(f"{value!r} is not a valid ISO 8601 time with a UTC offset", field=field) from exc
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput(f"the time {value} needs a UTC offset (Z or +hh:mm)", field=field)
        if not EARLIEST <= moment < LATEST:
            raise InvalidInput(f"the time {value} is outside {_RANGE}", field=field)


def check_value(value: Any, path: str = "", depth: int = 0) -> None:
    """Walk a decoded JSON value, checking every string and key against the rules above."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"the JSON body nests deeper than {MAX_DEPTH} levels", field=path or "body")
    if isinstance(value, str):
        check_text(value, path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in key or len(key) > 200:
                raise InvalidInput("a field name is not valid", field="body")
            check_value(item, child, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]", depth + 1)


def check_json_body(body: bytes) -> None:
    """Check a JSON request body; a body that is not JSON is left to the schema's own error."""
    if not body:
        return
    try:
        value = msgspec.json.decode(body)
    except RecursionError as exc:
        raise InvalidInput(f"the JSON body nests deeper than {MAX_DEPTH} levels", field="body") from exc
    except msgspec.DecodeError:
        return
    check_value(value)


_JSON_TYPES = ("application/json", "application/problem+json")


async def guard_input(request: Any) -> None:
    """Litestar's before-request hook: the path, every query parameter and a JSON body, checked."""
    if "\x00" in request.scope.get("path", ""):
        raise InvalidInput("the path cannot contain a NUL character", field="path")
    for name, text in request.query_params.multi_items():
        check_text(name, "query")
        check_text(str(text), str(name))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and (
        content_type in _JSON_TYPES or content_type.endswith("+json") or content_type == ""
    ):
        check_json_body(await request.body())
