"""Catalogue structs: requests (unknown fields refused) and what the API answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Channel = Literal["horeca", "retail", "other"]
AccountClass = Literal["A", "B", "C"]
Unit = Literal["bottle", "can", "piece", "case", "keg", "litre", "kg"]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Brand(msgspec.Struct, frozen=True):
    id: int
    name: str
    is_own: bool


class Category(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    path: str
    parent_id: int | None
    root_id: int | None


class Product(msgspec.Struct, frozen=True):
    id: int
    sku: str
    name: str
    brand: str
    brand_is_own: bool
    category_path: str
    root_category: str
    unit: str
    pack_size: int
    ean: str | None
    volume_l: float | None
    is_alcohol: bool
    is_active: bool


class ProductRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Create or update by SKU. `category` is a path from the root (``Wine/Red``); a new brand or
    category is created (a brand with `brand_is_own`)."""

    sku: Sku
    name: Name
    brand: Name
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    unit: Unit
    brand_is_own: bool = True
    pack_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    ean: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{8,14}$")] | None = None
    volume_l: Annotated[float, msgspec.Meta(gt=0, le=1000)] | None = None
    is_alcohol: bool = False
    is_active: bool = True


class ProductList(msgspec.Struct, frozen=True):
    items: list[Product]


class PriceItemRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Sku
    price: Annotated[float, msgspec.Meta(gt=0, le=1_000_000)]


class PriceListRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A channel's list (`channel`) or one account's (`account_id`), valid on [valid_from, valid_to]."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Name
    valid_from: dt.date
    items: Annotated[list[PriceItemRequest], msgspec.Meta(max_length=20_000)]
    channel: Channel | None = None
    account_id: Annotated[int, msgspec.Meta(ge=1)] | None = None
    valid_to: dt.date | None = None
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "EUR"


class PriceItem(msgspec.Struct, frozen=True):
    sku: str
    product_id: int
    price: float


class PriceList(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    channel: str | None
    account_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    currency: str
    items: list[PriceItem] = []


class PriceListSummary(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    channel: str | None
    account_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    currency: str
    item_count: int


class PriceListList(msgspec.Struct, frozen=True):
    items: list[PriceListSummary]


class MustStockRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Replaces the must-stock list of one channel and class."""

    channel: Channel
    account_class: AccountClass
    skus: Annotated[list[Sku], msgspec.Meta(max_length=5000)]


class MustStockEntry(msgspec.Struct, frozen=True):
    channel: str
    account_class: str
    sku: str
    product_id: int


class MustStockList(msgspec.Struct, frozen=True):
    items: list[MustStockEntry]


class ImportProblem(msgspec.Struct, frozen=True):
    row_number: int
    field: str
    reason: str


class CatalogueImportReport(msgspec.Struct, frozen=True):
    """Row-level: rows read, stored, rejected (each with its row number, column and reason)."""

    file_name: str
    kind: str
    rows_read: int
    rows_stored: int
    rejected: list[ImportProblem]
    dry_run: bool = False


class BundlePrice(msgspec.Struct, frozen=True):
    price_list_id: int
    product_id: int
    price: float


class CatalogueBundle(msgspec.Struct, frozen=True):
    """What a rep's phone keeps offline: the active catalogue and the price lists that apply to the
    rep's accounts (their channels' and their own), valid today or later."""

    brands: list[Brand]
    categories: list[Category]
    products: list[Product]
    price_lists: list[PriceListSummary]
    prices: list[BundlePrice]
    must_stock: list[MustStockEntry]
