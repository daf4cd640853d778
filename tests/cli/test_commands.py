"""The niemand-alleen commands: each does its job, and bad input changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from cryptography.fernet import Fernet
from flask import Flask
from sqlmodel import Session, func, select
from support import MakeUser, csrf_token

from niemand_alleen.cli import demo_settings, main
from niemand_alleen.config import Settings
from niemand_alleen.crypto import configure_keyring
from niemand_alleen.models import Buurt, Organisation, PostcodePoint, User, Wijk
from niemand_alleen.resources import resource_dir


def invoke(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(main, list(args), input=input)


def count(session: Session, model: type) -> int:
    # End the read transaction: on SQLite every transaction holds the write lock.
    session.rollback()
    number = session.exec(select(func.count()).select_from(model)).one()
    session.rollback()
    return number


def test_create_user_prints_a_password_that_works(app: Flask, db_session: Session) -> None:
    result = invoke(
        app, "create-user", "--email", "Anna@Example.org", "--name", "Anna", "--role", "coordinator"
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("getoond): ")[1].strip()
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/inloggen", data={"email": "anna@example.org", "password": password, "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "geen-domein", "--name", "Anna", "--role", "beheerder"], "geldig e-mailadres"),
        (["--email", "a@example.org", "--name", "x" * 500, "--role", "beheerder"], "hoogstens 120"),
        (["--email", "a@example.org", "--name", "   ", "--role", "beheerder"], "Vul een naam in"),
    ],
)
def test_create_user_refuses_bad_input(
    app: Flask, db_session: Session, args: list[str], message: str
) -> None:
    result = invoke(app, "create-user", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert count(db_session, User) == 0


def test_create_user_refuses_weak_password_from_stdin(app: Flask, db_session: Session) -> None:
    result = invoke(
        app,
        "create-user",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--role",
        "buurtwerker",
        "--password-stdin",
        input="kort\n",
    )
    assert result.exit_code == 2
    assert "minstens 12 tekens" in result.output
    assert count(db_session, User) == 0


def test_create_user_refuses_a_duplicate_email(
    app: Flask, db_session: Session, make_user: MakeUser
) -> None:
    make_user(email="dubbel@example.org")
    result = invoke(
        app, "create-user", "--email", "DUBBEL@example.org", "--name", "B", "--role", "beheerder"
    )
    assert result.exit_code == 2
    assert "al een account" in result.output
    assert count(db_session, User) == 1


def test_import_geo_shipped_loads_dordrecht(app: Flask, db_session: Session) -> None:
    result = invoke(app, "import-geo", "--shipped")
    assert result.exit_code == 0, result.output
    assert "13 wijken, 132 buurten, 45 postcodepunten" in result.output
    assert count(db_session, Wijk) == 13
    assert count(db_session, Buurt) == 132
    # Running it again updates in place.
    assert invoke(app, "import-geo", "--shipped").exit_code == 0
    assert count(db_session, Wijk) == 13


def test_import_geo_with_pc6_points(app: Flask, db_session: Session, tmp_path: Path) -> None:
    invoke(app, "import-geo", "--shipped")
    points = tmp_path / "pc6.csv"
    points.write_text("postcode,lat,lon\n3328AB,51.79,4.69\n3311CD,51.81,4.66\n", encoding="utf-8")
    result = invoke(app, "import-geo", "--points", str(points), "--source", "test PC6")
    assert result.exit_code == 0, result.output
    point = db_session.get(PostcodePoint, "3328AB")
    assert point is not None
    assert point.precision == "pc6"


def test_import_geo_bad_file_changes_nothing(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    wijken = json.loads((resource_dir("postcodes") / "dordrecht_wijken_2024.geojson").read_text())
    wijken["features"][3]["properties"]["statcode"] = "WIJK4"
    bad = tmp_path / "wijken.geojson"
    bad.write_text(json.dumps(wijken), encoding="utf-8")
    points = tmp_path / "pc4.csv"
    points.write_text("pc4,plaats,lat,lon\n3311,Dordrecht,51.8,4.67\n", encoding="utf-8")
    result = invoke(
        app, "import-geo", "--wijken", str(bad), "--points", str(points), "--source", "x"
    )
    assert result.exit_code == 2
    assert "Niets geïmporteerd" in result.output
    assert "feature 4" in result.output
    assert count(db_session, Wijk) == 0
    assert count(db_session, PostcodePoint) == 0


def test_import_geo_buurt_without_known_wijk_changes_nothing(
    app: Flask, db_session: Session
) -> None:
    buurten = str(resource_dir("postcodes") / "dordrecht_buurten_2024.geojson")
    result = invoke(app, "import-geo", "--buurten", buurten, "--source", "CBS")
    assert result.exit_code == 2
    assert "not known" in result.output
    assert count(db_session, Buurt) == 0


def test_import_geo_needs_something_to_import(app: Flask) -> None:
    result = invoke(app, "import-geo")
    assert result.exit_code == 2
    assert "--shipped" in result.output


def test_jobs_list_and_run(app: Flask) -> None:
    listing = invoke(app, "jobs", "list")
    assert "purge-staff-sessions" in listing.output
    assert invoke(app, "jobs", "run", "purge-staff-sessions").exit_code == 0
    unknown = invoke(app, "jobs", "run", "bestaat-niet")
    assert unknown.exit_code == 2
    assert "Onbekende taak" in unknown.output


def test_rotate_keys_reencrypts_with_the_new_key(
    app: Flask, db_session: Session, make_user: MakeUser, settings: Settings
) -> None:
    make_user(email="roteer@example.org", name="Roos Roteer")
    new_key = Fernet.generate_key().decode()
    configure_keyring((new_key, *settings.encryption_keys), settings.hash_key)
    result = invoke(app, "rotate-keys")
    assert result.exit_code == 0, result.output
    raw = db_session.execute(sa.text("SELECT name FROM user_account")).scalar_one()
    assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() == "Roos Roteer"


def test_demo_sets_up_once_and_keeps_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from click.testing import CliRunner

    first = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "demo-keys.json" in first.output
    for email in ("beheerder@example.org", "coordinator@example.org", "buurtwerker@example.org"):
        assert email in first.output
    second = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "bestaan al" in second.output
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'niemand-alleen.sqlite3'}")
    with Session(engine) as session:
        assert count(session, User) == 3
        assert count(session, Organisation) == 6
        assert count(session, Wijk) == 13
    engine.dispose()


@pytest.mark.parametrize(
    ("host", "port", "base"),
    [
        ("127.0.0.1", 5000, "http://127.0.0.1:5000"),
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104 (a host string, nothing binds)
        ("::", 8080, "http://127.0.0.1:8080"),
        ("::1", 8080, "http://[::1]:8080"),
        ("buurt.local", 80, "http://buurt.local:80"),
    ],
)
def test_demo_mail_links_follow_where_it_serves(
    tmp_path: Path, host: str, port: int, base: str
) -> None:
    """A demo on another port must not send confirm links to port 5000."""
    settings = demo_settings(host, port, {"INSTANCE_PATH": str(tmp_path)})
    assert settings.public_base_url == base


def test_demo_mail_links_keep_a_configured_public_address(tmp_path: Path) -> None:
    env = {"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": "https://buren.example.nl/"}
    assert demo_settings("127.0.0.1", 8123, env).public_base_url == "https://buren.example.nl"


def test_demo_says_where_its_mail_links_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["demo", "--no-serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "Links in mails wijzen naar http://127.0.0.1:8123/" in result.output
