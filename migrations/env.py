"""Alembic environment: the models' metadata and the app's own engine."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

import niemand_alleen.models  # noqa: F401  (fills SQLModel.metadata; else autogenerate drops all)

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

database = current_app.extensions["migrate"].db
target_metadata = database.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render the project's column types as their plain storage type.

    Migrations then never import application code, which may change after they were written.
    """
    if (
        type_ == "type"
        and isinstance(obj, TypeDecorator)
        and type(obj).__module__.startswith("niemand_alleen")
    ):
        return f"sa.{obj.impl!r}"
    return False


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=_render_item,
        **current_app.extensions["migrate"].configure_args,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=str(database.engine.url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with database.engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
