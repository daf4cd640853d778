"""R5.8: deduce's licence situation is recorded before it is a dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_deduce_has_a_licence_entry_when_it_is_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = [
        re.split(r"[<>=!~ \[;]", dep)[0].lower() for dep in project["project"]["dependencies"]
    ]
    if "deduce" not in dependencies:
        return
    licences = ROOT / "docs" / "legal" / "licences.md"
    assert licences.is_file(), "docs/legal/licences.md is missing"
    text = licences.read_text(encoding="utf-8")
    section = re.search(r"^## deduce\b.*?(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "docs/legal/licences.md has no deduce entry"
    body = section.group()
    assert "GPL-3.0" in body
    assert "LGPL-3.0-or-later" in body
    assert "**Decision:**" in body
