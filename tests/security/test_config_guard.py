"""Production refuses to start without its secrets (R2.9, R3.4.4, R3.5.1; ASVS 13.3.1).

Every refusal is a ``ConfigError`` naming the setting, with one line in Dutch and English.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from niemand_alleen.config import ConfigError, load_settings

REQUIRED = (
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "HASH_KEY",
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "CONTACT_PHONE",
)


def valid_environ() -> dict[str, str]:
    return {
        "SECRET_KEY": "k" * 32,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": "h" * 32,
        "DATABASE_URL": "postgresql+psycopg://niemand@db.example.org/niemand",
        "PUBLIC_BASE_URL": "https://niemand-alleen.example.org/",
        "CONTACT_PHONE": "078 123 45 67",
    }


def refusal(environ: dict[str, str], tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings("production", environ=environ, instance_path=tmp_path)
    return caught.value


def assert_one_line_naming(error: ConfigError, setting: str) -> None:
    message = str(error)
    assert error.setting == setting
    assert message.startswith(f"{setting}: ")
    assert "\n" not in message
    assert " / " in message  # Dutch / English


def test_a_complete_production_environment_is_accepted(tmp_path: Path) -> None:
    environ = valid_environ()
    environ["ENCRYPTION_KEYS"] = f"{Fernet.generate_key().decode()}, {environ['ENCRYPTION_KEYS']}"
    settings = load_settings("production", environ=environ, instance_path=tmp_path)
    assert settings.is_production
    assert len(settings.encryption_keys) == 2  # rotation: new key first, old key still reads
    assert settings.public_base_url == "https://niemand-alleen.example.org"
    assert settings.mail_use_tls is True
    assert settings.generated_keys_file is None  # production never invents keys


@pytest.mark.parametrize("setting", REQUIRED)
@pytest.mark.parametrize("absent", ["missing", "empty", "blank"])
def test_each_required_setting_missing_is_refused(
    setting: str, absent: str, tmp_path: Path
) -> None:
    environ = valid_environ()
    if absent == "missing":
        del environ[setting]
    else:
        environ[setting] = "" if absent == "empty" else "   "
    error = refusal(environ, tmp_path)
    assert_one_line_naming(error, setting)
    assert "ontbreekt" in str(error)
    assert "missing" in str(error)


@pytest.mark.parametrize("setting", ["SECRET_KEY", "HASH_KEY"])
def test_short_keys_are_refused(setting: str, tmp_path: Path) -> None:
    environ = valid_environ()
    environ[setting] = "k" * 31
    error = refusal(environ, tmp_path)
    assert_one_line_naming(error, setting)
    assert "32" in str(error)


@pytest.mark.parametrize(
    "keys",
    [
        "geen-fernet-sleutel",
        Fernet.generate_key().decode()[:-4],
        f"{Fernet.generate_key().decode()},kapot",
    ],
)
def test_malformed_encryption_keys_are_refused_without_echoing_them(
    keys: str, tmp_path: Path
) -> None:
    environ = valid_environ()
    environ["ENCRYPTION_KEYS"] = keys
    error = refusal(environ, tmp_path)
    assert_one_line_naming(error, "ENCRYPTION_KEYS")
    for part in keys.split(","):
        assert part not in str(error)  # a secret never ends up in a log line


@pytest.mark.parametrize(
    "url", ["sqlite:///var/lib/niemand.sqlite3", "sqlite+pysqlite:////tmp/x.db"]
)
def test_sqlite_is_refused_in_production(url: str, tmp_path: Path) -> None:
    environ = valid_environ()
    environ["DATABASE_URL"] = url
    error = refusal(environ, tmp_path)
    assert_one_line_naming(error, "DATABASE_URL")
    assert "PostgreSQL" in str(error)


def test_test_preset_invents_fresh_keys_each_time(tmp_path: Path) -> None:
    """Throw-away keys in tests, so no test depends on a real secret."""
    first = load_settings("test", environ={}, instance_path=tmp_path)
    second = load_settings("test", environ={}, instance_path=tmp_path)
    assert first.secret_key != second.secret_key
    assert first.encryption_keys != second.encryption_keys


def test_cli_refuses_production_without_secret_key(tmp_path: Path) -> None:
    """``niemand-alleen --preset production db current`` without secrets: one line, exit ≠ 0."""
    command = shutil.which("niemand-alleen", path=str(Path(sys.executable).parent))
    assert command, "console script missing: run pip install -e ."
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        [command, "--preset", "production", "db", "current"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "instance").exists()  # nothing written on the way out


def test_two_processes_starting_at_once_share_the_demo_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker and a web process on an empty instance folder: the second one to write
    takes the first one's keys instead of failing (it did, with FileExistsError)."""
    from niemand_alleen import config

    first, path = config._demo_keys(tmp_path / "one")
    real_link = os.link

    def other_process_wins(source: str, target: str) -> None:
        # the other process links its file in between this one's check and its link
        real_link(path, target)
        real_link(source, target)

    monkeypatch.setattr(config.os, "link", other_process_wins)
    second, second_path = config._demo_keys(tmp_path / "one-more")
    assert second == first
    assert second_path.stat().st_mode & 0o077 == 0
    assert not list((tmp_path / "one-more").glob(".demo-keys-*")), "no scratch file left"


def test_the_contact_phone_is_checked_and_linked(tmp_path: Path) -> None:
    for wrong in ("bel ons", "12", "078 123 45 67\nX-Header: x"):
        environ = {**valid_environ(), "CONTACT_PHONE": wrong}
        assert_one_line_naming(refusal(environ, tmp_path), "CONTACT_PHONE")
    environ = {**valid_environ(), "CONTACT_PHONE": "078  123 45 67", "CONTACT_EMAIL": "x"}
    assert_one_line_naming(refusal(environ, tmp_path), "CONTACT_EMAIL")
    environ["CONTACT_EMAIL"] = "info@niemand-alleen.example.org"
    settings = load_settings("production", environ=environ, instance_path=tmp_path)
    assert settings.contact_phone == "078 123 45 67"
    assert settings.contact_phone_link == "+31781234567"
    assert settings.contact_email == "info@niemand-alleen.example.org"


def test_a_sender_limit_must_stay_below_the_shared_ones(tmp_path: Path) -> None:
    """Otherwise one sender could spend the budget of every neighbour in the city."""
    for shared in ("SIGNUP_RATE_PER_OPROEP_PER_HOUR", "SIGNUP_RATE_GENERAL_PER_HOUR"):
        environ = {**valid_environ(), "SIGNUP_RATE_PER_ADDRESS_PER_HOUR": "20", shared: "20"}
        assert_one_line_naming(refusal(environ, tmp_path), "SIGNUP_RATE_PER_ADDRESS_PER_HOUR")
    settings = load_settings("production", environ=valid_environ(), instance_path=tmp_path)
    assert settings.signup_rate_per_address_per_hour < settings.signup_rate_per_oproep_per_hour
    assert settings.signup_rate_per_email_per_hour < settings.signup_rate_per_address_per_hour
