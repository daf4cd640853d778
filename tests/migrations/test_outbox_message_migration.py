"""The outbox's stored message arrives on a database with queued mails, which the sender
then renders at their first send, and leaves again without touching them (both databases)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from niemand_alleen.resources import resource_dir

ADDED = "0289b53cc284"
# The revision before it, read from the script: it moves when other migrations merge first.
BEFORE = ScriptDirectory(str(resource_dir("migrations"))).get_revision(ADDED).down_revision
assert isinstance(BEFORE, str)


def _columns(app: Flask) -> set[str]:
    engine = app.extensions["database"].engine
    return {column["name"] for column in sa.inspect(engine).get_columns("outbox_mail")}


def _queue(connection: sa.Connection, key: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO outbox_mail (idempotency_key, kind, recipient, subject, body_text, "
            "status, attempts, next_attempt_at, created_at) VALUES (:key, 'oproep', "
            "'versleuteld', 'versleuteld', 'versleuteld', 'pending', 0, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"
        ),
        {"key": key},
    )


def test_the_stored_message_comes_and_goes_around_queued_mails(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            _queue(connection, "queued-before")
        upgrade(revision=ADDED)
        assert "message" in _columns(fresh_app)
        with engine.begin() as connection:
            _queue(connection, "queued-after")
            connection.execute(
                sa.text(
                    "UPDATE outbox_mail SET message = 'versleuteld' WHERE idempotency_key = :k"
                ),
                {"k": "queued-after"},
            )
            rows = connection.execute(
                sa.text("SELECT idempotency_key, message FROM outbox_mail ORDER BY id")
            ).all()
        # A mail queued before has no stored text yet: the sender renders it at first send.
        assert [tuple(row) for row in rows] == [
            ("queued-before", None),
            ("queued-after", "versleuteld"),
        ]

        downgrade(revision=BEFORE)
        assert "message" not in _columns(fresh_app)
        with engine.connect() as connection:
            keys = connection.execute(
                sa.text("SELECT idempotency_key, body_text FROM outbox_mail ORDER BY id")
            ).all()
        assert [tuple(row) for row in keys] == [
            ("queued-before", "versleuteld"),
            ("queued-after", "versleuteld"),
        ]
        upgrade()
