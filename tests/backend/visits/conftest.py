"""Visit API tests: the shared app, but with photos stored under a per-test temporary directory and
business time pinned shortly after the tests' day (the visit rules compare a check-in's device
time with the server's, so a wall clock would flag the fixed day as "sent too late" once it is more
than the offline window in the past)."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource
from tests.backend.visits.helpers import SERVER_NOW


def day_clock() -> SimulatedClock:
    return SimulatedClock(SERVER_NOW)


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    return tmp_path / "photos"


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, photo_dir: Path) -> Litestar:
    return create_app(
        msgspec.structs.replace(settings, photo_dir=str(photo_dir)),
        pool=SingleConnectionSource(conn),
        clock=day_clock(),
    )
