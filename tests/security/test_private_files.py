"""The instance folder, the SQLite files, the demo keys and the anonymiser's cache are the
service user's alone (0700 / 0600), whatever the umask it was started with; start-up and
``niemand-alleen db check`` name such a path, with its mode, when it is looser."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from niemand_alleen import create_app
from niemand_alleen.anonymiser.engine import load_deduce
from niemand_alleen.anonymiser.model import AnonymiserCacheError
from niemand_alleen.cli import main
from niemand_alleen.config import load_settings

COMMAND = str(Path(sys.executable).parent / "niemand-alleen")
USUAL_UMASK = 0o022  # what a login shell on most machines starts with


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(args: list[str], instance: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "INSTANCE_PATH": str(instance), **env}
    for name in ("DATABASE_URL", "NIEMAND_ALLEEN_PRESET", "DEDUCE_CACHE_DIR"):
        if name not in env:
            environ.pop(name, None)
    return subprocess.run(
        args,
        cwd=instance.parent,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=USUAL_UMASK,
    )


def test_the_demo_creates_its_files_owner_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    result = run([COMMAND, "demo", "--no-serve"], instance)
    assert result.returncode == 0, result.stderr[-2000:]
    assert mode(instance) == 0o700
    assert mode(instance / "demo-keys.json") == 0o600
    database_files = list(instance.glob("niemand-alleen.sqlite3*"))
    assert database_files
    for path in database_files:
        assert mode(path) == 0o600, path.name
    assert "Let op" not in result.stderr
    assert "open to other users" not in result.stderr


def test_db_check_and_start_up_name_loose_files(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run([COMMAND, "demo", "--no-serve"], instance).returncode == 0
    instance.chmod(0o755)
    (instance / "demo-keys.json").chmod(0o644)
    (instance / "niemand-alleen.sqlite3").chmod(0o640)

    checked = run([COMMAND, "db", "check"], instance)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "No new upgrade operations detected" in checked.stdout  # Flask-Migrate's check
    warnings = [line for line in checked.stderr.splitlines() if line.startswith("Let op")]
    assert warnings == [
        f"Let op: {instance} is niet alleen voor de eigenaar (rechten 0755, moet 0700 zijn). "
        f"Herstel: chmod 700 {instance}",
        f"Let op: {instance / 'demo-keys.json'} is niet alleen voor de eigenaar "
        f"(rechten 0644, moet 0600 zijn). Herstel: chmod 600 {instance / 'demo-keys.json'}",
        f"Let op: {instance / 'niemand-alleen.sqlite3'} is niet alleen voor de eigenaar "
        f"(rechten 0640, moet 0600 zijn). Herstel: chmod 600 "
        f"{instance / 'niemand-alleen.sqlite3'}",
    ]

    started = run([COMMAND, "demo", "--no-serve"], instance)
    assert started.returncode == 0
    for path, loose in [(instance, "0755"), (instance / "demo-keys.json", "0644")]:
        assert f"private path open to other users path={path} mode={loose}" in started.stderr


def test_db_check_is_quiet_about_private_files(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert run([COMMAND, "demo", "--no-serve"], instance).returncode == 0
    checked = run([COMMAND, "db", "check"], instance)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "Let op" not in checked.stderr


def test_the_web_app_factory_warns_about_a_loose_deduce_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "deduce-cache"
    (cache / "cache").mkdir(parents=True, mode=0o700)
    cache.chmod(0o755)
    settings = load_settings("test", environ={}, instance_path=tmp_path / "instance")
    settings = settings.with_overrides(
        database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}", deduce_cache_dir=cache
    )
    with caplog.at_level(logging.WARNING, logger="niemand_alleen"):
        app = create_app(settings)
    app.extensions["database"].engine.dispose()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"private path open to other users path={cache} mode=0755 expected=0700"]


def test_the_wsgi_entry_point_keeps_new_files_private(tmp_path: Path) -> None:
    code = "import os, niemand_alleen.wsgi; print(oct(os.umask(0)))"
    result = run([sys.executable, "-c", code], tmp_path / "instance", NIEMAND_ALLEEN_PRESET="demo")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "0o77"


def test_the_command_keeps_new_files_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    before = os.umask(USUAL_UMASK)
    try:
        main.main(["jobs", "--help"], standalone_mode=False)
        now = os.umask(USUAL_UMASK)
    finally:
        os.umask(before)
    assert now == 0o077


def test_a_new_deduce_cache_folder_is_owner_only(tmp_path: Path) -> None:
    before = os.umask(USUAL_UMASK)
    try:
        with pytest.raises(AnonymiserCacheError, match="warmup"):
            load_deduce(tmp_path / "empty", build=False)
    finally:
        os.umask(before)
    assert mode(tmp_path / "empty") == 0o700
