"""The demo distributor's catalogue and what a demo account orders on a visit.

Pure and seeded (no I/O): `build_demo_catalogue(seed)` gives about 200 own SKUs of a wine & spirits
distributor (wine, sparkling, spirits, beer, soft drinks) and about 30 competitor SKUs, HoReCa and
retail prices and must-stock lists; `order_for_visit(...)` decides the lines an account orders on a
visit on a given day (the simulator calls it, then posts the order through the API).
`load_demo_catalogue(conn, ...)` is the only function here that writes (into an empty catalogue).

Demand model of `order_for_visit` (documented so the demo's figures can be read):

- An account keeps a core assortment (seeded by the account id): HoReCa leans to wine, draught beer
  and spirits, retail to bottled wine, cans and soft drinks; class A keeps 10-14 SKUs, B 6-9, C 3-5.
- It orders on a visit with probability 0.7 x the month's factor (capped at 0.95), with 2-6 lines
  from the core and now and then (15 %) a SKU outside it.
- Quantities: a base by class (A 3x, B 2x, C 1x), times the month's factor for the category:
  December peak (sparkling x3, wine and spirits x1.8), summer terraces June-August (HoReCa beer,
  rosé, sparkling and soft drinks x1.7), a quiet January-February (x0.7).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from decimal import Decimal

import asyncpg
import msgspec

from backend.catalogue import repository
from backend.catalogue.rules import category_codes
from backend.catalogue.schemas import ProductRequest

DEMO_CATALOGUE_SEED = 7  # the demo's catalogue, prices and demand (the simulator and the history use it)


class DemoProduct(msgspec.Struct, frozen=True):
    product: ProductRequest
    base_price: float  # HoReCa list price, EUR per unit
    on_retail: bool
    on_horeca: bool


class DemoCatalogue(msgspec.Struct, frozen=True):
    products: list[DemoProduct]
    must_stock: dict[str, list[str]]  # "horeca:A" -> SKUs

    def priced(self, channel: str) -> list[DemoProduct]:
        return [
            item
            for item in self.products
            if item.product.brand_is_own and (item.on_horeca if channel == "horeca" else item.on_retail)
        ]


class DemoLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: float


# (category path, own brands, count, unit, volume, price range, alcohol, horeca, retail)
_FAMILIES: list[tuple[str, list[str], int, str, float, tuple[float, float], bool, bool, bool]] = [
    ("Wine/Red", ["Castello Verde", "Domaine Lune", "Bodega Sol"], 36, "bottle", 0.75, (7.0, 38.0), True, True, True),
    ("Wine/White", ["Castello Verde", "Domaine Lune", "Bodega Sol"], 30, "bottle", 0.75, (6.5, 32.0), True, True, True),
    ("Wine/Rose", ["Domaine Lune", "Bodega Sol"], 12, "bottle", 0.75, (7.0, 18.0), True, True, True),
    ("Sparkling/Prosecco", ["Brillante"], 10, "bottle", 0.75, (8.0, 16.0), True, True, True),
    ("Sparkling/Cava", ["Brillante", "Bodega Sol"], 7, "bottle", 0.75, (7.5, 14.0), True, True, True),
    ("Sparkling/Champagne", ["Maison Etoile"], 8, "bottle", 0.75, (28.0, 90.0), True, True, True),
    ("Spirits/Vodka", ["Polar Spirits"], 10, "bottle", 0.7, (12.0, 35.0), True, True, True),
    ("Spirits/Gin", ["Polar Spirits", "Juniper Coast"], 10, "bottle", 0.7, (18.0, 42.0), True, True, True),
    ("Spirits/Whisky", ["Highland Oak"], 12, "bottle", 0.7, (22.0, 85.0), True, True, True),
    ("Spirits/Rum", ["Isla Dorada"], 6, "bottle", 0.7, (16.0, 40.0), True, True, True),
    ("Spirits/Liqueur", ["Polar Spirits"], 7, "bottle", 0.5, (11.0, 26.0), True, True, True),
    ("Beer/Lager", ["Nordic Brew"], 12, "can", 0.33, (1.1, 2.4), True, False, True),
    ("Beer/Craft", ["Nordic Brew", "Harbour Ales"], 10, "bottle", 0.33, (2.2, 4.5), True, True, True),
    ("Beer/Draught", ["Nordic Brew", "Harbour Ales"], 8, "litre", 1.0, (3.2, 6.0), True, True, False),
    ("Soft drinks/Water", ["Aqua Borealis"], 8, "bottle", 0.5, (0.6, 1.6), False, True, True),
    ("Soft drinks/Juice", ["Fizz & Co"], 7, "bottle", 1.0, (1.4, 3.2), False, True, True),
    ("Soft drinks/Mixers", ["Fizz & Co"], 7, "bottle", 0.2, (0.8, 1.8), False, True, True),
]
_COMPETITORS: list[tuple[str, str, int, str, float]] = [
    ("Wine/Red", "Rival Wines", 6, "bottle", 0.75),
    ("Wine/White", "Rival Wines", 4, "bottle", 0.75),
    ("Sparkling/Prosecco", "Grand Cru Group", 4, "bottle", 0.75),
    ("Spirits/Vodka", "Global Spirits", 4, "bottle", 0.7),
    ("Spirits/Whisky", "Global Spirits", 4, "bottle", 0.7),
    ("Beer/Lager", "Baltic Beverages", 5, "can", 0.33),
    ("Soft drinks/Mixers", "Baltic Beverages", 3, "bottle", 0.2),
]
_STYLES = {
    "Wine/Red": ["Rosso", "Tinto", "Rouge", "Reserva", "Crianza", "Riserva", "Gran Reserva", "Cuvée"],
    "Wine/White": ["Bianco", "Blanco", "Blanc", "Riesling", "Chardonnay", "Sauvignon", "Verdejo"],
    "Wine/Rose": ["Rosato", "Rosé", "Rosado"],
}


def _name(family: str, brand: str, index: int, volume: float) -> str:
    style = _STYLES.get(family, [family.split("/")[-1]])[index % len(_STYLES.get(family, [family]))]
    return f"{brand} {style} No.{index + 1} {volume:g} l"


def build_demo_catalogue(seed: int = DEMO_CATALOGUE_SEED) -> DemoCatalogue:
    """The same catalogue for the same seed: 200 own SKUs and 30 competitor SKUs."""
    rng = random.Random(f"catalogue:{seed}")  # noqa: S311 - reproducible demo data
    products: list[DemoProduct] = []
    for family, brands, count, unit, volume, (low, high), alcohol, horeca, retail in _FAMILIES:
        code = category_codes(family)[-1][0].replace("/", "-").upper()
        for index in range(count):
            brand = brands[index % len(brands)]
            sku = f"{code}-{index + 1:03d}"
            ean = f"64{rng.randrange(10**10, 10**11):011d}"
            product = ProductRequest(
                sku=sku,
                name=_name(family, brand, index, volume) if unit != "litre" else f"{brand} draught No.{index + 1}",
                brand=brand,
                category=family,
                unit=unit,  # type: ignore[arg-type]
                pack_size=24 if unit == "can" else 30 if unit == "litre" else 6,
                ean=ean if unit != "litre" else None,
                volume_l=volume,
                is_alcohol=alcohol,
            )
            price = round(rng.uniform(low, high), 2)
            products.append(DemoProduct(product, price, on_retail=retail, on_horeca=horeca))
    for family, brand, count, unit, volume in _COMPETITORS:
        code = category_codes(family)[-1][0].replace("/", "-").upper()
        for index in range(count):
            product = ProductRequest(
                sku=f"C-{code}-{index + 1:02d}",
                name=f"{brand} {family.split('/')[-1]} {index + 1} {volume:g} l",
                brand=brand,
                brand_is_own=False,
                category=family,
                unit=unit,  # type: ignore[arg-type]
                volume_l=volume,
                is_alcohol=not family.startswith("Soft"),
            )
            products.append(DemoProduct(product, 0.0, on_retail=False, on_horeca=False))
    must_stock: dict[str, list[str]] = {}
    for channel in ("horeca", "retail"):
        priced = [
            item.product.sku
            for item in products
            if item.product.brand_is_own and (item.on_horeca if channel == "horeca" else item.on_retail)
        ]
        leaders = [sku for sku in priced if sku.endswith(("-001", "-002"))]
        for account_class, size in (("A", 16), ("B", 10), ("C", 5)):
            must_stock[f"{channel}:{account_class}"] = leaders[:size]
    return DemoCatalogue(products=products, must_stock=must_stock)


def retail_price(base_price: float) -> float:
    """Retail lists are 8 % under the HoReCa list (larger drops, no service)."""
    return round(base_price * 0.92, 2)


# --- demand --------------------------------------------------------------------------------------

_CLASS_SIZE = {"A": (10, 14, 3.0), "B": (6, 9, 2.0), "C": (3, 5, 1.0)}
_PREFERENCE = {
    "horeca": {"wine": 4.0, "sparkling": 1.5, "spirits": 2.5, "beer": 2.5, "soft_drinks": 1.5},
    "retail": {"wine": 3.5, "sparkling": 1.5, "spirits": 1.5, "beer": 3.0, "soft_drinks": 2.5},
}


def month_factor(category_path: str, channel: str, month: int) -> float:
    """Seasonality of demand (see the module docstring)."""
    root = category_path.split("/")[0].lower().replace(" ", "_")
    if month == 12:
        return {"sparkling": 3.0, "wine": 1.8, "spirits": 1.8}.get(root, 1.2)
    if month in (1, 2):
        return 0.7
    if month in (6, 7, 8) and channel == "horeca":
        if root in {"beer", "soft_drinks", "sparkling"} or category_path.lower().endswith("rose"):
            return 1.7
        return 1.1
    if month == 11:
        return 1.2
    return 1.0


@functools.cache
def _root_code(category_path: str) -> str:
    """The root category's code of a path ("Wine/Red" -> "wine"); cached: the demand model asks for
    every priced product on every visit."""
    return category_codes(category_path)[0][0]


def _core(catalogue: DemoCatalogue, account_id: int, channel: str, account_class: str, seed: int) -> list[DemoProduct]:
    rng = random.Random(f"core:{seed}:{account_id}")  # noqa: S311 - reproducible demo data
    low, high, _ = _CLASS_SIZE.get(account_class, _CLASS_SIZE["C"])
    priced = catalogue.priced(channel)
    preference = _PREFERENCE[channel if channel in _PREFERENCE else "retail"]
    weights = [preference.get(_root_code(item.product.category), 1.0) for item in priced]
    size = rng.randint(low, high)
    chosen: dict[str, DemoProduct] = {}
    while len(chosen) < min(size, len(priced)):
        item = rng.choices(priced, weights=weights)[0]
        chosen[item.product.sku] = item
    return sorted(chosen.values(), key=lambda item: item.product.sku)


def order_for_visit(
    catalogue: DemoCatalogue,
    account_id: int,
    channel: str,
    account_class: str,
    day: dt.date,
    seed: int = DEMO_CATALOGUE_SEED,
) -> list[DemoLine]:
    """What the account orders on a visit that day (empty: no order). Pure and seeded."""
    core = _core(catalogue, account_id, channel, account_class, seed)
    if not core:
        return []
    rng = random.Random(f"visit:{seed}:{account_id}:{day.isoformat()}")  # noqa: S311 - reproducible demo data
    mean_factor = sum(month_factor(item.product.category, channel, day.month) for item in core) / len(core)
    if rng.random() > min(0.95, 0.7 * mean_factor):
        return []
    _, _, scale = _CLASS_SIZE.get(account_class, _CLASS_SIZE["C"])
    picked = rng.sample(core, k=min(len(core), rng.randint(2, 6)))
    if rng.random() < 0.15:
        outside = [item for item in catalogue.priced(channel) if item not in core]
        if outside:
            picked.append(rng.choice(outside))
    lines: list[DemoLine] = []
    for item in sorted(picked, key=lambda product: product.product.sku):
        factor = month_factor(item.product.category, channel, day.month)
        if item.product.unit == "litre":
            quantity = float(30 * max(1, round(scale * factor * rng.uniform(0.5, 1.5))))
        elif item.product.unit == "can":
            quantity = float(24 * max(1, round(scale * factor * rng.uniform(0.5, 1.5))))
        else:
            quantity = float(max(1, round(6 * scale * factor * rng.uniform(0.4, 1.4))))
        lines.append(DemoLine(item.product.sku, quantity))
    return lines


# --- loader ----------------------------------------------------------------------------------------


async def load_demo_catalogue(
    conn: asyncpg.Connection, catalogue: DemoCatalogue, valid_from: dt.date
) -> dict[str, int] | None:
    """Write the catalogue, the HoReCa and retail price lists (open-ended from `valid_from`) and the
    must-stock lists; None (nothing written) when products already exist."""
    if await repository.products(conn, active_only=False, skus=None):
        return None
    ids: dict[str, int] = {}
    for item in catalogue.products:
        product = item.product
        brand_id = await repository.upsert_brand(conn, product.brand, product.brand_is_own)
        category_id = await repository.upsert_category_path(conn, category_codes(product.category))
        ids[product.sku] = await repository.upsert_product(
            conn,
            sku=product.sku,
            name=product.name,
            brand_id=brand_id,
            category_id=category_id,
            unit=product.unit,
            pack_size=product.pack_size,
            ean=product.ean,
            volume_l=product.volume_l,
            is_alcohol=product.is_alcohol,
            is_active=True,
        )
    for channel, code, name in (("horeca", "DEMO-HORECA", "HoReCa list"), ("retail", "DEMO-RETAIL", "Retail list")):
        items = [
            (
                ids[item.product.sku],
                Decimal(str(item.base_price if channel == "horeca" else retail_price(item.base_price))),
            )
            for item in catalogue.priced(channel)
        ]
        await repository.insert_price_list(
            conn,
            code=code,
            name=name,
            channel=channel,
            account_id=None,
            valid_from=valid_from,
            valid_to=None,
            currency="EUR",
            items=items,
        )
    for key, skus in catalogue.must_stock.items():
        channel, account_class = key.split(":")
        await repository.replace_must_stock(conn, channel, account_class, [ids[sku] for sku in skus])
    own = sum(1 for item in catalogue.products if item.product.brand_is_own)
    return {"own_products": own, "competitor_products": len(catalogue.products) - own, "price_lists": 2}
