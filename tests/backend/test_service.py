"""Health, settings safety, OpenAPI and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.settings import Settings, SettingsError, load_settings

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))


async def test_health_reports_database_and_migrations(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pending_migrations": []}


async def test_openapi_schema_lists_the_endpoints(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/me", "/api/v1/me/accounts", "/api/v1/accounts"]:
        assert path in paths


def test_production_refuses_the_demo_secret() -> None:
    with pytest.raises(SettingsError, match="FIELDSALES_JWT_SECRET"):
        create_app(load_settings({"FIELDSALES_ENV": "production"}))
    with pytest.raises(SettingsError, match="guessable"):
        create_app(load_settings({"FIELDSALES_ENV": "production", "FIELDSALES_JWT_SECRET": "x" * 40}))
    create_app(
        load_settings(
            {"FIELDSALES_ENV": "production", "FIELDSALES_JWT_SECRET": "KUJCX9O049BhoGWMKR7w4i6w6tLLEoLORNNvHbJWKSs"}
        )
    )


def test_settings_name_the_bad_variable() -> None:
    with pytest.raises(SettingsError, match="FIELDSALES_PORT='eighty' is not valid: expected an integer"):
        load_settings({"FIELDSALES_PORT": "eighty"})


def _cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FIELDSALES, *args], input=stdin, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["demo"], ["users", "create"], ["solve"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = _cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: fieldsales" in result.stdout


def test_cli_migrate_users_and_demo_against_the_database(settings: Settings, migrated: list[str]) -> None:
    env = {"DATABASE_URL": settings.database_url, "FIELDSALES_ENV": "test"}
    _cli("migrate", env=env)  # the first run may install the job queue's tables
    assert "current" in _cli("migrate", env=env).stdout
    created = _cli(
        "users",
        "create",
        "--email",
        "New.Rep@Example.com",
        "--role",
        "rep",
        "--name",
        "New Rep",
        "--supervisor",
        "supervisor@example.com",
        "--home",
        "60.17,24.94",
        "--password-stdin",
        stdin="a-long-password\n",
        env=env,
    )
    try:
        assert created.returncode == 0, created.stderr
        assert "new.rep@example.com" in created.stdout
        duplicate = _cli(
            "users",
            "create",
            "--email",
            "new.rep@example.com",
            "--role",
            "rep",
            "--name",
            "Again",
            "--password-stdin",
            stdin="a-long-password\n",
            env=env,
        )
        assert duplicate.returncode != 0
        assert "exists" in duplicate.stderr
        short = _cli(
            "users",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "admin",
            "--name",
            "X",
            "--password-stdin",
            stdin="short\n",
            env=env,
        )
        assert short.returncode != 0 and "8 characters" in short.stderr
        assert "already" in _cli("demo", "--if-empty", env=env).stdout
        assert _cli("demo", env=env).returncode != 0
    finally:
        subprocess.run(
            ["psql", settings.database_url, "-qc", "delete from users where email = 'new.rep@example.com'"], check=True
        )


def test_cli_creates_a_telemarketer_without_a_route(settings: Settings, migrated: list[str]) -> None:
    """A telemarketer works from the office: created from the command line, they get no field profile,
    so the nightly planning neither plans nor reports them; an office rep with a territory is refused."""
    env = {"DATABASE_URL": settings.database_url, "FIELDSALES_ENV": "test"}
    base = ["users", "create", "--role", "rep", "--name", "Phone Person", "--password-stdin"]
    email = "phone.person@example.com"
    try:
        created = _cli(*base, "--email", email, "--sales-role", "telemarketer", stdin="a-long-password\n", env=env)
        assert created.returncode == 0, created.stderr
        assert "works from the office" in created.stdout
        profiles = subprocess.run(
            [
                "psql",
                settings.database_url,
                "-tAc",
                f"select count(*) from reps r join users u on u.id = r.user_id where u.email = '{email}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert profiles.stdout.strip() == "0"
        refused = _cli(
            *base, "--email", "other@example.com", "--office", "--territory", "T1", stdin="a-long-password\n", env=env
        )
        assert refused.returncode != 0 and "--office" in refused.stderr
    finally:
        subprocess.run(["psql", settings.database_url, "-qc", f"delete from users where email = '{email}'"], check=True)
