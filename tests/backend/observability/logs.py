"""Capture what the service logs, as the JSON lines an operator's shipper would read."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backend.observability.logs import JsonFormatter, RequestIdFilter


@contextmanager
def json_log_lines() -> Iterator[list[dict[str, Any]]]:
    """Lines logged inside the block, parsed (the list fills when the block ends)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
