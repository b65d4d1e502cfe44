"""Checklist templates, answer validation and the "perfect store" score.

A template is a list of items. Item types: ``yes_no``, ``number`` (with bounds), ``count`` (integer,
e.g. facings per SKU), ``price``, ``single_choice``, ``multiple_choice``, ``text``, ``photo`` (with a
minimum count), ``share_of_shelf`` (percent) and ``menu_listing`` (HoReCa: listed on the menu or
wine list, yes/no). An item may be required, and may be shown only when another (earlier) item has
a given answer (``show_if``).

Photo answers list the client ids of the photos taken for the item: the photos themselves may
reach the server before or after the checklist (offline sync), so the count is checked on the ids.

Score (documented rule, stored per visit): each visible item with a ``scoring`` rule earns a value
in [0, 1]:

- ``must_stock`` (must-stock-list presence; yes_no, menu_listing or count items): 1 when yes /
  listed / count > 0, else 0;
- ``share_of_shelf`` (share_of_shelf items): min(1, share / target);
- ``price`` (price items): 1 when the price is within ``tolerance_pct`` of the target price, else 0;
- ``promo`` (promo material present; yes_no items): 1 when yes, else 0.

Items bound to the catalogue (``sku`` or ``brand``): a ``yes_no`` item with a ``sku`` is presence on
the shelf (no = out of stock), ``count`` with a ``sku`` is facings, ``price`` with a ``sku`` the shelf
price, ``share_of_shelf`` with a ``brand`` that brand's share, ``menu_listing`` with a ``sku`` or
``brand`` a listing on the wine list or menu. Other item types refer to neither.

An unanswered (optional) scored item earns 0; an item hidden by ``show_if`` is left out. The visit
score is ``100 * sum(weight * earned) / sum(weight)`` over the scored visible items, rounded to one
decimal, and None when the template scores nothing.
"""

from __future__ import annotations

import math
import uuid
from enum import StrEnum

import msgspec

Scalar = bool | int | float | str


class ItemType(StrEnum):
    YES_NO = "yes_no"
    NUMBER = "number"
    COUNT = "count"
    PRICE = "price"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"
    PHOTO = "photo"
    SHARE_OF_SHELF = "share_of_shelf"
    MENU_LISTING = "menu_listing"


class ScoreKind(StrEnum):
    MUST_STOCK = "must_stock"
    SHARE_OF_SHELF = "share_of_shelf"
    PRICE = "price"
    PROMO = "promo"


_SCORABLE: dict[ScoreKind, frozenset[ItemType]] = {
    ScoreKind.MUST_STOCK: frozenset({ItemType.YES_NO, ItemType.MENU_LISTING, ItemType.COUNT}),
    ScoreKind.SHARE_OF_SHELF: frozenset({ItemType.SHARE_OF_SHELF}),
    ScoreKind.PRICE: frozenset({ItemType.PRICE}),
    ScoreKind.PROMO: frozenset({ItemType.YES_NO}),
}
_CHOICES = frozenset({ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE})
_BOUNDED = frozenset({ItemType.NUMBER, ItemType.COUNT, ItemType.PRICE})


class ShowIf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Show the item only when item `item` was answered `equals` (for multiple choice: contains it)."""

    item: str
    equals: Scalar


class Scoring(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: ScoreKind
    weight: float = 1.0
    target: float | None = None  # share_of_shelf: target percent; price: target price
    tolerance_pct: float = 5.0  # price: allowed deviation from the target, percent


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    key: str
    label: str
    type: ItemType
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: list[str] = []
    min_photos: int = 1
    max_length: int = 2000
    show_if: ShowIf | None = None
    scoring: Scoring | None = None
    # Catalogue binding (see "Items bound to the catalogue" above): the SKU or the brand the item is about.
    sku: str | None = None
    brand: str | None = None


class Answer(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    item: str
    value: Scalar | list[str] | None = None
    photo_ids: list[uuid.UUID] = []


class ItemError(msgspec.Struct, frozen=True):
    """A problem with one item: `item` is the item key (or `items[i]` for a template item without one)."""

    item: str
    message: str


class ScorePart(msgspec.Struct, frozen=True):
    item: str
    kind: ScoreKind
    weight: float
    earned: float


class ScoreResult(msgspec.Struct, frozen=True):
    score_pct: float | None
    parts: list[ScorePart]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def template_problems(items: list[Item]) -> list[ItemError]:
    """What is wrong with a template (admin input): each problem names its item."""
    problems: list[ItemError] = []
    if not items:
        return [ItemError("items", "a template needs at least one item")]
    seen: dict[str, Item] = {}
    for position, item in enumerate(items):
        name = item.key if item.key.strip() else f"items[{position}]"

        def bad(message: str, name: str = name) -> None:
            problems.append(ItemError(name, message))

        if not item.key.strip() or len(item.key) > 100:
            bad("key must be 1-100 characters")
        if item.key in seen:
            bad("key is used by two items")
        if not item.label.strip():
            bad("label must not be empty")
        if item.type in _CHOICES and (not item.choices or len(set(item.choices)) != len(item.choices)):
            bad("choice items need a non-empty list of distinct choices")
        if item.min is not None and item.max is not None and item.min > item.max:
            bad("min must not exceed max")
        if (item.min is not None or item.max is not None) and item.type not in _BOUNDED:
            bad("min and max apply to number, count and price items only")
        if item.type == ItemType.PHOTO and not 1 <= item.min_photos <= 20:
            bad("min_photos must be 1-20")
        if item.show_if is not None:
            source = seen.get(item.show_if.item)
            if source is None:
                bad(f"show_if refers to {item.show_if.item!r}, which is not an earlier item")
            elif source.type in _CHOICES and item.show_if.equals not in source.choices:
                bad(f"show_if value {item.show_if.equals!r} is not a choice of {source.key!r}")
        if item.scoring is not None:
            rule = item.scoring
            if item.type not in _SCORABLE[rule.kind]:
                allowed = ", ".join(sorted(t.value for t in _SCORABLE[rule.kind]))
                bad(f"scoring kind {rule.kind.value} applies to {allowed} items")
            if not (math.isfinite(rule.weight) and rule.weight > 0):
                bad("scoring weight must be a positive number")
            if rule.kind in (ScoreKind.SHARE_OF_SHELF, ScoreKind.PRICE) and (
                rule.target is None or not math.isfinite(rule.target) or rule.target <= 0
            ):
                bad(f"scoring kind {rule.kind.value} needs a positive target")
            if not (math.isfinite(rule.tolerance_pct) and 0 <= rule.tolerance_pct <= 100):
                bad("tolerance_pct must be within 0-100")
        catalogue_problem = _catalogue_binding_problem(item)
        if catalogue_problem is not None:
            bad(catalogue_problem)
        seen.setdefault(item.key, item)
    return problems


# What an item bound to the catalogue measures, by its type (the shelf report reads these).
CATALOGUE_MEASURES: dict[ItemType, str] = {
    ItemType.YES_NO: "presence",  # yes = on the shelf, no = out of stock
    ItemType.COUNT: "facings",
    ItemType.PRICE: "shelf_price",
    ItemType.SHARE_OF_SHELF: "share_of_shelf",
    ItemType.MENU_LISTING: "menu_listing",
}


def _catalogue_binding_problem(item: Item) -> str | None:
    if item.sku is None and item.brand is None:
        return None
    if item.sku is not None and item.brand is not None:
        return "an item refers to a sku or to a brand, not both"
    if item.type not in CATALOGUE_MEASURES:
        allowed = ", ".join(sorted(kind.value for kind in CATALOGUE_MEASURES))
        return f"only {allowed} items may refer to a sku or a brand"
    if item.type == ItemType.SHARE_OF_SHELF and item.brand is None:
        return "share_of_shelf items refer to a brand"
    if item.type in (ItemType.YES_NO, ItemType.COUNT, ItemType.PRICE) and item.sku is None:
        return f"{item.type.value} items bound to the catalogue refer to a sku"
    if not (item.sku or item.brand or "").strip():
        return "sku and brand must not be empty"
    return None


def _matches(answer: Answer | None, expected: Scalar) -> bool:
    if answer is None or answer.value is None:
        return False
    if isinstance(answer.value, list):
        return expected in answer.value
    if isinstance(expected, bool) or isinstance(answer.value, bool):
        return answer.value is expected
    return answer.value == expected


def visible_items(items: list[Item], answers: dict[str, Answer]) -> set[str]:
    """Keys of the items shown for these answers (show_if refers to earlier items, in order)."""
    visible: set[str] = set()
    for item in items:
        rule = item.show_if
        if rule is None or (rule.item in visible and _matches(answers.get(rule.item), rule.equals)):
            visible.add(item.key)
    return visible


def _is_empty(item: Item, answer: Answer | None) -> bool:
    if answer is None:
        return True
    if item.type == ItemType.PHOTO:
        return not answer.photo_ids
    value = answer.value
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _value_problem(item: Item, answer: Answer) -> str | None:
    value = answer.value
    if item.type != ItemType.PHOTO and answer.photo_ids:
        return "photo_ids belong to photo items only"
    if item.type in (ItemType.YES_NO, ItemType.MENU_LISTING):
        return None if isinstance(value, bool) else "must be true or false"
    if item.type in _BOUNDED or item.type == ItemType.SHARE_OF_SHELF:
        if not _is_number(value):
            return "must be a number"
        assert isinstance(value, int | float)
        number = float(value)
        if item.type == ItemType.COUNT and (not isinstance(value, int) or value < 0):
            return "must be a whole number of 0 or more"
        if item.type == ItemType.PRICE and number < 0:
            return "a price must not be negative"
        if item.type == ItemType.SHARE_OF_SHELF and not 0 <= number <= 100:
            return "a share of shelf must be within 0-100 %"
        if item.min is not None and number < item.min:
            return f"must be at least {item.min:g}"
        if item.max is not None and number > item.max:
            return f"must be at most {item.max:g}"
        return None
    if item.type == ItemType.SINGLE_CHOICE:
        return None if isinstance(value, str) and value in item.choices else f"must be one of {item.choices}"
    if item.type == ItemType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or any(choice not in item.choices for choice in value):
            return f"must be a list of choices from {item.choices}"
        return None if len(set(value)) == len(value) else "a choice is listed twice"
    if item.type == ItemType.TEXT:
        if not isinstance(value, str):
            return "must be text"
        return None if len(value) <= item.max_length else f"must be at most {item.max_length} characters"
    # photo
    if value is not None:
        return "a photo item is answered with photo_ids, not a value"
    if len(set(answer.photo_ids)) != len(answer.photo_ids):
        return "a photo id is listed twice"
    if len(answer.photo_ids) < item.min_photos:
        return f"needs at least {item.min_photos} photo(s), got {len(answer.photo_ids)}"
    return None


def validate_answers(items: list[Item], answers: list[Answer]) -> list[ItemError]:
    """Every problem with a set of answers, one entry per bad item, in template order."""
    by_key = {item.key: item for item in items}
    problems: list[ItemError] = []
    answered: dict[str, Answer] = {}
    for given in answers:
        if given.item not in by_key:
            problems.append(ItemError(given.item, "no such item in this template version"))
        elif given.item in answered:
            problems.append(ItemError(given.item, "answered twice"))
        else:
            answered[given.item] = given
    visible = visible_items(items, answered)
    for item in items:
        answer = answered.get(item.key)
        if item.key not in visible:
            if answer is not None and not _is_empty(item, answer):
                rule = item.show_if
                assert rule is not None
                problems.append(
                    ItemError(item.key, f"answered but hidden: shown only when {rule.item} is {rule.equals!r}")
                )
            continue
        if _is_empty(item, answer):
            if item.required:
                what = f"at least {item.min_photos} photo(s)" if item.type == ItemType.PHOTO else "an answer"
                problems.append(ItemError(item.key, f"required: needs {what}"))
            continue
        assert answer is not None
        problem = _value_problem(item, answer)
        if problem is not None:
            problems.append(ItemError(item.key, problem))
    return problems


def _earned(item: Item, rule: Scoring, answer: Answer | None) -> float:
    value = None if answer is None else answer.value
    if rule.kind in (ScoreKind.MUST_STOCK, ScoreKind.PROMO):
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        return 1.0 if _is_number(value) and isinstance(value, int | float) and value > 0 else 0.0
    if not _is_number(value) or rule.target is None:
        return 0.0
    assert isinstance(value, int | float)
    if rule.kind == ScoreKind.SHARE_OF_SHELF:
        return max(0.0, min(1.0, float(value) / rule.target))
    return 1.0 if abs(float(value) - rule.target) <= rule.target * rule.tolerance_pct / 100 + 1e-9 else 0.0


def score(items: list[Item], answers: list[Answer]) -> ScoreResult:
    """The weighted "perfect store" score of valid answers (see the module docstring)."""
    answered = {answer.item: answer for answer in answers}
    visible = visible_items(items, answered)
    parts = [
        ScorePart(item.key, item.scoring.kind, item.scoring.weight, _earned(item, item.scoring, answered.get(item.key)))
        for item in items
        if item.scoring is not None and item.key in visible
    ]
    total = sum(part.weight for part in parts)
    if total <= 0:
        return ScoreResult(None, parts)
    return ScoreResult(round(100 * sum(part.weight * part.earned for part in parts) / total, 1), parts)
