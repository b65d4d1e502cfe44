"""The Litestar application factory: resources are injected, nothing reads the environment here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from backend.account_card.controllers import AccountCardController
from backend.accounts.controllers import AccountsController, MyAccountsController
from backend.activities.controllers import ActivitiesController, ActivityWebhookController
from backend.auth.controllers import AuthController, MeController
from backend.catalogue.controllers import CatalogueController, MyCatalogueController
from backend.checklists.controllers import ChecklistTemplatesController, VisitChecklistController
from backend.clock import Clock, SystemClock
from backend.db.pool import ConnectionSource, create_pool
from backend.deals.controllers import (
    DealsController,
    PipelinesController,
    TerritorySalesRolesController,
    UserSalesRoleController,
)
from backend.duplicates.controllers import DuplicatesController, MergesController
from backend.events.controllers import MyEventsController
from backend.health.controllers import health
from backend.http.caching import compression_config
from backend.http.dependencies import (
    provide_clock,
    provide_connection,
    provide_principal,
    provide_settings,
    provide_transactions,
)
from backend.http.headers import add_security_headers
from backend.http.input_guard import guard_input
from backend.http.observability import RequestContextMiddleware
from backend.http.openapi import operation_id, render_plugins
from backend.http.problems import EXCEPTION_HANDLERS
from backend.http.security import PUBLIC_PATHS, BearerAuthMiddleware, SessionCache
from backend.imports.controllers import ImportsController
from backend.leads.controllers import LeadsController, NewAccountController
from backend.metrics.controllers import metrics_endpoint
from backend.observability.logs import configure_logging
from backend.orders.controllers import AccountSalesController, OrdersController
from backend.photos.controllers import PhotosController
from backend.pipeline_reports.controllers import PipelineReportsController
from backend.planning.matrix_cache import matrix_provider
from backend.planning.solver_pool import SolverPool
from backend.reports.controllers import ReportsController
from backend.routes.controllers import MyRouteController, PlanningRunsController, TeamRoutesController
from backend.sales.controllers import SalesController
from backend.sales_tasks.controllers import ControlController, SalesTasksController
from backend.schedules.controllers import SchedulesController
from backend.segments.controllers import SegmentsController
from backend.settings import Settings, load_settings
from backend.supervision.controllers import SupervisionController
from backend.supervision.service import basemap_geojson
from backend.sync.controllers import SyncController
from backend.tasks.controllers import TasksController
from backend.territories.controllers import TerritoriesController
from backend.visits.controllers import VisitsController
from backend.web.controllers import handlers as console_handlers
from backend.workcalendar.controllers import AbsencesController, HolidaysController


def create_app(settings: Settings, pool: ConnectionSource | None = None, clock: Clock | None = None) -> Litestar:
    """Build the app. With `pool` given (tests), the app uses it and does not close it. `clock` is the
    business time (default wall time; the simulator injects a simulated one)."""
    settings.check_safe()

    solver = SolverPool(processes=settings.api_solver_processes, max_queued=settings.solver_max_queued)
    state: dict[str, object] = {
        "settings": settings,
        "solver": solver,
        "matrix_provider": matrix_provider(settings),
        "clock": clock or SystemClock(),
        "sessions": SessionCache(settings.session_cache_s),
    }
    if pool is not None:
        state["pool"] = pool

    @asynccontextmanager
    async def solver_processes(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            solver.close()

    @asynccontextmanager
    async def warm_basemap(_: Litestar) -> AsyncIterator[None]:
        # The console's offline basemap is built from the OSM extract once per process (about 2 s);
        # a served process builds it before answering, so a supervisor's first map is not the one
        # that waits. Apps with an injected pool (tests in process) skip it.
        if pool is None and settings.map_tile_url is None:
            await basemap_geojson()
        yield

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        if pool is not None:  # injected: set in the state below, owned by the caller
            yield
            return
        own_pool = await create_pool(settings, clock)
        app.state.pool = own_pool
        try:
            yield
        finally:
            await own_pool.close()

    return Litestar(
        route_handlers=[
            health,
            metrics_endpoint,
            AuthController,
            MeController,
            MyAccountsController,
            AccountsController,
            AccountCardController,
            TerritoriesController,
            MyRouteController,
            TeamRoutesController,
            PlanningRunsController,
            SchedulesController,
            TasksController,
            VisitsController,
            ChecklistTemplatesController,
            VisitChecklistController,
            PhotosController,
            SyncController,
            ImportsController,
            DuplicatesController,
            MergesController,
            NewAccountController,
            LeadsController,
            SupervisionController,
            ReportsController,
            CatalogueController,
            MyCatalogueController,
            OrdersController,
            AccountSalesController,
            SalesController,
            PipelineReportsController,
            HolidaysController,
            AbsencesController,
            MyEventsController,
            PipelinesController,
            UserSalesRoleController,
            TerritorySalesRolesController,
            DealsController,
            SalesTasksController,
            ControlController,
            ActivitiesController,
            ActivityWebhookController,
            SegmentsController,
            *console_handlers(),
        ],
        dependencies={
            "conn": Provide(provide_connection),
            "transactions": Provide(provide_transactions, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "clock": Provide(provide_clock, sync_to_thread=False),
        },
        middleware=[RequestContextMiddleware, DefineMiddleware(BearerAuthMiddleware, exclude=PUBLIC_PATHS)],
        before_send=[add_security_headers],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=guard_input,
        lifespan=[database, solver_processes, warm_basemap],
        state=State(state),
        openapi_config=OpenAPIConfig(
            title="fieldsales",
            version="0.1.0",
            description="Routes, accounts and verified visits for field sales teams.",
            path="/schema",
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
            security=[{"bearer": []}],
            use_handler_docstrings=True,
            operation_id_creator=operation_id,
            render_plugins=render_plugins(),
        ),
        cors_config=CORSConfig(allow_origins=[]),
        compression_config=compression_config(),
        # Our handlers (backend.observability.logs) own the root logger; unexpected errors are logged
        # once, with the request id, by backend.http.problems.
        logging_config=LoggingConfig(log_exceptions="debug", configure_root_logger=False),
        request_max_body_size=settings.max_request_body_bytes,
        debug=False,
    )


def create_app_from_environment() -> Litestar:
    """The app with settings read from the environment now (the server's factory, one per process)."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)
