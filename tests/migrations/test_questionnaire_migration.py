"""The questionnaire tables arrive on a database that already holds a matched oproep, take
an invitation and an answer (scores checked 1–5), and leave again without touching the
oproep (both databases)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from migration_support import table_names, uuid_value

BEFORE = "7dec8e7f4159"
ADDED = "cc8c4e230888"


def test_questionnaire_tables_come_and_go_around_an_existing_oproep(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    oproep_id = uuid.uuid4()
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO oproep (id, places, status, created_at) "
                    "VALUES (:id, 3, 'matched', CURRENT_TIMESTAMP)"
                ),
                {"id": uuid_value(engine, oproep_id)},
            )
        upgrade(revision=ADDED)
        assert {"questionnaire_invitation", "questionnaire_answer"} <= table_names(fresh_app)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO questionnaire_invitation "
                    "(id, audience, oproep_id, token_hash, sent_at, expires_at) VALUES "
                    "(:id, 'neighbour', (SELECT id FROM oproep), 'hash', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"id": uuid_value(engine, uuid.uuid4())},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO questionnaire_answer "
                    "(id, audience, answered_on, score_1, score_2, score_3) VALUES "
                    "(:id, 'neighbour', CURRENT_DATE, 1, 3, 5)"
                ),
                {"id": uuid_value(engine, uuid.uuid4())},
            )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO questionnaire_answer "
                    "(id, audience, answered_on, score_1, score_2, score_3) VALUES "
                    "(:id, 'neighbour', CURRENT_DATE, 6, 3, 5)"
                ),
                {"id": uuid_value(engine, uuid.uuid4())},
            )

        downgrade(revision=BEFORE)
        names = table_names(fresh_app)
        assert "questionnaire_invitation" not in names
        assert "questionnaire_answer" not in names
        with engine.connect() as connection:
            statuses = connection.execute(sa.text("SELECT status FROM oproep")).scalars().all()
        assert statuses == ["matched"]
        upgrade()
