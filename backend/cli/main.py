"""The `fieldsales` command line: serve, migrate, demo, users, solve."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import click

from backend.cli.common import cli_settings, in_transaction
from backend.settings import Settings

if TYPE_CHECKING:
    import asyncpg

if TYPE_CHECKING:
    from backend.simulation.runner import Summary

T = TypeVar("T")


_settings = cli_settings
# As in migration 0014 (users.sales_role); kept here so that --help does not import the backend.
SALES_ROLES = ["hunter", "closer", "farmer", "telemarketer", "key_account_manager"]


def _run(make: Callable[[], Awaitable[T]]) -> T:
    import asyncio

    async def runner() -> T:
        return await make()

    return asyncio.run(runner())


# Commands defined in their own modules, imported only when named (or listed by --help), so that a
# command such as `fieldsales solve` does not pay for the database, HTTP and spreadsheet imports.
# name -> (module, attribute, [(module, attribute) of subcommands added to it]).
_LAZY_COMMANDS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "plan": ("backend.cli.planning", "plan", []),
    "worker": ("backend.cli.planning", "worker", []),
    "import": (
        "backend.cli.imports",
        "import_group",
        [("backend.cli.sales", "import_sales"), ("backend.cli.orders", "import_catalogue")],
    ),
    "orders": ("backend.cli.orders", "orders_group", []),
    "holidays": ("backend.cli.planning", "holidays", []),
    "absences": ("backend.cli.planning", "absences", []),
    "simulate": ("backend.cli.simulate", "simulate", []),
    "geocode": ("backend.cli.customer_base", "geocode", []),
    "duplicates": ("backend.cli.customer_base", "duplicates", []),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute, children = _LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            for child_module, child_attribute in children:
                assert isinstance(command, click.Group)
                command.add_command(getattr(importlib.import_module(child_module), child_attribute))
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """fieldsales: routes, accounts and verified visits for field sales teams.

    Settings come from the environment: DATABASE_URL, FIELDSALES_ENV (demo, dev, test, production),
    FIELDSALES_JWT_SECRET (required in production), FIELDSALES_HOST, FIELDSALES_PORT.
    """
    # One handler on the root logger, replaced (not doubled) when a command configures logging from
    # its settings: a library's log line (pyrosm, pgqueuer) is written once.
    from backend.observability.logs import configure_logging

    configure_logging("text", "INFO")


@cli.command()
@click.option("--host", default=None, help="address to listen on (default 127.0.0.1 or FIELDSALES_HOST)")
@click.option("--port", default=None, type=int, help="port (default 8000 or FIELDSALES_PORT)")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="server processes (one per core)"
)
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="log every request")
def serve(host: str | None, port: int | None, workers: int, access_log: bool) -> None:
    """Serve the HTTP API (OpenAPI at /schema, health at /health, the console at /supervisor)."""
    import uvicorn

    settings = _settings()
    uvicorn.run(
        # A factory import string, so that several worker processes each build their own app and pool.
        "backend.app:create_app_from_environment",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        access_log=access_log,
        # The client's address is the TCP peer unless it is one of FIELDSALES_TRUSTED_PROXIES (our own
        # check); uvicorn's rewriting from X-Forwarded-For (trusted from 127.0.0.1 by default) is off.
        proxy_headers=False,
        log_level="info",
        timeout_graceful_shutdown=10,
    )


@cli.command()
def migrate() -> None:
    """Apply pending database migrations (forward-only, checksummed)."""
    from backend.db.migrate import MigrationError
    from backend.db.migrate import migrate as apply_migrations
    from backend.db.pool import connect
    from backend.jobs.nightly import install_queue

    settings = _settings()

    async def work() -> list[str]:
        conn = await connect(settings)
        try:
            applied = [f"{m.version:04d}_{m.name}" for m in await apply_migrations(conn)]
            if await install_queue(conn):
                applied.append("job queue tables")
            return applied
        finally:
            await conn.close()

    try:
        applied = _run(work)
    except (MigrationError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"applied: {', '.join(applied)}" if applied else "the schema is current")


# The flag's name states what it does: demo users with a published password in a database that is in use.
RISK_FLAG = "--add-users-with-published-passwords"


@cli.command()
@click.option("--if-empty", is_flag=True, help="do nothing (successfully) when users exist already")
@click.option(
    RISK_FLAG,
    "into_database_with_users",
    is_flag=True,
    help="load even into a database that holds users: adds admin@example.com and others with the published "
    "password 'demo-password' (never on a database people use)",
)
def demo(if_empty: bool, into_database_with_users: bool) -> None:
    """Load the demo city (central Helsinki, © OpenStreetMap contributors) into an empty database.

    Needs FIELDSALES_ENV=demo, dev or test: the demo's users have a published password.
    """
    import zoneinfo

    from backend.catalogue.demo import DEMO_CATALOGUE_SEED, build_demo_catalogue, load_demo_catalogue
    from backend.demo.service import database_is_empty, load_demo_city
    from backend.simulation.runner import demo_catalogue_from
    from geo_data.demo_city import load_demo_city as read_demo_city

    settings = _settings()
    if settings.is_production:
        raise click.ClickException(
            f"FIELDSALES_ENV={settings.environment!r}: the demo creates users with a published password, so it "
            "loads only with FIELDSALES_ENV=demo, dev or test"
        )

    people: list[str] = []

    async def work(conn: asyncpg.Connection) -> dict[str, int] | None:
        if not await database_is_empty(conn) and not into_database_with_users:
            return None
        click.echo("reading the OpenStreetMap extract of central Helsinki ...")
        city = read_demo_city()
        people.extend([city.supervisor.email, city.admin.email])
        counts = await load_demo_city(conn, city)
        # The distributor's catalogue and price lists (valid from the first day of the order history), so
        # reps can take orders in the demo's visits from the first start.
        today = dt.datetime.now(zoneinfo.ZoneInfo(settings.planning_time_zone)).date()
        await load_demo_catalogue(conn, build_demo_catalogue(DEMO_CATALOGUE_SEED), demo_catalogue_from(today))
        return counts

    try:
        counts = in_transaction(settings, work)
    except asyncpg_errors() as exc:
        raise click.ClickException(f"the demo could not be loaded into this database: {exc}") from exc
    if counts is None:
        if if_empty:
            click.echo("the database holds users already; demo not loaded")
            return
        raise click.ClickException(
            "the database holds users; the demo loads only into an empty database "
            f"({RISK_FLAG} loads it anyway, with the demo's published password)"
        )
    click.echo(
        f"loaded {counts['accounts']} accounts, {counts['territories']} territories, {counts['users']} users "
        "(password 'demo-password', demo only). Data © OpenStreetMap contributors (ODbL)."
    )
    summary = _run(lambda: _demo_history(settings, supervisor_email=people[0], admin_email=people[1]))
    for line in summary.lines():
        click.echo(f"  {line}")


def asyncpg_errors() -> type[Exception]:
    import asyncpg

    return asyncpg.PostgresError


async def _demo_history(settings: Settings, *, supervisor_email: str, admin_email: str) -> Summary:
    import zoneinfo

    from backend.simulation.runner import run_demo_history

    today = dt.datetime.now(zoneinfo.ZoneInfo(settings.planning_time_zone)).date()
    click.echo(f"the order history, then the 4 weeks before {today} simulated (nightly runs, visits, orders) ...")
    return await run_demo_history(
        settings, today, supervisor_email=supervisor_email, admin_email=admin_email, progress=click.echo
    )


@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True, help="login email")
@click.option("--role", required=True, type=click.Choice(["rep", "supervisor", "admin"]), help="role")
@click.option("--name", required=True, help="display name")
@click.option("--supervisor", "supervisor_email", default=None, help="email of the supervisor (for reps)")
@click.option("--home", default=None, help="home location of a rep as LAT,LON")
@click.option("--territory", "territory_code", default=None, help="a rep: the code of the territory they own")
@click.option("--sales-role", default=None, type=click.Choice(SALES_ROLES), help="the sales role beside the role")
@click.option(
    "--office",
    is_flag=True,
    help="a rep who works from the office (the default for a telemarketer): no home, shift or route",
)
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from standard input")
def users_create(
    email: str,
    role: str,
    name: str,
    supervisor_email: str | None,
    home: str | None,
    territory_code: str | None,
    sales_role: str | None,
    office: bool,
    password_stdin: bool,
) -> None:
    """Create a user; the password is read from standard input, never from the command line.

    A rep is planned only with a territory: give it with --territory CODE (or later with
    PUT /api/v1/territories/{id}); a rep without one is reported by the planner, not planned.
    A telemarketer (or any rep given --office) works from the office: no field profile, so no
    route, no map position and no share of an absent colleague's visits."""
    from backend.auth.principal import Role
    from backend.auth.schemas import NewUser, Point
    from backend.auth.service import create_user
    from backend.coordinates import parse
    from backend.errors import AppError
    from backend.territories.service import assign_owner

    if territory_code is not None and role != "rep":
        raise click.BadParameter("only a rep owns a territory", param_hint="--territory")
    if office and role != "rep":
        raise click.BadParameter(
            "only a rep has a route to leave out; supervisors and admins have none", param_hint="--office"
        )
    in_office = role == "rep" and (office or sales_role == "telemarketer")
    if in_office and (territory_code is not None or home is not None):
        raise click.BadParameter("a rep who works from the office has no territory or home", param_hint="--office")

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    home_point = None
    if home is not None:
        try:
            home_point = Point(*parse(home, field="home"))
        except AppError as exc:
            raise click.BadParameter("expected LAT,LON such as 60.17,24.94", param_hint="--home") from exc
    settings = _settings()
    new = NewUser(
        email=email,
        name=name,
        role=Role(role),
        password=password,
        supervisor_email=supervisor_email,
        home=home_point,
        field_profile=not in_office,
    )

    async def work(conn: asyncpg.Connection) -> int:
        user_id = await create_user(conn, new)
        if territory_code is not None:
            await assign_owner(conn, territory_code, user_id)
        if sales_role is not None:
            from backend.deals.schemas import SalesRole
            from backend.deals.service import set_sales_role

            await set_sales_role(conn, user_id, SalesRole(sales_role))
        return user_id

    try:
        user_id = in_transaction(settings, work)
    except AppError as exc:
        hint = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"{exc.detail}{hint}") from exc
    click.echo(
        f"created user {user_id} <{email.strip().lower()}> as {role}" + (f" ({sales_role})" if sales_role else "")
    )
    if territory_code is not None:
        click.echo(f"  owns territory {territory_code}")
    elif in_office:
        click.echo("  works from the office: no route is planned")
    elif role == "rep":
        click.echo("  no territory yet: the planner reports this rep until one is assigned (--territory)")


@users.command("sales-role")
@click.option("--email", required=True, help="login email of the user")
@click.option("--sales-role", required=True, type=click.Choice([*SALES_ROLES, "none"]), help="none: out of the funnel")
@click.option(
    "--territory",
    "territory_codes",
    multiple=True,
    help="also name the user for this sales role in the territory with this code (repeatable)",
)
def users_sales_role(email: str, sales_role: str, territory_codes: tuple[str, ...]) -> None:
    """Set a user's sales role (beside their access role), and who plays it for territories."""
    from backend.deals.schemas import SalesRole
    from backend.deals.service import (
        assign_territory_role,
        set_sales_role,
        territory_id_by_code,
        user_id_by_email,
    )
    from backend.errors import AppError

    if sales_role == "none" and territory_codes:
        raise click.BadParameter("a territory needs a sales role to be played", param_hint="--territory")
    role = None if sales_role == "none" else SalesRole(sales_role)

    async def work(conn: asyncpg.Connection) -> int:
        user_id = await user_id_by_email(conn, email)
        await set_sales_role(conn, user_id, role)
        for code in territory_codes:
            assert role is not None
            await assign_territory_role(conn, await territory_id_by_code(conn, code), role, user_id)
        return user_id

    try:
        user_id = in_transaction(_settings(), work)
    except AppError as exc:
        hint = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"{exc.detail}{hint}") from exc
    click.echo(f"user {user_id} <{email.strip().lower()}>: sales role {sales_role}")
    for code in territory_codes:
        click.echo(f"  plays it for territory {code}")


@cli.command()
@click.argument("problem_file", type=click.File("rb"))
@click.option("--time-limit", type=float, default=None, help="seconds of search (overrides options.time_limit_s)")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="where to write the solution (- = stdout)")
def solve(problem_file: BinaryIO, time_limit: float | None, output: BinaryIO) -> None:
    """Solve a day-route problem (JSON, - for stdin) and write the solution as JSON.

    Exit status 2 for a malformed problem, 3 when a required visit cannot be served.
    """
    import routing

    try:
        problem = routing.problem_from_json(problem_file.read())
    except routing.ProblemError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    params = None if time_limit is None else routing.SolveParams(time_limit_s=time_limit)
    try:
        solution = routing.solve(problem, params)
    except routing.RequiredVisitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    output.write(routing.solution_to_json(solution))
    output.write(b"\n")


if __name__ == "__main__":
    cli()
