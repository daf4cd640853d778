"""A web worker stays light: creating the WSGI app (and serving a few pages) never imports
the geometry libraries, alembic or the anonymiser's deduce (issue #17). Those load where
they are used: a map, locating an address, a ranking, the CLI's ``db`` commands, the worker.

Each check runs in a fresh Python process, because this test process has imported all of
them long ago."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "shapely", "geographiclib", "alembic", "flask_migrate", "deduce", "docdeid")

CREATE_WSGI_APP = """
import json, sys
from niemand_alleen.wsgi import app
loaded = {"after_create": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)}
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/privacy", "/over", "/inloggen")]
loaded["after_pages"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
loaded["statuses"] = statuses
print(json.dumps(loaded))
"""


def _environment(instance: Path) -> dict[str, str]:
    env = {**os.environ, "INSTANCE_PATH": str(instance), "NIEMAND_ALLEEN_PRESET": "demo"}
    env.pop("DATABASE_URL", None)  # the demo's own SQLite file in the instance folder
    return env


@pytest.fixture(scope="module")
def migrated_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance folder whose database the CLI's ``db upgrade`` built."""
    instance = tmp_path_factory.mktemp("footprint") / "instance"
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "db", "upgrade"]
    done = subprocess.run(
        command, env=_environment(instance), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return instance


def test_the_cli_db_upgrade_still_migrates(migrated_instance: Path) -> None:
    with sqlite3.connect(migrated_instance / "niemand-alleen.sqlite3") as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision


def test_the_wsgi_app_imports_no_heavy_library(migrated_instance: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{CREATE_WSGI_APP}"],
        env=_environment(migrated_instance),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded["after_create"] == []
    assert loaded["statuses"] == [200, 200, 200]
    assert loaded["after_pages"] == []
