"""The catalogue: products, brands, the category tree, price lists, must-stock lists, file imports
and the rep's offline bundle.

Rules (pure ones in `backend.catalogue.rules`):

- Admins write, everyone reads; an account's own price list is read only by those who see the
  account (its territory in their scope), channel lists by everyone.
- A price list is written whole or not at all: an unknown SKU, a list code already taken, or a
  validity overlapping another list of the same channel or account is refused (422 / 409 naming
  the field) and nothing is stored.
- A file import stores its good rows and reports each rejected row with its number, column and reason
  (a formula in any cell rejects the row); ``dry_run`` checks without writing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import asyncpg

from backend.auth.principal import Principal
from backend.catalogue import files, repository
from backend.catalogue.rules import UNITS, category_codes, overlapping
from backend.catalogue.schemas import (
    CatalogueBundle,
    CatalogueImportReport,
    ImportProblem,
    MustStockList,
    MustStockRequest,
    PriceList,
    PriceListList,
    PriceListRequest,
    Product,
    ProductList,
    ProductRequest,
)
from backend.errors import Conflict, InvalidInput, NotFound
from visits.checklists import Item, ItemError

_Rows = list[tuple[int, dict[str, str | None]]]
_TRUE = {"1", "true", "yes", "y", "own", "x"}
_FALSE = {"0", "false", "no", "n", "competitor", ""}


async def save_product(conn: asyncpg.Connection, request: ProductRequest) -> Product:
    try:
        levels = category_codes(request.category)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="category") from exc
    brand_id = await repository.upsert_brand(conn, request.brand.strip(), request.brand_is_own)
    category_id = await repository.upsert_category_path(conn, levels)
    await repository.upsert_product(
        conn,
        sku=request.sku.strip(),
        name=request.name.strip(),
        brand_id=brand_id,
        category_id=category_id,
        unit=request.unit,
        pack_size=request.pack_size,
        ean=request.ean,
        volume_l=request.volume_l,
        is_alcohol=request.is_alcohol,
        is_active=request.is_active,
    )
    (product,) = await repository.products(conn, active_only=False, skus=[request.sku.strip()])
    return product


async def list_products(conn: asyncpg.Connection, *, active_only: bool) -> ProductList:
    return ProductList(items=await repository.products(conn, active_only=active_only))


async def create_price_list(conn: asyncpg.Connection, principal: Principal, request: PriceListRequest) -> PriceList:
    if (request.channel is None) == (request.account_id is None):
        raise InvalidInput("a price list is for a channel or for one account_id (exactly one)", field="channel")
    if request.valid_to is not None and request.valid_to < request.valid_from:
        raise InvalidInput("valid_to must not be before valid_from", field="valid_to")
    if request.account_id is not None and not await repository.account_in_scope(
        conn, principal.role.value, principal.user_id, request.account_id
    ):
        raise NotFound(f"account {request.account_id} not found", field="account_id")
    if await repository.price_list_by_code(conn, request.code) is not None:
        raise Conflict(f"price list code {request.code!r} is already taken", field="code")
    existing = await repository.lists_of_target(conn, request.channel, request.account_id)
    clashes = overlapping(request.valid_from, request.valid_to, existing)
    if clashes:
        raise Conflict(
            f"the validity overlaps price list(s) {', '.join(clashes)} of the same "
            f"{'channel' if request.channel else 'account'}; end the old list first",
            field="valid_from",
        )
    skus = [item.sku for item in request.items]
    known = await repository.products_by_sku(conn, skus)
    seen: set[str] = set()
    items: list[tuple[int, Decimal]] = []
    for index, item in enumerate(request.items):
        product = known.get(item.sku)
        if product is None:
            raise InvalidInput(f"unknown SKU {item.sku!r}", field=f"items[{index}].sku")
        if item.sku in seen:
            raise InvalidInput(f"SKU {item.sku!r} is listed twice", field=f"items[{index}].sku")
        seen.add(item.sku)
        items.append((product.id, Decimal(str(item.price)).quantize(Decimal("0.01"))))
    list_id = await repository.insert_price_list(
        conn,
        code=request.code,
        name=request.name,
        channel=request.channel,
        account_id=request.account_id,
        valid_from=request.valid_from,
        valid_to=request.valid_to,
        currency=request.currency,
        items=items,
    )
    return await get_price_list(conn, principal, list_id)


async def get_price_list(conn: asyncpg.Connection, principal: Principal, list_id: int) -> PriceList:
    found = await repository.price_list_visible(conn, principal.role.value, principal.user_id, list_id)
    if found is None:
        raise NotFound(f"price list {list_id} not found", field="price_list_id")
    return found


async def list_price_lists(conn: asyncpg.Connection, principal: Principal) -> PriceListList:
    return PriceListList(items=await repository.price_lists_in_scope(conn, principal.role.value, principal.user_id))


async def replace_must_stock(conn: asyncpg.Connection, request: MustStockRequest) -> MustStockList:
    known = await repository.products_by_sku(conn, request.skus)
    for index, sku in enumerate(request.skus):
        if sku not in known:
            raise InvalidInput(f"unknown SKU {sku!r}", field=f"skus[{index}]")
    await repository.replace_must_stock(
        conn, request.channel, request.account_class, sorted({item.id for item in known.values()})
    )
    return MustStockList(items=await repository.must_stock(conn, request.channel))


async def list_must_stock(conn: asyncpg.Connection, channel: str | None) -> MustStockList:
    return MustStockList(items=await repository.must_stock(conn, channel))


async def bundle(conn: asyncpg.Connection, principal: Principal, today: dt.date) -> CatalogueBundle:
    lists = await repository.bundle_price_lists(conn, principal.role.value, principal.user_id, today)
    return CatalogueBundle(
        brands=await repository.brands(conn),
        categories=await repository.categories(conn),
        products=await repository.products(conn, active_only=True),
        price_lists=lists,
        prices=await repository.bundle_prices(conn, [item.id for item in lists]),
        must_stock=await repository.must_stock(conn, None),
    )


async def unknown_references(conn: asyncpg.Connection, items: list[Item]) -> list[ItemError]:
    """Checklist items bound to the catalogue whose SKU or brand does not exist."""
    skus = sorted({item.sku for item in items if item.sku})
    brands = {brand.name for brand in await repository.brands(conn)} if any(item.brand for item in items) else set()
    known = await repository.products_by_sku(conn, skus) if skus else {}
    problems: list[ItemError] = []
    for item in items:
        if item.sku and item.sku not in known:
            problems.append(ItemError(item.key, f"sku {item.sku!r} is not in the catalogue"))
        if item.brand and item.brand not in brands:
            problems.append(ItemError(item.key, f"brand {item.brand!r} is not in the catalogue"))
    return problems


# --- file imports ---------------------------------------------------------------------------------


def _flag(text: str | None, default: bool) -> bool:
    if text is None:
        return default
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _decimal(text: str | None) -> Decimal:
    if text is None:
        raise ValueError("empty")
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise ValueError(text)
    return value


async def import_file(
    conn: asyncpg.Connection, data: bytes, file_name: str, kind: str, *, max_bytes: int, dry_run: bool = False
) -> CatalogueImportReport:
    name = PurePath(file_name).name
    rows_read, rows, formulas = files.read_rows(data, name, kind, max_bytes)
    rejected: list[ImportProblem] = []
    usable: list[tuple[int, dict[str, str | None]]] = []
    for row_number, cells in rows:
        if row_number in formulas:
            columns = ", ".join(formulas[row_number])
            rejected.append(
                ImportProblem(row_number, formulas[row_number][0], f"a formula in {columns}; formulas are not imported")
            )
            continue
        usable.append((row_number, cells))
    if kind == "products":
        stored = await _import_products(conn, usable, rejected, dry_run)
    elif kind == "prices":
        stored = await _import_prices(conn, usable, rejected, dry_run)
    else:
        stored = await _import_must_stock(conn, usable, rejected, dry_run)
    rejected.sort(key=lambda item: item.row_number)
    return CatalogueImportReport(
        file_name=name, kind=kind, rows_read=rows_read, rows_stored=stored, rejected=rejected, dry_run=dry_run
    )


async def _import_products(conn: asyncpg.Connection, rows: _Rows, rejected: list[ImportProblem], dry_run: bool) -> int:
    stored = 0
    for row_number, cells in rows:
        try:
            request = _product_row(cells)
        except _RowProblem as problem:
            rejected.append(ImportProblem(row_number, problem.field, problem.reason))
            continue
        if not dry_run:
            await save_product(conn, request)
        stored += 1
    return stored


class _RowProblem(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _product_row(cells: dict[str, str | None]) -> ProductRequest:
    for field in files.REQUIRED["products"]:
        if not cells.get(field):
            raise _RowProblem(field, f"{field} is empty")
    unit = (cells["unit"] or "").strip().lower()
    if unit not in UNITS:
        raise _RowProblem("unit", f"unit {unit!r} is not one of {', '.join(sorted(UNITS))}")
    try:
        category_codes(cells["category"] or "")
    except ValueError as exc:
        raise _RowProblem("category", str(exc)) from exc
    values: dict[str, object] = {}
    for field, parse in (("pack_size", int), ("volume_l", float)):
        text = cells.get(field)
        if text:
            try:
                number = parse(text.replace(",", "."))
            except ValueError as exc:
                raise _RowProblem(field, f"{field} {text!r} is not a number") from exc
            if number <= 0:
                raise _RowProblem(field, f"{field} must be greater than 0")
            values[field] = number
    ean = cells.get("ean")
    if ean and not (ean.isdigit() and 8 <= len(ean) <= 14):
        raise _RowProblem("ean", f"EAN {ean!r} must be 8 to 14 digits")
    try:
        brand_is_own = _flag(cells.get("brand_type"), True)
    except ValueError as exc:
        raise _RowProblem("brand_type", "brand type must be own or competitor") from exc
    try:
        is_alcohol = _flag(cells.get("alcohol"), False)
        is_active = _flag(cells.get("active"), True)
    except ValueError as exc:
        raise _RowProblem("alcohol", "alcohol and active must be yes or no") from exc
    if len(cells["sku"] or "") > 64 or len(cells["name"] or "") > 200 or len(cells["brand"] or "") > 200:
        raise _RowProblem("sku", "sku (64), name and brand (200 characters) are too long")
    return ProductRequest(
        sku=(cells["sku"] or "").strip(),
        name=(cells["name"] or "").strip(),
        brand=(cells["brand"] or "").strip(),
        category=cells["category"] or "",
        unit=unit,  # type: ignore[arg-type]
        brand_is_own=brand_is_own,
        pack_size=int(values.get("pack_size", 1)),  # type: ignore[call-overload]
        ean=ean or None,
        volume_l=values.get("volume_l"),  # type: ignore[arg-type]
        is_alcohol=is_alcohol,
        is_active=is_active,
    )


async def _import_prices(conn: asyncpg.Connection, rows: _Rows, rejected: list[ImportProblem], dry_run: bool) -> int:
    known = await repository.products_by_sku(conn, sorted({cells["sku"] or "" for _, cells in rows}))
    lists: dict[str, int | None] = {}
    stored = 0
    for row_number, cells in rows:
        code = (cells.get("price_list") or "").strip()
        if code not in lists:
            found = await repository.price_list_by_code(conn, code) if code else None
            lists[code] = None if found is None else found.id
        list_id = lists[code]
        product = known.get((cells.get("sku") or "").strip())
        if list_id is None:
            rejected.append(ImportProblem(row_number, "price_list", f"no price list with the code {code!r}"))
            continue
        if product is None:
            rejected.append(ImportProblem(row_number, "sku", f"unknown SKU {cells.get('sku')!r}"))
            continue
        try:
            price = _decimal(cells.get("price"))
        except (ValueError, InvalidOperation):
            rejected.append(ImportProblem(row_number, "price", f"price {cells.get('price')!r} is not a number"))
            continue
        if price <= 0 or price > 1_000_000:
            rejected.append(ImportProblem(row_number, "price", "price must be greater than 0 and at most 1,000,000"))
            continue
        if not dry_run:
            await repository.upsert_price_item(conn, list_id, product.id, price.quantize(Decimal("0.01")))
        stored += 1
    return stored


async def _import_must_stock(
    conn: asyncpg.Connection, rows: _Rows, rejected: list[ImportProblem], dry_run: bool
) -> int:
    known = await repository.products_by_sku(conn, sorted({cells["sku"] or "" for _, cells in rows}))
    stored = 0
    for row_number, cells in rows:
        channel = (cells.get("channel") or "").strip().lower()
        account_class = (cells.get("account_class") or "").strip().upper()
        product = known.get((cells.get("sku") or "").strip())
        if channel not in {"horeca", "retail", "other"}:
            rejected.append(ImportProblem(row_number, "channel", f"channel {channel!r} is not horeca, retail or other"))
        elif account_class not in {"A", "B", "C"}:
            rejected.append(ImportProblem(row_number, "account_class", f"class {account_class!r} is not A, B or C"))
        elif product is None:
            rejected.append(ImportProblem(row_number, "sku", f"unknown SKU {cells.get('sku')!r}"))
        else:
            if not dry_run:
                await repository.add_must_stock(conn, channel, account_class, product.id)
            stored += 1
    return stored
