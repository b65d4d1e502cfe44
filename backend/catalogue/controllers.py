"""HTTP: the catalogue (admin writes, everyone reads) and the rep's offline catalogue bundle."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.principal import Role
from backend.catalogue import service
from backend.catalogue.schemas import (
    CatalogueBundle,
    CatalogueImportReport,
    MustStockList,
    MustStockRequest,
    PriceList,
    PriceListList,
    PriceListRequest,
    Product,
    ProductList,
    ProductRequest,
)
from backend.clock import local_today
from backend.errors import InvalidInput
from backend.http.dependencies import AppSettings, BusinessClock, Caller, Conn, Transactions
from backend.http.security import requires_role

ADMIN = [requires_role(Role.ADMIN)]


class CatalogueController(Controller):
    path = "/api/v1/catalogue"
    tags = ["catalogue"]

    @get("/products", summary="Products (active only unless `all=true`)")
    async def list_products(
        self, conn: Conn, all: Annotated[bool, QueryParameter(description="inactive products too")] = False
    ) -> ProductList:
        return await service.list_products(conn, active_only=not all)

    @put("/products", guards=ADMIN, summary="Create or update a product by SKU")
    async def save_product(self, data: JSONBody[ProductRequest], conn: Conn) -> Product:
        return await service.save_product(conn, data)

    @get("/price-lists", summary="Channel price lists and the account lists in the caller's scope")
    async def list_price_lists(self, conn: Conn, principal: Caller) -> PriceListList:
        return await service.list_price_lists(conn, principal)

    @get("/price-lists/{price_list_id:int}", summary="One price list with its prices")
    async def get_price_list(self, conn: Conn, principal: Caller, price_list_id: FromPath[int]) -> PriceList:
        return await service.get_price_list(conn, principal, price_list_id)

    @post("/price-lists", status_code=201, guards=ADMIN, summary="Create a price list with its prices")
    async def create_price_list(self, data: JSONBody[PriceListRequest], conn: Conn, principal: Caller) -> PriceList:
        """Whole or nothing: an unknown SKU is 422 naming `items[i].sku`; a validity overlapping another
        list of the same channel or account is 409 naming `valid_from`."""
        return await service.create_price_list(conn, principal, data)

    @get("/must-stock", summary="Must-stock lists per channel and class")
    async def list_must_stock(
        self, conn: Conn, channel: Annotated[str | None, QueryParameter(description="horeca, retail or other")] = None
    ) -> MustStockList:
        return await service.list_must_stock(conn, channel)

    @put("/must-stock", guards=ADMIN, summary="Replace the must-stock list of one channel and class")
    async def replace_must_stock(self, data: JSONBody[MustStockRequest], conn: Conn) -> MustStockList:
        return await service.replace_must_stock(conn, data)

    @post("/imports", status_code=200, guards=ADMIN, summary="Import a catalogue file (CSV/XLSX)")
    async def import_catalogue(
        self,
        request: Request[Any, Any, Any],
        transactions: Transactions,
        settings: AppSettings,
        kind: Annotated[str, QueryParameter(description="products, prices or must_stock")],
        file_name: Annotated[str, QueryParameter(description="the file's name (.csv or .xlsx)")] = "catalogue.csv",
        dry_run: Annotated[bool, QueryParameter(description="check, write nothing")] = False,
    ) -> CatalogueImportReport:
        """The file is the request body. A row-level report: stored rows, and each rejected row with its
        number, column and reason (a formula in any cell rejects its row; nothing is evaluated)."""
        data = await request.body()  # before taking a pooled connection: a slow upload holds none
        if not data:
            raise InvalidInput("the request body must be the file", field="file")
        async with transactions() as conn:
            return await service.import_file(
                conn, data, file_name, kind, max_bytes=settings.max_import_file_bytes, dry_run=dry_run
            )


class MyCatalogueController(Controller):
    path = "/api/v1/me/catalogue"
    tags = ["catalogue"]
    guards = [requires_role(Role.REP)]

    @get("", summary="The rep's offline catalogue: products, prices for their accounts, must-stock lists")
    async def get_my_catalogue(
        self, conn: Conn, principal: Caller, settings: AppSettings, clock: BusinessClock
    ) -> CatalogueBundle:
        """ "Today" is the business day (the injected clock, in the planning time zone): the lists valid
        on it or later, so a simulated day gets that day's prices."""
        return await service.bundle(conn, principal, local_today(clock, settings.planning_time_zone))
