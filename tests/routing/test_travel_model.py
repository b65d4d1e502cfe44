"""One travel-time model: `fieldsales solve` on coordinates, the nightly planner's problem builder and
re-plan price the same leg the same (haversine x the mode's circuity / the mode's speed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli.main import cli
from backend.planning.matrix_cache import matrix_provider
from backend.planning.problem_builder import build_problem
from backend.planning.schemas import Candidate, RepPlanningProfile
from backend.settings import load_settings
from routing.matrix.haversine import haversine_m, profile_of

HOME = (60.1699, 24.9384)
PLACES = [(60.1750, 24.9500), (60.1620, 24.9300), (60.1800, 24.9200), (60.1655, 24.9601)]


def _profile(mode: str) -> RepPlanningProfile:
    return RepPlanningProfile(
        rep_id=1,
        email="rep@example.com",
        home_lat=HOME[0],
        home_lon=HOME[1],
        shift_start_s=9 * 3600,
        shift_end_s=14 * 3600,  # under 6 h: no break between legs
        time_zone="Europe/Helsinki",
        travel_mode=mode,
        working_days=[1, 2, 3, 4, 5],
    )


def _candidates() -> list[Candidate]:
    return [
        Candidate(
            account_id=100 + i,
            name=f"Outlet {i}",
            lat=lat,
            lon=lon,
            service_s=600,
            account_class="B",
            source="schedule",
            priority=50,
            due_day=dt.date(2026, 12, 1),
            opening=[(8 * 3600, 20 * 3600)],
        )
        for i, (lat, lon) in enumerate(PLACES)
    ]


def _cli_legs(tmp_path: Path, mode: str) -> dict[tuple[int, int], int]:
    """Leg travel seconds of the CLI's route on a problem with coordinates; place 0 is home."""
    problem = {
        "reps": [{"id": "r", "start": {"lat": HOME[0], "lon": HOME[1]}, "shift": [9 * 3600, 14 * 3600]}],
        "visits": [
            {"id": str(i + 1), "location": {"lat": lat, "lon": lon}, "service_s": 600}
            for i, (lat, lon) in enumerate(PLACES)
        ],
        "travel_mode": mode,
        "options": {"time_limit_s": 0.2},
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem))
    result = CliRunner().invoke(cli, ["solve", str(path)])
    assert result.exit_code == 0, result.output
    [route] = json.loads(result.output)["routes"]
    legs: dict[tuple[int, int], int] = {}
    here, free_at = 0, route["start_s"]
    for stop in route["stops"]:
        place = int(stop["visit"])
        legs[(here, place)] = stop["arrival_s"] - free_at
        here, free_at = place, stop["end_s"]
    assert len(legs) == len(PLACES)
    return legs


@pytest.mark.parametrize("mode", ["car", "foot"])
def test_cli_planner_and_replan_give_the_same_leg_times(tmp_path: Path, mode: str) -> None:
    provider = matrix_provider(load_settings({}))
    nightly, _, _ = asyncio.run(build_problem(_profile(mode), _candidates(), provider, time_limit_s=0.2))
    # A re-plan from home at 10:00. Either matrix holds the rep's start first, home (the end) second,
    # then the visits: place k of [HOME, *PLACES] is row 0 for k = 0, else row k + 1.
    replan, _, _ = asyncio.run(
        build_problem(
            _profile(mode), _candidates(), provider, time_limit_s=0.2, start_point=HOME, start_time_s=10 * 3600
        )
    )

    def row(k: int) -> int:
        return 0 if k == 0 else k + 1

    profile = profile_of(mode)
    for (a, b), cli_s in _cli_legs(tmp_path, mode).items():
        by_hand_s = haversine_m(([HOME, *PLACES])[a], ([HOME, *PLACES])[b]) * profile.circuity / profile.speed_m_s
        # The solver schedules in whole seconds, rounding each leg up.
        assert cli_s == math.ceil(by_hand_s - 1e-9)
        assert nightly.matrix.durations[row(a)][row(b)] == pytest.approx(by_hand_s, rel=1e-9)
        assert replan.matrix.durations[row(a)][row(b)] == pytest.approx(by_hand_s, rel=1e-9)
