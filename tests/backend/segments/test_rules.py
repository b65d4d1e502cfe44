"""The segment rules, pure: what is refused (naming the part), what a condition means, the bands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.errors import InvalidInput
from backend.segments.repository import Facts, compile_rules
from backend.segments.rules import Condition, TurnoverBands, check_rules, codes_named, turnover_band

HORECA = {"field": "channel", "op": "eq", "value": "horeca"}


def refused(rules: Any) -> str | None:
    with pytest.raises(InvalidInput) as caught:
        check_rules(rules)
    return caught.value.field


def test_an_unknown_field_a_bad_op_or_a_wrong_value_type_is_refused_naming_it() -> None:
    assert refused([HORECA, HORECA, {"field": "colour", "op": "eq", "value": "red"}]) == "rules[2].field"
    assert refused([{"field": "channel", "op": "gt", "value": "horeca"}]) == "rules[0].op"
    assert refused([{"field": "category_bought", "op": "ne", "value": "wine"}]) == "rules[0].op"
    assert refused([HORECA, {"field": "last_order_age_days", "op": "gt", "value": 1.5}]) == "rules[1].value"
    assert refused([{"field": "last_order_age_days", "op": "gt", "value": -1}]) == "rules[0].value"
    assert refused([{"field": "territory_id", "op": "eq", "value": "3"}]) == "rules[0].value"
    assert refused([{"field": "account_class", "op": "in", "value": ["A", "E"]}]) == "rules[0].value[1]"
    assert refused([{"field": "city", "op": "eq", "value": ""}]) == "rules[0].value"
    assert refused([{"field": "deal_stage", "op": "eq", "value": ":won"}]) == "rules[0].value"
    assert refused([{"any_of": [HORECA, {"field": "channel"}]}]) == "rules[0].any_of[1].op"
    assert refused([{"any_of": [HORECA], "field": "channel"}]) == "rules[0].field"
    assert refused([HORECA] * 21) == "rules"
    assert refused({"field": "channel"}) == "rules"
    assert refused(["channel"]) == "rules[0]"


def test_conditions_mean_what_the_docs_say() -> None:
    clauses, stored = check_rules(
        [
            {"field": "channel", "op": "ne", "value": "HoReCa"},
            {"field": "account_class", "op": "in", "value": ["a", "A", "b"]},
            {"field": "category_not_bought", "op": "eq", "value": "Wine/Red"},
            {
                "any_of": [
                    {"field": "last_order_age_days", "op": "gt", "value": 30},
                    {"field": "last_order_age_days", "op": "lt", "value": 7},
                    {"field": "last_order_age_days", "op": "between", "value": [10, 20]},
                    {"field": "last_order_age_days", "op": "never"},
                ]
            },
        ]
    )
    assert clauses[0] == (Condition(field="channel", path="rules[0]", values=("horeca",), negate=True),)
    assert clauses[1][0].values == ("A", "B")
    assert clauses[2][0].within_days == 365 and clauses[2][0].values == ("wine/red",)
    ages = [(c.low, c.high, c.never) for c in clauses[3]]
    assert ages == [(31, None, False), (None, 6, False), (10, 20, False), (None, None, True)]
    # The stored form is what was sent, checked, with the category window filled in.
    assert stored[2] == {"field": "category_not_bought", "op": "eq", "value": "wine/red", "within_days": 365}
    assert stored[3]["any_of"][3] == {"field": "last_order_age_days", "op": "never"}
    assert codes_named(clauses, frozenset({"category_not_bought"})) == [("rules[2].value", "wine/red")]


def test_rules_compile_to_fixed_queries_with_every_value_a_parameter() -> None:
    clauses, _ = check_rules(
        [
            {"field": "city", "op": "eq", "value": "x'); drop table accounts; --"},
            {"any_of": [HORECA, {"field": "turnover_band", "op": "eq", "value": "a"}]},
        ]
    )
    facts = Facts(today=dt.date(2026, 12, 4), fact_statuses=["submitted"], bands=TurnoverBands(a=3, b=2, c=1))
    sql, parameters = compile_rules(clauses, facts, first_parameter=3)
    assert "drop table" not in sql
    assert parameters[0] == ["x'); drop table accounts; --"]
    assert sql.count(" or ") == 1 and sql.count(") and (") == 1
    # Parameters numbered on from 3, one after the other: city (2), channel (2), band (8).
    assert "$3::text[]" in sql and "$5::text[]" in sql and "$7::text[]" in sql and "$14::numeric" in sql
    assert len(parameters) == 12


@pytest.mark.parametrize(
    ("amount", "band"), [(0.0, "D"), (49.99, "D"), (50.0, "C"), (299.99, "C"), (300.0, "B"), (1000.0, "A")]
)
def test_turnover_bands_include_their_lower_bound(amount: float, band: str) -> None:
    assert turnover_band(amount, TurnoverBands(a=1000, b=300, c=50)) == band
