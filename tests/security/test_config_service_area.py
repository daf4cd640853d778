"""The service area (``SERVICE_AREA_PC4``) and the distance limit for neighbours from outside
it (``OUTSIDE_AREA_MAX_DISTANCE_KM``) are checked when the service starts: a bad value stops
it with one line naming the setting, in Dutch and English."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from niemand_alleen.config import DORDRECHT_PC4, ConfigError, load_settings


def refusal(tmp_path: Path, **environ: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings("test", environ=environ, instance_path=tmp_path)
    message = str(caught.value)
    assert caught.value.setting in environ
    assert message.startswith(f"{caught.value.setting}: ")
    assert "\n" not in message
    assert " / " in message  # Dutch / English
    return message


def test_the_default_area_is_dordrecht(tmp_path: Path) -> None:
    settings = load_settings("test", environ={}, instance_path=tmp_path)
    assert settings.service_area_pc4 == DORDRECHT_PC4
    assert sorted(DORDRECHT_PC4) == [
        "3311",
        "3312",
        "3313",
        "3314",
        "3315",
        "3316",
        "3317",
        "3318",
        "3319",
        "3328",
        "3329",
    ]
    assert settings.outside_area_max_distance_km == 2.0
    # An empty value counts as not set, as for every setting.
    unset = load_settings("test", environ={"SERVICE_AREA_PC4": ""}, instance_path=tmp_path)
    assert unset.service_area_pc4 == DORDRECHT_PC4


@pytest.mark.parametrize(
    ("raw", "area"),
    [
        ("3311-3319,3328,3329", DORDRECHT_PC4),
        (" 3311 - 3313 ;3351 ", frozenset({"3311", "3312", "3313", "3351"})),
        ("3351\n3352, 3352", frozenset({"3351", "3352"})),
    ],
)
def test_codes_and_ranges_are_read(tmp_path: Path, raw: str, area: frozenset[str]) -> None:
    settings = load_settings("test", environ={"SERVICE_AREA_PC4": raw}, instance_path=tmp_path)
    assert settings.service_area_pc4 == area


@pytest.mark.parametrize(
    ("raw", "dutch"),
    [
        (",", "bevat geen postcodegebied"),
        ("  ;  ", "bevat geen postcodegebied"),
        ("3311,331", "'331' is geen postcodegebied"),
        ("0311", "'0311' is geen postcodegebied"),
        ("3311AB", "'3311AB' is geen postcodegebied"),
        ("Dordrecht", "'Dordrecht' is geen postcodegebied"),
        ("3319-3311", "'3319-3311' is geen postcodegebied"),
        ("3311-", "'3311-' is geen postcodegebied"),
        ("x" * 500, "'xxxxxxxxxxxxxxxxxxxx…' is geen postcodegebied"),
    ],
)
def test_a_bad_service_area_stops_the_start(tmp_path: Path, raw: str, dutch: str) -> None:
    message = refusal(tmp_path, SERVICE_AREA_PC4=raw)
    assert dutch in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("raw", "dutch"),
    [
        ("0", "moet groter dan 0 zijn"),
        ("-2", "moet groter dan 0 zijn"),
        ("twee", "moet een getal zijn"),
        ("2,5", "moet een getal zijn"),
        ("nan", "moet een getal zijn"),
        ("inf", "moet een getal zijn"),
    ],
)
def test_a_bad_distance_stops_the_start(tmp_path: Path, raw: str, dutch: str) -> None:
    assert dutch in refusal(tmp_path, OUTSIDE_AREA_MAX_DISTANCE_KM=raw)


def test_a_distance_may_have_decimals(tmp_path: Path) -> None:
    settings = load_settings(
        "test", environ={"OUTSIDE_AREA_MAX_DISTANCE_KM": "2.5"}, instance_path=tmp_path
    )
    assert settings.outside_area_max_distance_km == 2.5


def test_the_command_refuses_to_start_with_a_bad_area(tmp_path: Path) -> None:
    """``niemand-alleen --preset production db current``: one line, exit 2, nothing written."""
    command = shutil.which("niemand-alleen", path=str(Path(sys.executable).parent))
    assert command, "console script missing: run pip install -e ."
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "SECRET_KEY": "k" * 32,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": "h" * 32,
        "DATABASE_URL": "postgresql+psycopg://niemand@db.example.org/niemand",
        "PUBLIC_BASE_URL": "https://niemand-alleen.example.org",
        "CONTACT_PHONE": "078 123 45 67",
        "SERVICE_AREA_PC4": "3311-3319,33280",
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
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "SERVICE_AREA_PC4: '33280' is geen postcodegebied" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "instance").exists()


def test_the_service_area_has_a_name_people_know(tmp_path: Path) -> None:
    assert load_settings("test", environ={}, instance_path=tmp_path).service_area_name == (
        "Dordrecht"
    )
    named = load_settings(
        "test", environ={"SERVICE_AREA_NAME": "  de  Drechtsteden "}, instance_path=tmp_path
    )
    assert named.service_area_name == "de Drechtsteden"


@pytest.mark.parametrize("raw", ["<b>Dordrecht</b>", "3311", "D" * 61, "Dordrecht\x00"])
def test_a_bad_service_area_name_stops_the_start(tmp_path: Path, raw: str) -> None:
    assert "moet een plaatsnaam zijn" in refusal(tmp_path, SERVICE_AREA_NAME=raw)
