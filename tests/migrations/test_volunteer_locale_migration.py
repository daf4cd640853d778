"""The ``locale`` of a sign-up arrives on a database that already holds sign-ups (they were
made in Dutch) and leaves again without touching them (both databases)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from migration_support import uuid_value

BEFORE = "cc8c4e230888"
ADDED = "77af15c2912b"


def _columns(engine: sa.Engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("volunteer")}


def _add_signup(connection: sa.Connection, engine: sa.Engine, pc4: str) -> None:
    volunteer_id = uuid.uuid4()
    connection.execute(
        sa.text(
            "INSERT INTO volunteer (id, first_name, last_name, email, email_hash, phone, "
            "postcode, house_number, pc4, location_precision, consent_at, contact_again, "
            "outside_area, status, created_at) VALUES (:id, 'x', 'x', 'x', :hash, 'x', 'x', "
            "'x', :pc4, 'pc4', CURRENT_TIMESTAMP, :no, :no, 'confirmed', CURRENT_TIMESTAMP)"
        ),
        {"id": uuid_value(engine, volunteer_id), "hash": volunteer_id.hex, "pc4": pc4, "no": False},
    )


def test_locale_comes_and_goes_around_existing_signups(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            _add_signup(connection, engine, "3328")
        assert "locale" not in _columns(engine)

        upgrade(revision=ADDED)
        assert "locale" in _columns(engine)
        with engine.begin() as connection:
            # A row written without the column (as older code would) was made in Dutch.
            _add_signup(connection, engine, "3317")
            connection.execute(
                sa.text(
                    "INSERT INTO volunteer (id, first_name, last_name, email, email_hash, phone, "
                    "postcode, house_number, pc4, location_precision, consent_at, contact_again, "
                    "outside_area, locale, status, created_at) VALUES (:id, 'x', 'x', 'x', 'h', "
                    "'x', 'x', 'x', '3351', 'pc4', CURRENT_TIMESTAMP, :no, :no, 'en', "
                    "'confirmed', CURRENT_TIMESTAMP)"
                ),
                {"id": uuid_value(engine, uuid.uuid4()), "no": False},
            )
            rows = connection.execute(
                sa.text("SELECT pc4, locale FROM volunteer ORDER BY pc4")
            ).all()
        assert [tuple(row) for row in rows] == [("3317", "nl"), ("3328", "nl"), ("3351", "en")]

        downgrade(revision=BEFORE)
        assert "locale" not in _columns(engine)
        with engine.connect() as connection:
            kept = connection.execute(sa.text("SELECT pc4 FROM volunteer ORDER BY pc4")).scalars()
            assert list(kept) == ["3317", "3328", "3351"]
        upgrade()
