"""Where the shipped folders (templates/, postcodes/, migrations/, translations/) are.

In a wheel they live inside the package (see pyproject's force-include); in a source checkout
or an editable install they sit at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder {name!r} not found next to the package")
