"""What migration tests read and write with plain SQL, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask


def table_names(app: Flask) -> set[str]:
    return set(sa.inspect(app.extensions["database"].engine).get_table_names())


def uuid_value(engine: sa.Engine, value: uuid.UUID) -> object:
    """A uuid as a bound value: CHAR(32) hex on SQLite, a native uuid on PostgreSQL."""
    return value.hex if engine.name == "sqlite" else value
