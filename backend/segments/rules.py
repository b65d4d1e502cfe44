"""Segment rules, pure (no I/O): what a rule may say and what it means.

A segment's rules are a list of conditions, all of which must hold (AND). An item of the list may
instead be ``{"any_of": [condition, ...]}``: at least one of its conditions must hold (OR). A
condition is ``{"field": ..., "op": ..., "value": ...}`` (plus ``within_days`` for the category
fields). `check_rules` refuses anything else with the path of the bad part (``rules[2].field``,
``rules[0].any_of[1].value``), so nothing unknown reaches SQL; the repository compiles the checked
conditions from a whitelist of named queries, with every value a parameter.

Fields (exact definitions in docs/architecture.md ("Segments")):

- ``channel``, ``account_class``, ``status``: the account's own columns (one of the listed values).
- ``city``: the account's city, from its address (SQL ``account_city``), compared case-insensitively.
- ``territory_id``: the account's territory.
- ``category_bought`` / ``category_not_bought``: a product category (a catalogue code such as
  ``wine``, ``red``, or a path ``wine/red``; a category includes its sub-categories) in a fact order
  (FIELDSALES_SALES_FACT_FROM) at most ``within_days`` days old (default 365), i.e. taken on a day
  from today minus within_days to today.
- ``last_order_age_days``: today - the day of the account's last fact order; ``never``: no fact order
  at all. The comparisons (gt, gte, lt, lte, eq, between) never match an account that never ordered.
- ``turnover_band``: A, B, C or D by the sum of fact orders of the 365 days to today (today minus 364
  to today) against the thresholds of the settings (A >= FIELDSALES_SEGMENT_TURNOVER_BAND_A,
  B >= ..._B, C >= ..._C, else D).
- ``deal_stage``: an open deal of the account at this stage (``stage`` code, or ``pipeline:stage``).
- ``deal_pipeline``: an open deal of the account in this pipeline (code).

Operators: eq, ne, in, not_in for the value fields (``ne`` and ``not_in`` also match an account
without the value, e.g. without a territory or a city); eq, in for the category fields; gt, gte, lt,
lte, eq, between ([low, high], both included) and never for ``last_order_age_days``.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from backend.errors import InvalidInput

MAX_RULES: Final = 20
MAX_ALTERNATIVES: Final = 10
MAX_VALUES: Final = 100
DEFAULT_WITHIN_DAYS: Final = 365
MAX_WITHIN_DAYS: Final = 3650
TURNOVER_DAYS: Final = 365

CHOICES: Final[dict[str, frozenset[str]]] = {
    "channel": frozenset({"horeca", "retail", "other"}),
    "account_class": frozenset({"A", "B", "C"}),
    "status": frozenset({"potential", "active", "closed"}),
    "turnover_band": frozenset({"A", "B", "C", "D"}),
}
TEXT_FIELDS: Final = frozenset({"city", "deal_stage", "deal_pipeline"})
ID_FIELDS: Final = frozenset({"territory_id"})
CATEGORY_FIELDS: Final = frozenset({"category_bought", "category_not_bought"})
AGE_FIELD: Final = "last_order_age_days"
FIELDS: Final = tuple(sorted({*CHOICES, *TEXT_FIELDS, *ID_FIELDS, *CATEGORY_FIELDS, AGE_FIELD}))

SET_OPS: Final = ("eq", "ne", "in", "not_in")
CATEGORY_OPS: Final = ("eq", "in")
AGE_OPS: Final = ("gt", "gte", "lt", "lte", "eq", "between", "never")


class Condition(msgspec.Struct, frozen=True):
    """A checked condition. Set fields: `values` and `negate` (ne / not_in). Category fields:
    `values` and `within_days`. Age: `low`/`high` bounds in days, both included, or `never`."""

    field: str
    # where the condition is in the request (rules[2], rules[0].any_of[1]), for errors about its value
    path: str = "rules"
    values: tuple[str | int, ...] = ()
    negate: bool = False
    within_days: int | None = None
    low: int | None = None
    high: int | None = None
    never: bool = False


# One item of the AND list: its alternatives (one condition, or an any_of group).
Clause = tuple[Condition, ...]


def ops_of(field: str) -> tuple[str, ...]:
    if field in CATEGORY_FIELDS:
        return CATEGORY_OPS
    if field == AGE_FIELD:
        return AGE_OPS
    return SET_OPS


def _whole(value: object, minimum: int) -> int | None:
    """The value when it is a whole number (not a boolean) of at least `minimum`, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    return None


def _one_value(field: str, value: object, where: str) -> str | int:
    if field in ID_FIELDS:
        territory_id = _whole(value, 1)
        if territory_id is None:
            raise InvalidInput(f"{field} takes territory ids (integers of 1 or more)", field=where)
        return territory_id
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInput(f"{field} takes text values of 1 to 200 characters", field=where)
    text = value.strip()
    if field in CHOICES:
        canonical = text.upper() if field in {"account_class", "turnover_band"} else text.lower()
        if canonical not in CHOICES[field]:
            raise InvalidInput(f"{field} must be one of {', '.join(sorted(CHOICES[field]))}", field=where)
        return canonical
    if field == "city":
        return text.lower()
    if field in CATEGORY_FIELDS or field == "deal_pipeline":
        return text.lower()
    if field == "deal_stage":
        pipeline, _, stage = text.lower().rpartition(":")
        if not stage or (":" in text and not pipeline):
            raise InvalidInput("deal_stage takes a stage code or pipeline:stage", field=where)
        return text.lower()
    return text


def _values(field: str, op: str, value: object, where: str) -> tuple[str | int, ...]:
    if op in {"in", "not_in"}:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_VALUES:
            raise InvalidInput(f"{op} takes a list of 1 to {MAX_VALUES} values", field=where)
        return tuple(dict.fromkeys(_one_value(field, item, f"{where}[{i}]") for i, item in enumerate(value)))
    if isinstance(value, list | dict) or value is None:
        raise InvalidInput(f"{op} takes one value", field=where)
    return (_one_value(field, value, where),)


def _age(op: str, value: object, where: str) -> Condition:
    if op == "never":
        if value is not None:
            raise InvalidInput("never takes no value", field=where)
        return Condition(field=AGE_FIELD, never=True)
    if op == "between":
        pair = [_whole(v, 0) for v in value] if isinstance(value, list) and len(value) == 2 else [None]
        if None in pair:
            raise InvalidInput("between takes [low, high]: two whole numbers of days, 0 or more", field=where)
        low, high = pair
        assert low is not None and high is not None
        if low > high:
            raise InvalidInput("between takes [low, high] with low <= high", field=where)
        return Condition(field=AGE_FIELD, low=low, high=high)
    days = _whole(value, 0)
    if days is None:
        raise InvalidInput(f"{op} takes a whole number of days, 0 or more", field=where)
    bounds: dict[str, tuple[int | None, int | None]] = {
        "gt": (days + 1, None),
        "gte": (days, None),
        "lt": (None, days - 1),
        "lte": (None, days),
    }
    low, high = bounds.get(op, (days, days))
    return Condition(field=AGE_FIELD, low=low, high=high)


def check_condition(raw: Any, where: str) -> tuple[Condition, dict[str, Any]]:
    """The checked condition and its stored form (within_days filled in for the category fields)."""
    condition, stored = _check_condition(raw, where)
    return msgspec.structs.replace(condition, path=where), stored


def _check_condition(raw: Any, where: str) -> tuple[Condition, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise InvalidInput("a condition is an object {field, op, value}", field=where)
    unknown = sorted(set(raw) - {"field", "op", "value", "within_days"})
    if unknown:
        raise InvalidInput(f"unknown key {unknown[0]!r} in a condition", field=f"{where}.{unknown[0]}")
    field, op, value = raw.get("field"), raw.get("op"), raw.get("value")
    if field not in FIELDS:
        raise InvalidInput(f"field must be one of {', '.join(FIELDS)}", field=f"{where}.field")
    assert isinstance(field, str)
    ops = ops_of(field)
    if op not in ops:
        raise InvalidInput(f"op of {field} must be one of {', '.join(ops)}", field=f"{where}.op")
    assert isinstance(op, str)
    stored: dict[str, Any] = {"field": field, "op": op}
    within = raw.get("within_days")
    if field not in CATEGORY_FIELDS and within is not None:
        raise InvalidInput(
            "within_days applies to category_bought and category_not_bought only", field=f"{where}.within_days"
        )
    if field == AGE_FIELD:
        condition = _age(op, value, f"{where}.value")
        if op != "never":
            stored["value"] = value
        return condition, stored
    values = _values(field, op, value, f"{where}.value")
    stored["value"] = list(values) if op in {"in", "not_in"} else values[0]
    if field in CATEGORY_FIELDS:
        within = DEFAULT_WITHIN_DAYS if within is None else _whole(within, 1)
        if within is None or within > MAX_WITHIN_DAYS:
            raise InvalidInput(
                f"within_days must be a whole number from 1 to {MAX_WITHIN_DAYS}", field=f"{where}.within_days"
            )
        stored["within_days"] = within
        return Condition(field=field, values=values, within_days=within), stored
    return Condition(field=field, values=values, negate=op in {"ne", "not_in"}), stored


def check_rules(raw: Any, where: str = "rules") -> tuple[list[Clause], list[dict[str, Any]]]:
    """The checked rules (AND of clauses, each an OR of conditions) and their stored form."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RULES:
        raise InvalidInput(f"rules is a list of 1 to {MAX_RULES} conditions", field=where)
    clauses: list[Clause] = []
    stored: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if isinstance(item, dict) and "any_of" in item:
            if set(item) != {"any_of"}:
                extra = sorted(set(item) - {"any_of"})[0]
                raise InvalidInput("an any_of group holds nothing but any_of", field=f"{at}.{extra}")
            group = item["any_of"]
            if not isinstance(group, list) or not 1 <= len(group) <= MAX_ALTERNATIVES:
                raise InvalidInput(f"any_of is a list of 1 to {MAX_ALTERNATIVES} conditions", field=f"{at}.any_of")
            checked = [check_condition(c, f"{at}.any_of[{i}]") for i, c in enumerate(group)]
            clauses.append(tuple(condition for condition, _ in checked))
            stored.append({"any_of": [form for _, form in checked]})
        else:
            condition, form = check_condition(item, at)
            clauses.append((condition,))
            stored.append(form)
    return clauses, stored


def codes_named(clauses: list[Clause], fields: frozenset[str]) -> list[tuple[str, str | int]]:
    """(path of the value, value) of every value of the given fields, for checks against the catalogue
    and the pipelines; the path names the condition's value as `check_rules` does."""
    found: list[tuple[str, str | int]] = []
    for clause in clauses:
        for condition in clause:
            if condition.field not in fields:
                continue
            found.extend((f"{condition.path}.value", value) for value in condition.values)
    return found


class TurnoverBands(msgspec.Struct, frozen=True):
    """Lower bounds of 12-month turnover for bands A, B and C (below C: D)."""

    a: float
    b: float
    c: float


def turnover_band(amount: float, bands: TurnoverBands) -> str:
    """The band of a 12-month turnover (the SQL of the rule says the same; a test checks both agree)."""
    if amount >= bands.a:
        return "A"
    if amount >= bands.b:
        return "B"
    if amount >= bands.c:
        return "C"
    return "D"
