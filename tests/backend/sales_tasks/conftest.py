"""The API on a simulated clock (9:00 in Helsinki on DAY), event streams that replay and close, and
the activity webhook configured."""

from __future__ import annotations

import asyncpg
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.clock import SimulatedClock
from backend.settings import Settings
from tests.backend.conftest import SingleConnectionSource
from tests.backend.sales_tasks.helpers import DAY, WEBHOOK_SECRET, at


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(at(DAY, 9))


@pytest.fixture
def app(settings: Settings, conn: asyncpg.Connection, clock: SimulatedClock) -> Litestar:
    configured = msgspec.structs.replace(settings, events_stream_s=0.0, activity_webhook_secret=WEBHOOK_SECRET)
    return create_app(configured, pool=SingleConnectionSource(conn), clock=clock)
