"""Deals tests run the app on a simulated business clock, with event streams that replay and close."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource


@pytest.fixture
def clock() -> SimulatedClock:
    # A few days back from wall time: orders taken "now" on this clock are never in the future.
    start = dt.datetime.now(dt.UTC).replace(hour=7, minute=0, second=0, microsecond=0) - dt.timedelta(days=5)
    return SimulatedClock(start)


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock) -> Litestar:
    quick = msgspec.structs.replace(settings, events_stream_s=0.0)
    return create_app(quick, pool=SingleConnectionSource(conn), clock=clock)
