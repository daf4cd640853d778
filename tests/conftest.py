"""Shared fixtures: an app per test on SQLite and on PostgreSQL, databases built by migrations.

PostgreSQL comes from ``TEST_DATABASE_URL`` (a role that may create databases). Without it the
PostgreSQL half is skipped, unless ``NA_REQUIRE_ALL_PARTS=1`` (set by CI), which fails instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import factories
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings
from smtp import TestSmtpServer
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel
from support import GetCsrf, LoginAs, MakeUser, SettingsFor, csrf_token, login

from niemand_alleen import create_app
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.auth import passwords
from niemand_alleen.config import Settings, load_settings
from niemand_alleen.db import make_engine
from niemand_alleen.models import Role, User

# The PostgreSQL half carries the ``postgres`` marker: ``dev.py test --fast`` leaves it out.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Real argon2 costs ~0.3 s per login; tests use cheap parameters (still argon2id, still a
# dummy hash for unknown accounts). tests/auth/test_user_admin.py checks the real ones.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_FAST_DUMMY = _FAST_HASHER.hash("dummy password for unknown accounts")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _FAST_HASHER)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _FAST_DUMMY)


REQUIRE_ALL_PARTS = os.environ.get("NA_REQUIRE_ALL_PARTS") == "1"

# CI draws the same property-test examples every run, so a red run can be run again and a
# green one means the same thing twice; locally each run explores new examples.
hypothesis_settings.register_profile("ci", derandomize=True)
if REQUIRE_ALL_PARTS:
    hypothesis_settings.load_profile("ci")


def require_part(name: str, reason: str) -> NoReturn:
    """Skip locally when a real part is missing; fail in CI, where every part is required."""
    if REQUIRE_ALL_PARTS:
        pytest.fail(f"{name} is required (NA_REQUIRE_ALL_PARTS=1): {reason}")
    pytest.skip(f"{name} not available: {reason}")


@dataclass
class TestDatabases:
    """Creates throw-away databases; PostgreSQL ones are dropped at the end of the run."""

    tmp: Path
    postgres_admin_url: str | None
    created: list[str]

    def new_url(self, backend: str) -> str:
        name = f"na_test_{secrets.token_hex(6)}"
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        if not self.postgres_admin_url:
            require_part("PostgreSQL", "set TEST_DATABASE_URL")
        admin = sa.create_engine(self.postgres_admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as error:
            require_part("PostgreSQL", f"cannot connect: {type(error).__name__}")
        finally:
            admin.dispose()
        self.created.append(name)
        url = make_url(self.postgres_admin_url).set(database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.postgres_admin_url or not self.created:
            return
        admin = sa.create_engine(self.postgres_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    databases = TestDatabases(
        tmp=tmp_path_factory.mktemp("db"),
        postgres_admin_url=os.environ.get("TEST_DATABASE_URL"),
        created=[],
    )
    yield databases
    databases.drop_all()


def make_settings(tmp: Path, database_url: str, **overrides: object) -> Settings:
    settings = load_settings("test", environ={}, instance_path=tmp / "instance")
    return settings.with_overrides(database_url=database_url, **overrides)


def migrate_to_head(settings: Settings) -> None:
    app = create_app(settings, migrations=True)
    with app.app_context():
        upgrade()
    app.extensions["database"].engine.dispose()


@pytest.fixture(scope="session")
def settings_for() -> SettingsFor:
    """``make_settings`` for conftests below (under importlib mode this one is not importable)."""
    return make_settings


@pytest.fixture(scope="session")
def migrate_database() -> Callable[[Settings], None]:
    """``migrate_to_head`` for conftests below: builds a database by running the migrations."""
    return migrate_to_head


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(
    request: pytest.FixtureRequest,
    test_databases: TestDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """One database per backend per run, built by running the migrations."""
    url = test_databases.new_url(request.param)
    migrate_to_head(make_settings(tmp_path_factory.mktemp("migrate"), url))
    return url


def _empty_all_tables(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


# deduce's lookup cache: ``$NA_DEDUCE_CACHE`` or ``.cache/deduce`` at the repository root
# (git-ignored). The first run builds it (a few minutes); later runs load it in seconds.
DEDUCE_CACHE_DIR = Path(
    os.environ.get("NA_DEDUCE_CACHE") or Path(__file__).resolve().parents[1] / ".cache" / "deduce"
)


@pytest.fixture(scope="session")
def deduce_cache_dir() -> Path:
    return DEDUCE_CACHE_DIR


@pytest.fixture(scope="session")
def anonymiser(deduce_cache_dir: Path) -> Anonymiser:
    """The real de-identification library, loaded once per test session (~10 s, ~1 GB)."""
    return Anonymiser(deduce_cache_dir)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[TestSmtpServer]:
    server = TestSmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server: TestSmtpServer) -> Iterator[TestSmtpServer]:
    """The real SMTP server every test app sends to, emptied (and up) for each test."""
    _smtp_server.start()
    _smtp_server.reset()
    yield _smtp_server
    _smtp_server.start()


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path, _smtp_server: TestSmtpServer) -> Settings:
    return make_settings(tmp_path, migrated_url, mail_port=_smtp_server.port)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    engine = app.extensions["database"].engine
    _empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask, settings: Settings) -> Iterator[Session]:
    """A session outside any request, for arranging and checking data.

    Its SQLite transactions are deferred, so a test that reads and then lets a request run
    does not hold the write lock against the app.
    """
    engine = make_engine(settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def make_user(db_session: Session) -> MakeUser:
    def _make(
        role: Role = Role.COORDINATOR, email: str | None = None, name: str = "Test Medewerker"
    ) -> User:
        return factories.user(db_session, role, email=email, name=name)

    return _make


@pytest.fixture
def get_csrf() -> GetCsrf:
    return csrf_token


@pytest.fixture
def login_as(client: FlaskClient, make_user: MakeUser) -> LoginAs:
    def _login(role: Role) -> User:
        user = make_user(role)
        login(client, user.email)
        return user

    return _login
