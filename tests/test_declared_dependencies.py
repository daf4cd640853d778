"""What the package imports, pyproject.toml declares.

A module that only arrives as a dependency of a dependency (numpy through shapely, werkzeug
through Flask) disappears the day that dependency stops needing it. So every third-party
module imported anywhere in ``niemand_alleen/`` must belong to a distribution named in
``[project] dependencies``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "niemand_alleen"


def _normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them: case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(_normalise(match.group()))
    return names


def imported_top_level_modules() -> Iterator[tuple[str, Path, int]]:
    """(top-level module, file, line) for every absolute import in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.name.partition(".")[0], path, node.lineno
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.module.partition(".")[0], path, node.lineno


def test_every_imported_third_party_module_is_declared() -> None:
    declared = declared_distributions()
    distributions = importlib.metadata.packages_distributions()
    problems: dict[str, str] = {}
    for module, path, line in imported_top_level_modules():
        if module in sys.stdlib_module_names or module == PACKAGE.name or module in problems:
            continue
        where = f"{path.relative_to(ROOT)}:{line}"
        providers = sorted(set(distributions.get(module, [])))
        if not providers:
            problems[module] = f"{module} ({where}): no installed distribution provides it"
        elif not {_normalise(name) for name in providers} & declared:
            problems[module] = (
                f"{module} ({where}) comes from {', '.join(providers)}, "
                "which is not in pyproject.toml's [project] dependencies"
            )
    assert not problems, "\n".join(sorted(problems.values()))


def test_the_walk_sees_imports_at_every_depth() -> None:
    """Guards the test above against passing because it found nothing."""
    found = {module for module, _, _ in imported_top_level_modules()}
    assert {"flask", "sqlmodel", "numpy", "geographiclib", "shapely"} <= found
