"""Migrations build exactly the models' schema, both ways, on both databases (R3.3.1–R3.3.4)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlmodel import SQLModel

import niemand_alleen.models  # noqa: F401  (fills SQLModel.metadata)
from niemand_alleen.resources import resource_dir

MIGRATIONS = resource_dir("migrations")


def schema_differences(app: Flask) -> list[object]:
    configure_args = app.extensions["migrate"].configure_args
    with app.extensions["database"].engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": configure_args.get("compare_type", True)}
        )
        return list(compare_metadata(context, SQLModel.metadata))


def table_shapes(app: Flask) -> dict[str, list[tuple[str, str, bool]]]:
    inspector = sa.inspect(app.extensions["database"].engine)
    return {
        table: sorted(
            (column["name"], str(column["type"]), column["nullable"])
            for column in inspector.get_columns(table)
        )
        for table in inspector.get_table_names()
    }


def test_upgrade_to_head_matches_the_models(fresh_app: Flask) -> None:
    """R3.3.1: a fresh database migrated to head has no drift from SQLModel.metadata."""
    with fresh_app.app_context():
        upgrade()
        differences = schema_differences(fresh_app)
    assert differences == []
    tables = set(sa.inspect(fresh_app.extensions["database"].engine).get_table_names())
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_downgrade_to_base_and_up_again(fresh_app: Flask) -> None:
    """R3.3.2: every migration can be undone, and redoing it gives the same schema."""
    with fresh_app.app_context():
        upgrade()
        first = table_shapes(fresh_app)
        downgrade(revision="base")
        left = set(sa.inspect(fresh_app.extensions["database"].engine).get_table_names())
        assert left <= {"alembic_version"}
        upgrade()
        assert table_shapes(fresh_app) == first
        assert schema_differences(fresh_app) == []


def test_migration_template_imports_sqlmodel() -> None:
    """R3.3.3: autogenerate writes sqlmodel.sql.sqltypes.AutoString, so the template imports it."""
    template = (MIGRATIONS / "script.py.mako").read_text(encoding="utf-8")
    assert re.search(r"^import sqlmodel\b", template, re.MULTILINE)
    environment = (MIGRATIONS / "env.py").read_text(encoding="utf-8")
    assert re.search(r"^import niemand_alleen\.models\b", environment, re.MULTILINE)


def test_batch_mode_is_on_for_sqlite(fresh_app: Flask) -> None:
    assert fresh_app.extensions["migrate"].configure_args["render_as_batch"] is True


def test_migrations_do_not_import_application_code() -> None:
    """A migration must keep working when the models change later: it renders plain types."""
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        assert "niemand_alleen" not in source, script.name
        assert "import sqlmodel" in source, script.name


def test_every_constraint_and_index_has_a_name() -> None:
    """R3.3.4: the naming convention covers ix, uq, ck, fk and pk, and leaves nothing unnamed."""
    convention = SQLModel.metadata.naming_convention
    assert {"ix", "uq", "ck", "fk", "pk"} <= set(convention)
    unnamed = []
    for table in SQLModel.metadata.tables.values():
        for constraint in table.constraints:
            if not isinstance(constraint.name, str) or not constraint.name:
                unnamed.append(f"{table.name}: {type(constraint).__name__}")
        for index in table.indexes:
            if not isinstance(index.name, str) or not index.name:
                unnamed.append(f"{table.name}: index {index}")
    assert unnamed == []


def test_foreign_keys_are_named_in_the_database(fresh_app: Flask) -> None:
    """The names reach the database, so later batch migrations can find them (R3.3.4)."""
    with fresh_app.app_context():
        upgrade()
    inspector = sa.inspect(fresh_app.extensions["database"].engine)
    for table in SQLModel.metadata.tables:
        for foreign_key in inspector.get_foreign_keys(table):
            assert foreign_key["name"], (table, foreign_key["referred_table"])
            assert foreign_key["name"].startswith(f"fk_{table}_"), foreign_key["name"]
        for unique in inspector.get_unique_constraints(table):
            assert unique["name"], unique
            assert unique["name"].startswith(f"uq_{table}_"), unique
