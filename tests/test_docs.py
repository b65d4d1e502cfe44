"""docs/architecture.md stays true to the tree: every backend folder is named in its listing."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_backend_folder_is_named_in_the_architecture_page() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    folders = sorted(
        path.name for path in (ROOT / "backend").iterdir() if path.is_dir() and (path / "__init__.py").exists()
    )
    assert folders, "no backend folders found"
    assert [name for name in folders if f"\n  {name}/ " not in page] == []
