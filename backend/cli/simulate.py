"""`fieldsales simulate`: the product driven through its API over simulated weeks, invariants checked."""

from __future__ import annotations

import asyncio
import datetime as dt

import click

from backend.settings import SettingsError, load_settings


@click.command()
@click.option("--reps", default=3, show_default=True, type=click.IntRange(1, 5000), help="reps (synthetic city)")
@click.option("--weeks", default=2, show_default=True, type=click.IntRange(1, 52), help="weeks to simulate")
@click.option("--from", "start_text", required=True, help="the first day, a Monday, YYYY-MM-DD")
@click.option("--seed", default=1, show_default=True, type=int, help="fixes every choice of the run")
@click.option(
    "--city",
    default="demo",
    show_default=True,
    type=click.Choice(["demo", "synthetic"]),
    help="demo: central Helsinki (3 reps; --reps ignored); synthetic: --reps square territories",
)
@click.option("--accounts-per-rep", default=120, show_default=True, type=click.IntRange(1, 2000), help="synthetic")
@click.option("--database-url", default=None, help="an empty database (default DATABASE_URL)")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="planning jobs at once")
@click.option("--no-same-inputs-check", is_flag=True, help="skip re-running each night to prove nothing changes")
def simulate(
    reps: int,
    weeks: int,
    start_text: str,
    seed: int,
    city: str,
    accounts_per_rep: int,
    database_url: str | None,
    workers: int,
    no_same_inputs_check: bool,
) -> None:
    """Simulate N reps over W weeks from a Monday: nightly runs, reps walking their routes, re-plans,
    appointments, urgent tasks, a holiday, a sick rep and an import; invariants are checked after each
    day. Exit status 1 when any invariant is violated. Loads the city into an empty database."""
    from backend.demo.service import DEMO_PASSWORD
    from backend.simulation.runner import prepare_database, run_simulation

    try:
        start = dt.date.fromisoformat(start_text)
    except ValueError as exc:
        raise click.BadParameter("expected a date as YYYY-MM-DD", param_hint="--from") from exc
    if start.isoweekday() != 1:
        raise click.BadParameter(f"{start} is a {start:%A}; simulations start on a Monday", param_hint="--from")
    overrides: dict[str, object] = {} if database_url is None else {"database_url": database_url}
    try:
        settings = load_settings(None, **overrides)
        settings.check_safe()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if city == "demo":
        from geo_data.demo_city import load_demo_city

        click.echo("reading the OpenStreetMap extract of central Helsinki (© OpenStreetMap contributors) ...")
        the_city = load_demo_city()
    else:
        from backend.simulation.synthetic_city import synthetic_city

        the_city = synthetic_city(reps, accounts_per_rep, seed)
    if not asyncio.run(prepare_database(settings, the_city, DEMO_PASSWORD)):
        raise click.ClickException("the database is not empty: simulate into an empty database")
    click.echo(
        f"{city} city loaded: {len(the_city.reps)} reps, {len(the_city.accounts)} accounts; simulating "
        f"{weeks} weeks from {start} (seed {seed})"
    )
    summary, violations = asyncio.run(
        run_simulation(
            settings,
            start=start,
            weeks=weeks,
            seed=seed,
            supervisor_email=the_city.supervisor.email,
            admin_email=the_city.admin.email,
            password=DEMO_PASSWORD,
            progress=click.echo,
            check_same_inputs=not no_same_inputs_check,
            worker_concurrency=workers,
        )
    )
    click.echo("summary:")
    for line in summary.lines():
        click.echo(f"  {line}")
    if violations:
        by_invariant: dict[str, int] = {}
        for violation in violations:
            by_invariant[violation.invariant] = by_invariant.get(violation.invariant, 0) + 1
        click.echo("violations by invariant: " + ", ".join(f"{k} {v}" for k, v in sorted(by_invariant.items())))
        raise SystemExit(1)
