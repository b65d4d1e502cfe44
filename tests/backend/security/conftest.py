"""Security fixtures: the supervision known day (two teams) reused from tests/backend/supervision."""

from __future__ import annotations

from tests.backend.supervision.conftest import console_solver, known_day

__all__ = ["console_solver", "known_day"]
