"""Named SQL queries read from a feature's `queries.sql`.

A file holds blocks that start with `-- name: <query_name>`; the SQL runs to the next header.
Only repositories load these files.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

_HEADER = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class QueryFileError(Exception):
    pass


def parse_queries(text: str, origin: str = "<string>") -> dict[str, str]:
    headers = list(_HEADER.finditer(text))
    if not headers:
        raise QueryFileError(f"{origin}: no '-- name:' headers")
    queries: dict[str, str] = {}
    for position, header in enumerate(headers):
        end = headers[position + 1].start() if position + 1 < len(headers) else len(text)
        sql = text[header.end() : end].strip().rstrip(";").strip()
        name = header.group(1)
        if name in queries:
            raise QueryFileError(f"{origin}: query {name!r} defined twice")
        if not sql:
            raise QueryFileError(f"{origin}: query {name!r} is empty")
        queries[name] = sql
    return queries


def load_queries(package: str) -> dict[str, str]:
    """The named queries of `package`/queries.sql (e.g. 'backend.accounts')."""
    text = resources.files(package).joinpath("queries.sql").read_text(encoding="utf-8")
    return parse_queries(text, f"{package}/queries.sql")


def all_query_files() -> list[Path]:
    """Every queries.sql of the backend, for the test that prepares each query."""
    root = Path(__file__).resolve().parent.parent
    return sorted(root.glob("*/queries.sql"))
