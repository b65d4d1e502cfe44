"""Visit API tests: the shared app, but with photos stored under a per-test temporary directory."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    return tmp_path / "photos"


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, photo_dir: Path) -> Litestar:
    return create_app(msgspec.structs.replace(settings, photo_dir=str(photo_dir)), pool=SingleConnectionSource(conn))
