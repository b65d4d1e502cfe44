"""HTTP: the supervisor console at /supervisor, its config and its built assets (no auth: the page
logs in itself and calls the API with a bearer token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Response, Router, get
from litestar.static_files import create_static_files_router

from backend.errors import Unavailable
from backend.http.dependencies import AppSettings

STATIC_DIR = Path(__file__).resolve().parent / "static"
PUBLIC = {"exclude_from_auth": True}


class ConsoleConfig(msgspec.Struct, frozen=True):
    tile_url: str | None
    tile_attribution: str
    basemap_attribution: str
    sales_below_plan_pct: float
    time_zone: str


class ConsoleController(Controller):
    path = "/supervisor"
    tags = ["console"]
    opt = PUBLIC
    include_in_schema = False

    @get("", media_type="text/html; charset=utf-8")
    async def page(self) -> Response[bytes]:
        index = STATIC_DIR / "index.html"
        try:
            content = index.read_bytes()
        except OSError as exc:
            raise Unavailable("the supervisor console is not built; run `make frontend`") from exc
        return Response(
            content=content,
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-cache",
                "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob: https:; "
                "style-src 'self' 'unsafe-inline'; connect-src 'self'",
            },
        )

    @get("/config.json")
    async def config(self, settings: AppSettings) -> ConsoleConfig:
        return ConsoleConfig(
            tile_url=settings.map_tile_url,
            tile_attribution=settings.map_tile_attribution,
            basemap_attribution="© OpenStreetMap contributors (ODbL)",
            sales_below_plan_pct=settings.sales_below_plan_pct,
            time_zone=settings.planning_time_zone,
        )


def console_assets() -> Router:
    """The built JS/CSS/images under /supervisor/assets (a missing build answers 404)."""
    return create_static_files_router(
        path="/supervisor/assets",
        directories=[STATIC_DIR / "assets"],
        opt=dict(PUBLIC),
        include_in_schema=False,
        name="console-assets",
    )


def handlers() -> list[Any]:
    return [ConsoleController, console_assets()]
