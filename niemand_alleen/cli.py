"""The ``niemand-alleen`` command: a Flask CLI group with the service's own commands."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from niemand_alleen import create_app
from niemand_alleen.config import PRESETS, ConfigError, load_settings

PRESET_ENV = "NIEMAND_ALLEEN_PRESET"


def _app_from_environment() -> Flask:
    preset = os.environ.get(PRESET_ENV, "demo")
    try:
        settings = load_settings(preset)
    except ConfigError as error:
        click.echo(f"Fout in de configuratie / configuration error: {error}", err=True)
        sys.exit(2)
    return create_app(settings)


def _set_preset(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ[PRESET_ENV] = value


@click.group(
    cls=FlaskGroup,
    create_app=_app_from_environment,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    callback=_set_preset,
    expose_value=False,
    is_eager=True,
    help=f"Configuration preset (default: ${PRESET_ENV} or demo).",
)
def main() -> None:
    """Niemand Alleen matching service."""
