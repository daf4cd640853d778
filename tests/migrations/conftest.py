"""The app every migration test starts from: a brand-new, empty database of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from support import Databases

from niemand_alleen import create_app
from niemand_alleen.config import load_settings


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_app(
    request: pytest.FixtureRequest, test_databases: Databases, tmp_path: Path
) -> Iterator[Flask]:
    """An app on a brand-new, empty database of each kind, with Flask-Migrate."""
    url = test_databases.new_url(request.param)
    settings = load_settings("test", environ={}, instance_path=tmp_path).with_overrides(
        database_url=url
    )
    app = create_app(settings, migrations=True)
    yield app
    app.extensions["database"].engine.dispose()
