"""The house rule: a package uses another only through what that package's ``__init__``
exposes (its ``__all__``); internals (``niemand_alleen.x.service``, ``niemand_alleen.x.views``)
stay inside ``x``. Top-level modules (``cli.py``, ``models.py``, …) count as outside every
package. A new import of another package's internals fails here with the line to fix."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "niemand_alleen"


def packages() -> dict[str, set[str]]:
    """Every sub-package and the names its ``__init__`` exposes in ``__all__``."""
    exposed: dict[str, set[str]] = {}
    for init in PACKAGE.glob("*/__init__.py"):
        names: set[str] = set()
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                assert isinstance(node.value, ast.List | ast.Tuple), f"{init}: __all__ is no list"
                names = {str(ast.literal_eval(item)) for item in node.value.elts}
        exposed[init.parent.name] = names
    return exposed


def violations() -> list[str]:
    exposed = packages()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        owner = parts[0] if len(parts) > 1 else None
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[tuple[str, list[str] | None]]
            if isinstance(node, ast.Import):
                modules = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [(node.module, [alias.name for alias in node.names])]
            else:
                continue
            for module, names in modules:
                pieces = module.split(".")
                if pieces[0] != "niemand_alleen" or len(pieces) < 2:
                    continue
                target = pieces[1]
                if target not in exposed or target == owner:
                    continue
                if len(pieces) > 2:
                    found.append(f"{where}:{node.lineno} imports {module}")
                    continue
                for name in names or []:
                    if name not in exposed[target]:
                        found.append(f"{where}:{node.lineno} imports {name} from {module}")
    return found


def test_packages_use_each_other_only_through_their_doors() -> None:
    assert not violations(), "\n".join(violations())


def test_every_package_has_a_door() -> None:
    """Each package's ``__init__`` says what it exposes (possibly nothing)."""
    missing = [name for name, names in packages().items() if not names]
    assert not missing, missing
