"""The indexes the staff lists read their pages from come with the migration and go with
its downgrade; the data stays (both databases)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from niemand_alleen.resources import resource_dir

ADDED = "7dec8e7f4159"
# The revision before it, read from the script: it moves when other migrations merge first.
BEFORE = ScriptDirectory(str(resource_dir("migrations"))).get_revision(ADDED).down_revision
assert isinstance(BEFORE, str)
INDEXES = {
    ("resident", "ix_resident_registered_by_id_created_at", ("registered_by_id", "created_at")),
    ("oproep", "ix_oproep_created_at", ("created_at",)),
}


def _list_indexes(engine: sa.Engine) -> set[tuple[str, str, tuple[str, ...]]]:
    inspector = sa.inspect(engine)
    return {
        (table, str(index["name"]), tuple(str(c) for c in index["column_names"]))
        for table in ("resident", "oproep")
        for index in inspector.get_indexes(table)
        if index["name"] in {name for _, name, _ in INDEXES}
    }


def test_the_list_indexes_come_and_go(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO oproep (id, places, status, created_at) "
                    "VALUES ('00000000000000000000000000000001', 3, 'draft', CURRENT_TIMESTAMP)"
                    if engine.dialect.name == "sqlite"
                    else "INSERT INTO oproep (id, places, status, created_at) VALUES "
                    "('00000000-0000-0000-0000-000000000001', 3, 'draft', CURRENT_TIMESTAMP)"
                )
            )
        assert _list_indexes(engine) == set()
        upgrade(revision=ADDED)
        assert _list_indexes(engine) == INDEXES
        downgrade(revision=BEFORE)
        assert _list_indexes(engine) == set()
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM oproep")).scalar_one() == 1
        upgrade()
