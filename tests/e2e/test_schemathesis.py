"""Fuzzing from the OpenAPI schema: schemathesis (`st run`) against `fieldsales serve` on 127.0.0.1.

Its own committed database (the test database's name + `_fuzz`: migrations, pgqueuer's tables, the demo
city), one run per role (admin, supervisor, rep) over every operation and every phase (examples,
coverage, fuzzing, stateful), bounded to a few examples per operation. Checks: no 5xx and every
documented response matches its schema. The longer run is `python -m benchmarks.fuzz` (same code).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from benchmarks import fuzz
from tests.backend.conftest import _test_database_url

ARTIFACTS = fuzz.ROOT / "test-artifacts" / "fuzz-make-test"
MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, str]]]:
    """The server's URL and every role's token (taken before fuzzing trips the failed-login limit)."""
    server_url, name = _test_database_url().rsplit("/", 1)
    database_url = f"{server_url}/{name}_fuzz"
    asyncio.run(fuzz.build_database(database_url))
    with fuzz.serve(database_url, ARTIFACTS / "server.log") as base:
        yield base, fuzz.access_tokens(base)


@pytest.mark.parametrize("role", list(fuzz.ROLES))
def test_no_server_error_and_every_response_matches_the_schema(server: tuple[str, dict[str, str]], role: str) -> None:
    base, tokens = server
    result = fuzz.run_role(
        base, role, tokens[role], max_examples=MAX_EXAMPLES, seed=1, out_dir=ARTIFACTS, timeout_s=600
    )
    assert result.operations >= 50, result.output
    assert result.exit_code == 0 and result.failures == 0, result.output
