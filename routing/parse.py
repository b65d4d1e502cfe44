"""Parse and validate the problem JSON into immutable `Problem` data.

Every rule that rejects input raises `ProblemError` with the path of the offending field, so a
client can point at it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import msgspec

from routing.errors import ProblemError
from routing.matrix.base import TRAVEL_MODES
from routing.matrix_types import Matrix
from routing.problem import Break, Location, Objective, Pinned, Problem, Rep, TimeWindow, Visit

# Matrix entries at or above this are "unreachable" (routing engines use 2**63-ish sentinels).
UNREACHABLE_AT = float(2**62)
DAY_LIMIT_S = 7 * 24 * 3600  # a day's times beyond a week are surely a unit mistake
MAX_PRIORITY = 100

_REP_FIELDS = {
    "id",
    "start",
    "start_index",
    "end",
    "end_index",
    "shift",
    "max_work_s",
    "max_visits",
    "capacity",
    "skills",
    "breaks",
}
_VISIT_FIELDS = {
    "id",
    "location",
    "location_index",
    "service_s",
    "time_windows",
    "priority",
    "required",
    "demand",
    "skills",
    "reps",
    "pinned",
}
_PROBLEM_FIELDS = {"reps", "visits", "matrix", "objective", "options", "travel_mode"}


def problem_from_json(data: bytes | str) -> Problem:
    """Decode JSON and validate it; malformed JSON is a `ProblemError` on field ``$``."""
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ProblemError("$", f"invalid JSON: {exc}") from exc
    return problem_from_dict(raw)


def problem_from_dict(d: Mapping[str, Any]) -> Problem:
    """Validate a decoded problem; raises `ProblemError` naming the first bad field."""
    data = _mapping(d, "$")
    _no_unknown_fields(data, _PROBLEM_FIELDS, "")
    matrix = _matrix(data["matrix"], "matrix") if data.get("matrix") is not None else None
    size = len(matrix.durations) if matrix is not None else None

    reps_raw = _sequence(_required(data, "reps", ""), "reps")
    if not reps_raw:
        raise ProblemError("reps", "at least one rep is required")
    reps = tuple(_rep(r, f"reps[{i}]", size) for i, r in enumerate(reps_raw))
    _unique_ids([r.id for r in reps], "reps")
    rep_ids = {r.id for r in reps}

    visits_raw = _sequence(data.get("visits", []), "visits")
    visits = tuple(_visit(v, f"visits[{i}]", size, rep_ids) for i, v in enumerate(visits_raw))
    _unique_ids([v.id for v in visits], "visits")

    objective = data.get("objective", "duration")
    if objective not in ("duration", "distance"):
        raise ProblemError("objective", "must be 'duration' or 'distance'")
    time_limit_s, seed = _options(data.get("options"), "options")
    travel_mode = data.get("travel_mode", "car")
    if travel_mode not in TRAVEL_MODES:
        raise ProblemError("travel_mode", f"must be one of {', '.join(TRAVEL_MODES)}")
    return Problem(
        reps=reps,
        visits=visits,
        matrix=matrix,
        objective=cast(Objective, objective),
        time_limit_s=time_limit_s,
        seed=seed,
        travel_mode=travel_mode,
    )


# -- pieces -----------------------------------------------------------------------------------


def _rep(raw: Any, path: str, size: int | None) -> Rep:
    d = _mapping(raw, path)
    _no_unknown_fields(d, _REP_FIELDS, path)
    rep_id = _id(_required(d, "id", path), f"{path}.id")
    shift = _window(_required(d, "shift", path), f"{path}.shift")
    if shift.end_s <= shift.start_s:
        raise ProblemError(f"{path}.shift", "shift must have positive length (end after start)")
    start, start_index = _place(d, "start", "start_index", path, size, required=True)
    open_end = "end" in d and d["end"] is None and d.get("end_index") is None
    end, end_index = (None, None) if open_end else _place(d, "end", "end_index", path, size, required=False)
    max_work_s = _optional_int(d, "max_work_s", path, minimum=1)
    max_visits = _optional_int(d, "max_visits", path, minimum=0)
    capacity = _optional_int(d, "capacity", path, minimum=0)
    skills = _strings(d.get("skills", []), f"{path}.skills")
    breaks = tuple(
        _break(b, f"{path}.breaks[{i}]") for i, b in enumerate(_sequence(d.get("breaks", []), f"{path}.breaks"))
    )
    return Rep(
        id=rep_id,
        shift=shift,
        start=start,
        start_index=start_index,
        end=end,
        end_index=end_index,
        open_end=open_end,
        max_work_s=max_work_s,
        max_visits=max_visits,
        capacity=capacity,
        skills=skills,
        breaks=breaks,
    )


def _break(raw: Any, path: str) -> Break:
    d = _mapping(raw, path)
    _no_unknown_fields(d, {"window", "duration_s"}, path)
    window = _window(_required(d, "window", path), f"{path}.window")
    duration_s = _int(_required(d, "duration_s", path), f"{path}.duration_s", minimum=0)
    if duration_s > window.end_s - window.start_s:
        raise ProblemError(f"{path}.duration_s", "break is longer than its window")
    return Break(window=window, duration_s=duration_s)


def _visit(raw: Any, path: str, size: int | None, rep_ids: set[str]) -> Visit:
    d = _mapping(raw, path)
    _no_unknown_fields(d, _VISIT_FIELDS, path)
    visit_id = _id(_required(d, "id", path), f"{path}.id")
    location, location_index = _place(d, "location", "location_index", path, size, required=True)
    service_s = _int(_required(d, "service_s", path), f"{path}.service_s", minimum=0)
    windows_raw = _sequence(d.get("time_windows", []), f"{path}.time_windows")
    windows = tuple(_window(w, f"{path}.time_windows[{i}]") for i, w in enumerate(windows_raw))
    priority = _int(d.get("priority", 50), f"{path}.priority", minimum=0)
    if priority > MAX_PRIORITY:
        raise ProblemError(f"{path}.priority", f"must be between 0 and {MAX_PRIORITY}")
    required = d.get("required", False)
    if not isinstance(required, bool):
        raise ProblemError(f"{path}.required", "must be true or false")
    demand = _int(d.get("demand", 0), f"{path}.demand", minimum=0)
    skills = _strings(d.get("skills", []), f"{path}.skills")
    reps: tuple[str, ...] | None = None
    if d.get("reps") is not None:
        reps = _strings(d["reps"], f"{path}.reps")
        for i, rep_id in enumerate(reps):
            if rep_id not in rep_ids:
                raise ProblemError(f"{path}.reps[{i}]", f"unknown rep id {rep_id!r}")
    pinned = _pinned(d["pinned"], f"{path}.pinned", rep_ids, reps) if d.get("pinned") is not None else None
    return Visit(
        id=visit_id,
        location=location,
        location_index=location_index,
        service_s=service_s,
        time_windows=windows,
        priority=priority,
        required=required,
        demand=demand,
        skills=skills,
        reps=reps,
        pinned=pinned,
    )


def _pinned(raw: Any, path: str, rep_ids: set[str], allowed: tuple[str, ...] | None) -> Pinned:
    d = _mapping(raw, path)
    _no_unknown_fields(d, {"rep", "start_s"}, path)
    rep_id = _id(_required(d, "rep", path), f"{path}.rep")
    if rep_id not in rep_ids:
        raise ProblemError(f"{path}.rep", f"unknown rep id {rep_id!r}")
    if allowed is not None and rep_id not in allowed:
        raise ProblemError(f"{path}.rep", f"rep {rep_id!r} is not among the visit's allowed reps")
    start_s = _optional_int(d, "start_s", path, minimum=0, maximum=DAY_LIMIT_S)
    return Pinned(rep=rep_id, start_s=start_s)


def _place(
    d: Mapping[str, Any], key: str, index_key: str, path: str, size: int | None, *, required: bool
) -> tuple[Location | None, int | None]:
    location = _location(d[key], f"{path}.{key}") if d.get(key) is not None else None
    index: int | None = None
    if d.get(index_key) is not None:
        index = _int(d[index_key], f"{path}.{index_key}", minimum=0)
        if size is None:
            raise ProblemError(f"{path}.{index_key}", "an index needs a problem matrix")
        if index >= size:
            raise ProblemError(f"{path}.{index_key}", f"unknown index {index}: the matrix has {size} rows")
    elif size is not None and (location is not None or required):
        raise ProblemError(f"{path}.{index_key}", "required when the problem has a matrix")
    if required and location is None and index is None:
        raise ProblemError(f"{path}.{key}", f"either {key} or {index_key} is required")
    return location, index


def _location(raw: Any, path: str) -> Location:
    d = _mapping(raw, path)
    _no_unknown_fields(d, {"lat", "lon"}, path)
    lat = _number(_required(d, "lat", path), f"{path}.lat")
    lon = _number(_required(d, "lon", path), f"{path}.lon")
    if not -90.0 <= lat <= 90.0:
        raise ProblemError(f"{path}.lat", "latitude must be between -90 and 90")
    if not -180.0 <= lon <= 180.0:
        raise ProblemError(f"{path}.lon", "longitude must be between -180 and 180")
    return Location(lat=lat, lon=lon)


def _window(raw: Any, path: str) -> TimeWindow:
    pair = _sequence(raw, path)
    if len(pair) != 2:
        raise ProblemError(path, "must be [start_s, end_s]")
    start_s = _int(pair[0], f"{path}[0]", minimum=0, maximum=DAY_LIMIT_S)
    end_s = _int(pair[1], f"{path}[1]", minimum=0, maximum=DAY_LIMIT_S)
    if end_s < start_s:
        raise ProblemError(path, f"window ends ({end_s}) before it starts ({start_s})")
    return TimeWindow(start_s=start_s, end_s=end_s)


def _matrix(raw: Any, path: str) -> Matrix:
    d = _mapping(raw, path)
    _no_unknown_fields(d, {"durations", "distances"}, path)
    durations = _square(_required(d, "durations", path), f"{path}.durations")
    distances = _square(_required(d, "distances", path), f"{path}.distances")
    if len(durations) != len(distances):
        raise ProblemError(f"{path}.distances", "must have the same size as durations")
    return Matrix(durations=durations, distances=distances)


def _square(raw: Any, path: str) -> list[list[float | None]]:
    rows = _sequence(raw, path)
    size = len(rows)
    if size == 0:
        raise ProblemError(path, "must not be empty")
    out: list[list[float | None]] = []
    for i, row_raw in enumerate(rows):
        row = _sequence(row_raw, f"{path}[{i}]")
        if len(row) != size:
            raise ProblemError(f"{path}[{i}]", f"matrix not square: row has {len(row)} values, expected {size}")
        out_row: list[float | None] = []
        for j, value in enumerate(row):
            if value is None:
                out_row.append(None)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ProblemError(f"{path}[{i}][{j}]", "must be a number or null")
            number = float(value)
            if math.isnan(number):
                raise ProblemError(f"{path}[{i}][{j}]", "NaN is not a travel value")
            if number < 0:
                raise ProblemError(f"{path}[{i}][{j}]", "must not be negative")
            out_row.append(number)
        out.append(out_row)
    return out


def _options(raw: Any, path: str) -> tuple[float | None, int | None]:
    if raw is None:
        return None, None
    d = _mapping(raw, path)
    _no_unknown_fields(d, {"time_limit_s", "seed"}, path)
    time_limit_s = None
    if d.get("time_limit_s") is not None:
        time_limit_s = _number(d["time_limit_s"], f"{path}.time_limit_s")
        if time_limit_s <= 0:
            raise ProblemError(f"{path}.time_limit_s", "must be positive")
    seed = _optional_int(d, "seed", path, minimum=0)
    return time_limit_s, seed


# -- primitive checks -------------------------------------------------------------------------


def _required(d: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in d or d[key] is None:
        raise ProblemError(f"{path}.{key}" if path else key, "is required")
    return d[key]


def _no_unknown_fields(d: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in d:
        if key not in allowed:
            raise ProblemError(f"{path}.{key}" if path else str(key), "unknown field")


def _mapping(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ProblemError(path, "must be an object")
    return raw


def _sequence(raw: Any, path: str) -> Sequence[Any]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ProblemError(path, "must be a list")
    return raw


def _id(raw: Any, path: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int) or raw == "":
        raise ProblemError(path, "must be a non-empty string or an integer")
    return str(raw)


def _unique_ids(ids: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            raise ProblemError(f"{path}[{i}].id", f"duplicate id {item_id!r}")
        seen.add(item_id)


def _strings(raw: Any, path: str) -> tuple[str, ...]:
    items = _sequence(raw, path)
    for i, item in enumerate(items):
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ProblemError(f"{path}[{i}]", "must be a string")
    return tuple(str(item) for item in items)


def _number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ProblemError(path, "must be a number")
    if not math.isfinite(raw):
        raise ProblemError(path, "must be finite")
    return float(raw)


def _int(raw: Any, path: str, *, minimum: int, maximum: int | None = None) -> int:
    number = _number(raw, path)
    if not number.is_integer():
        raise ProblemError(path, "must be a whole number")
    value = int(number)
    if value < minimum:
        raise ProblemError(path, f"must be at least {minimum}" if minimum else "must not be negative")
    if maximum is not None and value > maximum:
        raise ProblemError(path, f"must be at most {maximum}")
    return value


def _optional_int(d: Mapping[str, Any], key: str, path: str, *, minimum: int, maximum: int | None = None) -> int | None:
    if d.get(key) is None:
        return None
    return _int(d[key], f"{path}.{key}", minimum=minimum, maximum=maximum)
