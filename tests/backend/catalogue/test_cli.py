"""The catalogue from the command line, into its own database: the demo catalogue, a products file
with a row-level report, a file that cannot be used (exit 2, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from backend.db.migrate import migrate
from backend.settings import Settings
from benchmarks.live_server import recreate_database

FIELDSALES = str(Path(sys.executable).with_name("fieldsales"))


async def test_the_cli_loads_the_demo_catalogue_and_imports_a_products_file(settings: Settings, tmp_path: Path) -> None:
    server, name = settings.database_url.rsplit("/", 1)
    url = f"{server}/{name}_catalogue"
    await recreate_database(url, migrated=False)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        env = {**os.environ, "DATABASE_URL": url, "FIELDSALES_ENV": "test"}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([FIELDSALES, *args], env=env, capture_output=True, text=True, timeout=120)

        demo = run("orders", "demo-catalogue")
        assert demo.returncode == 0, demo.stderr
        assert "'own_products': 200" in demo.stdout
        assert "nothing loaded" in run("orders", "demo-catalogue").stdout
        products = tmp_path / "products.csv"
        products.write_text(
            "sku,name,brand,category,unit\nNEW-1,New Gin,Juniper,Spirits/Gin,bottle\n"
            "NEW-2,=1+1,Juniper,Spirits/Gin,bottle\n",
            encoding="utf-8",
        )
        done = run("import", "catalogue", "products", str(products))
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert (report["rows_stored"], [item["row_number"] for item in report["rejected"]]) == (1, [3])
        assert await conn.fetchval("select count(*) from products where sku like 'NEW-%'") == 1
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n", encoding="utf-8")
        refused = run("import", "catalogue", "products", str(bad))
        assert refused.returncode == 2 and "missing column" in refused.stderr
    finally:
        await conn.close()
