"""The password-reset table arrives on a database that already holds staff accounts, and
leaves again without touching them (both databases)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from migration_support import table_names, uuid_value

BEFORE = "1e886d7783f2"
ADDED = "6ba3ed0e869d"


def test_password_resets_come_and_go_around_existing_accounts(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    user_id = uuid.uuid4()
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO user_account (id, email, email_hash, name, role, "
                    "password_hash, active, created_at) VALUES (:id, 'versleuteld', 'h', "
                    "'versleuteld', 'coordinator', 'argon', :yes, CURRENT_TIMESTAMP)"
                ),
                {"id": uuid_value(engine, user_id), "yes": True},
            )
        upgrade(revision=ADDED)
        assert "password_reset" in table_names(fresh_app)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO password_reset (token_hash, user_id, requested_at) "
                    "VALUES (:hash, :user, CURRENT_TIMESTAMP)"
                ),
                {"hash": "a" * 64, "user": uuid_value(engine, user_id)},
            )
            open_links = connection.execute(
                sa.text("SELECT count(*) FROM password_reset WHERE used_at IS NULL")
            ).scalar_one()
        assert open_links == 1

        downgrade(revision=BEFORE)
        assert "password_reset" not in table_names(fresh_app)
        with engine.connect() as connection:
            hashes = connection.execute(sa.text("SELECT email_hash FROM user_account")).all()
        assert [row[0] for row in hashes] == ["h"]
        upgrade()
