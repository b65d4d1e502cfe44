"""Opaque keyset cursors: base64 of the last row's sort key, so pages stay stable under inserts."""

from __future__ import annotations

import base64
import binascii
import json

from backend.errors import InvalidInput


def encode_cursor(key: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_name_cursor(cursor: str) -> tuple[str, int]:
    name, last_id = decode_cursor(cursor, (str, int))
    assert isinstance(name, str) and isinstance(last_id, int)
    return name, last_id


def decode_distance_cursor(cursor: str) -> tuple[float, int]:
    distance, last_id = decode_cursor(cursor, (float, int))
    assert isinstance(distance, int | float) and isinstance(last_id, int)
    return float(distance), last_id


def decode_cursor(cursor: str, expected: tuple[type, ...]) -> list[object]:
    """Decode a cursor whose items have the `expected` types, or name `cursor` as the bad field."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("the cursor is not one this API issued", field="cursor") from exc
    if not isinstance(key, list) or len(key) != len(expected):
        raise InvalidInput("the cursor is not one this API issued", field="cursor")
    for value, kind in zip(key, expected, strict=True):
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise InvalidInput("the cursor is not one this API issued", field="cursor")
    return key
