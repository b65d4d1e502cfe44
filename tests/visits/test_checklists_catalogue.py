"""Checklist items bound to the catalogue: which item types may refer to a SKU or a brand."""

from __future__ import annotations

import msgspec

from visits.checklists import Item, template_problems


def _item(**fields: object) -> Item:
    return msgspec.convert({"key": "k", "label": "L", **fields}, Item)


def test_items_bound_to_the_catalogue() -> None:
    ok = [
        _item(type="yes_no", sku="W-RED"),
        _item(type="count", sku="W-RED"),
        _item(type="price", sku="W-RED"),
        _item(type="share_of_shelf", brand="Castello"),
        _item(type="menu_listing", brand="Rival"),
        _item(type="menu_listing", sku="W-RED"),
    ]
    for item in ok:
        assert template_problems([item]) == [], item
    bad = [
        _item(type="yes_no", sku="W-RED", brand="Castello"),
        _item(type="text", sku="W-RED"),
        _item(type="share_of_shelf", sku="W-RED"),
        _item(type="count", brand="Castello"),
        _item(type="yes_no", sku=" "),
    ]
    for item in bad:
        assert len(template_problems([item])) == 1, item
