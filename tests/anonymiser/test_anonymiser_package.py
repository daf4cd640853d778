"""The anonymiser is a ground-floor library: pure, and used only through its front door."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "niemand_alleen"
ANONYMISER = PACKAGE / "anonymiser"
FORBIDDEN = ("flask", "sqlalchemy", "sqlmodel", "niemand_alleen.models", "niemand_alleen.db")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_anonymiser_imports_no_web_or_database_code() -> None:
    for path in sorted(ANONYMISER.glob("*.py")):
        for name in _imports(path):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_other_packages_use_only_the_anonymisers_front_door() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if ANONYMISER in path.parents:
            continue
        for name in _imports(path):
            assert not name.startswith("niemand_alleen.anonymiser."), (
                f"{path.relative_to(PACKAGE)} imports {name}: use niemand_alleen.anonymiser"
            )


def test_the_check_does_not_import_the_engine() -> None:
    """The approval check takes any Detector; it never imports the engine (no cycle)."""
    assert "niemand_alleen.anonymiser.engine" not in _imports(ANONYMISER / "check.py")
