"""Bad input is refused with a message naming the field."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import pytest

from routing import ProblemError, problem_from_dict, problem_from_json
from tests.routing.conftest import HOUR, line_matrix


def base() -> dict[str, Any]:
    return {
        "reps": [{"id": "r1", "start_index": 0, "shift": [8 * HOUR, 17 * HOUR]}],
        "visits": [
            {"id": "a", "location_index": 1, "service_s": 600},
            {"id": "b", "location_index": 2, "service_s": 600, "time_windows": [[9 * HOUR, 10 * HOUR]]},
        ],
        "matrix": line_matrix(3),
    }


def coordinates() -> dict[str, Any]:
    return {
        "reps": [{"id": "r1", "start": {"lat": 60.1, "lon": 24.9}, "shift": [8 * HOUR, 17 * HOUR]}],
        "visits": [{"id": "a", "location": {"lat": 60.2, "lon": 24.8}, "service_s": 600}],
    }


def _set(path: list[Any], value: Any, make: Callable[[], dict[str, Any]] = base) -> dict[str, Any]:
    d = make()
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return d


def _delete(path: list[Any], make: Callable[[], dict[str, Any]] = base) -> dict[str, Any]:
    d = make()
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return d


def _with_matrix_value(name: str, i: int, j: int, value: Any) -> dict[str, Any]:
    d = base()
    d["matrix"][name][i][j] = value
    return d


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown index", _set(["visits", 0, "location_index"], 7), "visits[0].location_index"),
    ("unknown start index", _set(["reps", 0, "start_index"], 3), "reps[0].start_index"),
    (
        "window end before start",
        _set(["visits", 1, "time_windows"], [[10 * HOUR, 9 * HOUR]]),
        "visits[1].time_windows[0]",
    ),
    ("window not a pair", _set(["visits", 1, "time_windows"], [[1, 2, 3]]), "visits[1].time_windows[0]"),
    ("negative service", _set(["visits", 0, "service_s"], -1), "visits[0].service_s"),
    ("fractional service", _set(["visits", 0, "service_s"], 1.5), "visits[0].service_s"),
    ("zero-length shift", _set(["reps", 0, "shift"], [9 * HOUR, 9 * HOUR]), "reps[0].shift"),
    ("shift end before start", _set(["reps", 0, "shift"], [9 * HOUR, 8 * HOUR]), "reps[0].shift"),
    ("matrix not square", _set(["matrix", "durations"], [[0, 1], [1, 0], [2, 2]]), "matrix.durations[0]"),
    ("matrix sizes differ", _set(["matrix", "distances"], [[0.0]]), "matrix.distances"),
    ("NaN in matrix", _with_matrix_value("durations", 0, 1, math.nan), "matrix.durations[0][1]"),
    ("negative in matrix", _with_matrix_value("distances", 1, 0, -5), "matrix.distances[1][0]"),
    ("text in matrix", _with_matrix_value("durations", 1, 0, "x"), "matrix.durations[1][0]"),
    ("unknown rep in reps", _set(["visits", 0, "reps"], ["r1", "ghost"]), "visits[0].reps[1]"),
    ("unknown rep in pinned", _set(["visits", 0, "pinned"], {"rep": "ghost"}), "visits[0].pinned.rep"),
    (
        "pinned rep not allowed",
        _set(["visits", 0], {"id": "a", "location_index": 1, "service_s": 1, "reps": ["r1"], "pinned": {"rep": "r2"}}),
        "visits[0].pinned.rep",
    ),
    ("duplicate visit id", _set(["visits", 1, "id"], "a"), "visits[1].id"),
    ("duplicate rep id", _set(["reps"], [base()["reps"][0], base()["reps"][0]]), "reps[1].id"),
    ("missing place", _delete(["visits", 0, "location_index"]), "visits[0].location_index"),
    ("missing place without matrix", _delete(["visits", 0, "location"], coordinates), "visits[0].location"),
    ("index without matrix", _set(["visits", 0, "location_index"], 0, coordinates), "visits[0].location_index"),
    (
        "latitude out of range",
        _set(["visits", 0, "location"], {"lat": 91, "lon": 0}, coordinates),
        "visits[0].location.lat",
    ),
    ("longitude out of range", _set(["reps", 0, "start"], {"lat": 0, "lon": -181}, coordinates), "reps[0].start.lon"),
    (
        "infinite latitude",
        _set(["visits", 0, "location"], {"lat": math.inf, "lon": 0}, coordinates),
        "visits[0].location.lat",
    ),
    ("priority too high", _set(["visits", 0, "priority"], 101), "visits[0].priority"),
    ("negative demand", _set(["visits", 0, "demand"], -2), "visits[0].demand"),
    ("required not bool", _set(["visits", 0, "required"], "yes"), "visits[0].required"),
    (
        "break longer than window",
        _set(["reps", 0, "breaks"], [{"window": [0, 10], "duration_s": 20}]),
        "reps[0].breaks[0].duration_s",
    ),
    (
        "break window reversed",
        _set(["reps", 0, "breaks"], [{"window": [10, 0], "duration_s": 5}]),
        "reps[0].breaks[0].window",
    ),
    ("unknown field", _set(["visits", 0, "colour"], "red"), "visits[0].colour"),
    ("unknown objective", _set(["objective"], "fun"), "objective"),
    ("no reps", _set(["reps"], []), "reps"),
    ("bad time limit", _set(["options"], {"time_limit_s": 0}), "options.time_limit_s"),
    ("id missing", _delete(["visits", 0, "id"]), "visits[0].id"),
    ("bool as number", _set(["visits", 0, "service_s"], True), "visits[0].service_s"),
]


@pytest.mark.parametrize(("name", "data", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_field(name: str, data: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data)
    assert info.value.field == field, f"{name}: {info.value}"
    assert field in str(info.value)


def test_good_input_round_trips_the_essentials() -> None:
    d = copy.deepcopy(base())
    d["reps"][0].update(end=None, breaks=[{"window": [12 * HOUR, 13 * HOUR], "duration_s": 1800}], capacity=5)
    d["visits"][0].update(pinned={"rep": "r1", "start_s": 10 * HOUR}, priority=80, required=True)
    p = problem_from_dict(d)
    assert p.reps[0].open_end and p.reps[0].breaks[0].duration_s == 1800
    assert p.visits[0].pinned is not None and p.visits[0].pinned.start_s == 10 * HOUR
    assert p.visits[1].time_windows[0].start_s == 9 * HOUR
    assert not problem_from_dict(base()).reps[0].open_end


def test_unreachable_markers_are_accepted() -> None:
    d = base()
    d["matrix"]["durations"][0][1] = None
    d["matrix"]["durations"][1][0] = 2.0**63
    d["matrix"]["distances"][0][2] = math.inf
    problem_from_dict(d)


def test_malformed_json() -> None:
    with pytest.raises(ProblemError) as info:
        problem_from_json(b"{not json")
    assert info.value.field == "$"


def test_json_entry_point() -> None:
    p = problem_from_json('{"reps": [{"id": 1, "start": {"lat": 0, "lon": 0}, "shift": [0, 100]}], "visits": []}')
    assert p.reps[0].id == "1"
