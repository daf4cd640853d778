"""The unsubscribe-request table arrives on a database that already holds organisations,
and leaves again without touching them (both databases)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from migration_support import table_names, uuid_value

BEFORE = "fec54fd0145e"
ADDED = "fabf12bfc010"


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
                {"id": uuid_value(engine, organisation_id), "yes": True},
            )
        upgrade(revision=ADDED)
        assert "unsubscribe_request" in table_names(fresh_app)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO unsubscribe_request (id, organisation_id, requested_at) "
                    "VALUES (:id, (SELECT id FROM organisation), CURRENT_TIMESTAMP)"
                ),
                {"id": uuid_value(engine, uuid.uuid4())},
            )
            open_requests = connection.execute(
                sa.text("SELECT count(*) FROM unsubscribe_request WHERE used_at IS NULL")
            ).scalar_one()
        assert open_requests == 1

        downgrade(revision=BEFORE)
        assert "unsubscribe_request" not in table_names(fresh_app)
        with engine.connect() as connection:
            names = connection.execute(sa.text("SELECT name FROM organisation")).scalars().all()
        assert names == ["Buurtkerk"]
        upgrade()
