"""Settings are declared once (``config.DECLARED_SETTINGS``): every attribute read from the
environment has a declaration, every declared setting is really read, and the table in
``docs/configuration.md`` is the one generated from the declaration."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from cryptography.fernet import Fernet

from niemand_alleen.config import (
    DECLARED_SETTINGS,
    KINDS,
    Settings,
    load_settings,
    with_settings_table,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "niemand_alleen" / "config.py"
# Attributes that come from no environment variable of their own.
NOT_FROM_THE_ENVIRONMENT = {"preset", "generated_keys_file", "extra"}


def test_every_attribute_is_declared_once() -> None:
    declared = [d.attribute for d in DECLARED_SETTINGS if d.attribute]
    assert len(declared) == len(set(declared))
    attributes = {f.name for f in dataclasses.fields(Settings)} - NOT_FROM_THE_ENVIRONMENT
    assert set(declared) == attributes
    names = [d.env for d in DECLARED_SETTINGS]
    assert len(names) == len(set(names))
    assert all(d.kind in KINDS and d.meaning for d in DECLARED_SETTINGS)


def test_every_variable_the_code_reads_is_declared() -> None:
    source = CONFIG.read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:iron)?(?:\.get\(|\[)"([A-Z_]+)"', source))
    read |= set(re.findall(r'_(?:int|bool|float|require)\(\s*env(?:iron)?,\s*"([A-Z_]+)"', source))
    assert len(read) > 10
    assert read <= {d.env for d in DECLARED_SETTINGS}, read - {d.env for d in DECLARED_SETTINGS}


def a_value_other_than_the_default(kind: str, default: object, minimum: int) -> str:
    if kind == "int":
        assert default is None or isinstance(default, int), default
        return str(max(default or 0, minimum) + 7)
    if kind == "float":
        assert default is None or isinstance(default, int | float), default
        return str(float(default or 0) + 1.5)
    if kind == "bool":
        return "false" if default else "true"
    if kind == "path":
        return "/elders/deduce"
    return "een andere waarde"


def test_every_generic_setting_is_read_from_its_variable(tmp_path: Path) -> None:
    base = {
        "SECRET_KEY": "k" * 32,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": "h" * 32,
        "DATABASE_URL": "postgresql+psycopg://niemand@db.example.org/niemand",
        "PUBLIC_BASE_URL": "https://niemand-alleen.example.org",
        "CONTACT_PHONE": "078 123 45 67",
    }
    defaults = load_settings("production", environ=base, instance_path=tmp_path)
    for declared in DECLARED_SETTINGS:
        if declared.kind == "special" or declared.attribute is None:
            continue
        default = getattr(defaults, declared.attribute)
        value = a_value_other_than_the_default(declared.kind, default, declared.minimum)
        environ = {**base, declared.env: value}
        changed = load_settings("production", environ=environ, instance_path=tmp_path)
        assert getattr(changed, declared.attribute) != default, declared.env


def test_the_configuration_document_has_the_generated_table() -> None:
    document = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert with_settings_table(document) == document, (
        "docs/configuration.md is out of date: run "
        "`niemand-alleen settings-table --write docs/configuration.md`"
    )
