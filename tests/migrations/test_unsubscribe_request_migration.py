"""The unsubscribe-request table arrives on a database that already holds organisations,
and leaves again without touching them (both databases)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from support import Databases

from niemand_alleen import create_app
from niemand_alleen.config import load_settings

BEFORE = "fec54fd0145e"
ADDED = "fabf12bfc010"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_app(
    request: pytest.FixtureRequest, test_databases: Databases, tmp_path: Path
) -> Iterator[Flask]:
    url = test_databases.new_url(request.param)
    settings = load_settings("test", environ={}, instance_path=tmp_path).with_overrides(
        database_url=url
    )
    app = create_app(settings, migrations=True)
    yield app
    app.extensions["database"].engine.dispose()


def _tables(app: Flask) -> set[str]:
    return set(sa.inspect(app.extensions["database"].engine).get_table_names())


def _id(engine: sa.Engine, value: uuid.UUID) -> object:
    # SQLAlchemy's Uuid is CHAR(32) hex on SQLite and a native uuid on PostgreSQL.
    return value.hex if engine.name == "sqlite" else value


def test_unsubscribe_requests_come_and_go_around_existing_organisations(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    organisation_id = uuid.uuid4()
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO organisation (id, name, contact_emails, active, created_at) "
                    "VALUES (:id, 'Buurtkerk', 'versleuteld', :yes, CURRENT_TIMESTAMP)"
                ),
                {"id": _id(engine, organisation_id), "yes": True},
            )
        upgrade(revision=ADDED)
        assert "unsubscribe_request" in _tables(fresh_app)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO unsubscribe_request (id, organisation_id, requested_at) "
                    "VALUES (:id, (SELECT id FROM organisation), CURRENT_TIMESTAMP)"
                ),
                {"id": _id(engine, uuid.uuid4())},
            )
            open_requests = connection.execute(
                sa.text("SELECT count(*) FROM unsubscribe_request WHERE used_at IS NULL")
            ).scalar_one()
        assert open_requests == 1

        downgrade(revision=BEFORE)
        assert "unsubscribe_request" not in _tables(fresh_app)
        with engine.connect() as connection:
            names = connection.execute(sa.text("SELECT name FROM organisation")).scalars().all()
        assert names == ["Buurtkerk"]
        upgrade()
