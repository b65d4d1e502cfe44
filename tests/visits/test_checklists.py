"""Checklist templates, answer validation and the perfect-store score (pure)."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from visits.checklists import Answer, Item, ItemError, score, template_problems, validate_answers

TEMPLATE = msgspec.convert(
    [
        {
            "key": "brand_a_listed",
            "label": "Brand A on shelf",
            "type": "yes_no",
            "required": True,
            "scoring": {"kind": "must_stock", "weight": 2},
        },
        {
            "key": "brand_a_facings",
            "label": "Brand A facings",
            "type": "count",
            "min": 0,
            "max": 50,
            "show_if": {"item": "brand_a_listed", "equals": True},
        },
        {
            "key": "share",
            "label": "Share of shelf",
            "type": "share_of_shelf",
            "scoring": {"kind": "share_of_shelf", "weight": 1, "target": 40},
        },
        {
            "key": "price_a",
            "label": "Price of A",
            "type": "price",
            "scoring": {"kind": "price", "weight": 1, "target": 2.49, "tolerance_pct": 5},
        },
        {"key": "promo", "label": "Promo material up", "type": "yes_no", "scoring": {"kind": "promo", "weight": 1}},
        {"key": "wine_list", "label": "On the wine list", "type": "menu_listing"},
        {"key": "placement", "label": "Placement", "type": "single_choice", "choices": ["eye", "low", "top"]},
        {"key": "competitors", "label": "Competitors", "type": "multiple_choice", "choices": ["x", "y", "z"]},
        {"key": "note", "label": "Note", "type": "text", "max_length": 20},
        {"key": "temperature", "label": "Fridge °C", "type": "number", "min": -5, "max": 12},
        {"key": "shelf_photo", "label": "Shelf photo", "type": "photo", "required": True, "min_photos": 2},
    ],
    list[Item],
)
PHOTOS = [uuid.uuid4(), uuid.uuid4()]


def answers(**values: object) -> list[Answer]:
    given: dict[str, object] = {"brand_a_listed": True, "shelf_photo": PHOTOS}
    given.update(values)
    out = []
    for key, value in given.items():
        if value is None:
            continue
        if key == "shelf_photo":
            out.append(Answer(item=key, photo_ids=list(value)))  # type: ignore[call-overload]
        else:
            out.append(Answer(item=key, value=value))  # type: ignore[arg-type]
    return out


def test_the_template_is_valid() -> None:
    assert template_problems(TEMPLATE) == []


def test_template_problems_name_each_item() -> None:
    bad = msgspec.convert(
        [
            {"key": "a", "label": "A", "type": "single_choice"},
            {"key": "a", "label": "A again", "type": "yes_no"},
            {"key": "n", "label": "N", "type": "number", "min": 5, "max": 1},
            {"key": "s", "label": "S", "type": "text", "show_if": {"item": "later", "equals": True}},
            {"key": "p", "label": "P", "type": "price", "scoring": {"kind": "price"}},
            {"key": "t", "label": "T", "type": "text", "scoring": {"kind": "promo"}},
        ],
        list[Item],
    )
    problems = {problem.item for problem in template_problems(bad)}
    assert problems == {"a", "n", "s", "p", "t"}


def test_complete_valid_answers_pass() -> None:
    full = answers(
        brand_a_facings=4,
        share=35.5,
        price_a=2.5,
        promo=False,
        wine_list=True,
        placement="eye",
        competitors=["x", "z"],
        note="ok",
        temperature=4.5,
    )
    assert validate_answers(TEMPLATE, full) == []


def test_a_missing_required_photo_is_named() -> None:
    assert validate_answers(TEMPLATE, answers(shelf_photo=None)) == [
        ItemError("shelf_photo", "required: needs at least 2 photo(s)")
    ]
    one = validate_answers(TEMPLATE, answers(shelf_photo=PHOTOS[:1]))
    assert [problem.item for problem in one] == ["shelf_photo"]
    assert "at least 2" in one[0].message


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("brand_a_listed", "yes"),
        ("brand_a_facings", 2.5),
        ("brand_a_facings", -1),
        ("brand_a_facings", 51),
        ("share", 120),
        ("price_a", -1),
        ("promo", 1),
        ("placement", "middle"),
        ("competitors", ["x", "x"]),
        ("competitors", ["w"]),
        ("note", "x" * 21),
        ("temperature", 30),
        ("temperature", True),
    ],
)
def test_each_bad_value_is_named(item: str, value: object) -> None:
    assert [problem.item for problem in validate_answers(TEMPLATE, answers(**{item: value}))] == [item]


def test_every_bad_item_is_reported_at_once_and_unknown_items_too() -> None:
    bad = [*answers(brand_a_listed=None, share="lots", shelf_photo=None), Answer(item="ghost", value=1)]
    assert [problem.item for problem in validate_answers(TEMPLATE, bad)] == [
        "ghost",
        "brand_a_listed",
        "share",
        "shelf_photo",
    ]


def test_show_if_hides_items_and_refuses_answers_to_hidden_ones() -> None:
    assert validate_answers(TEMPLATE, answers(brand_a_listed=False)) == []
    hidden = validate_answers(TEMPLATE, answers(brand_a_listed=False, brand_a_facings=3))
    assert [problem.item for problem in hidden] == ["brand_a_facings"]
    assert "hidden" in hidden[0].message


def test_score_follows_the_documented_rule() -> None:
    # must_stock 2 x 1 + share 1 x (20/40) + price 1 x 1 (2.55 within 5 % of 2.49) + promo 1 x 0 = 3.5 / 5
    result = score(TEMPLATE, answers(share=20, price_a=2.55, promo=False))
    assert result.score_pct == 70.0
    assert {part.item: part.earned for part in result.parts} == {
        "brand_a_listed": 1.0,
        "share": 0.5,
        "price_a": 1.0,
        "promo": 0.0,
    }
    perfect = score(TEMPLATE, answers(share=55, price_a=2.49, promo=True))
    assert perfect.score_pct == 100.0
    nothing = score(TEMPLATE, answers(brand_a_listed=False, price_a=3.0))
    assert nothing.score_pct == 0.0
    unscored = msgspec.convert([{"key": "n", "label": "N", "type": "text"}], list[Item])
    assert score(unscored, []).score_pct is None
