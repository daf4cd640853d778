"""Niemand Alleen matching service: the application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from niemand_alleen import i18n
from niemand_alleen.config import Settings
from niemand_alleen.crypto import configure_keyring
from niemand_alleen.db import Database
from niemand_alleen.private_files import warn_about_loose_paths
from niemand_alleen.resources import resource_dir

db = Database()
csrf = CSRFProtect()
babel = Babel()

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, migrations: bool = False) -> Flask:
    """Build the web application from settings passed in; never migrates, never schedules.

    ``migrations=True`` registers Flask-Migrate, for the ``db`` commands, the demo and the
    tests that migrate; the web app leaves it out, so a web worker never loads alembic.
    """
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        instance_path=str(settings.instance_path),
        instance_relative_config=False,
    )
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.preset == "test",
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        SESSION_COOKIE_NAME="__Host-session" if settings.is_production else "na_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=settings.session_absolute_hours * 3600,
        # The token is bound to the session; a long aanmelding must not expire mid-typing.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        # Source language Dutch: the message ids are the Dutch text; English is a catalogue.
        BABEL_TRANSLATION_DIRECTORIES=str(resource_dir("translations")),
    )
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )

    warn_about_loose_paths(settings)
    configure_keyring(settings.encryption_keys, settings.hash_key)
    db.init_app(app, settings.database_url, lock_timeout_ms=settings.database_lock_timeout_ms)
    if migrations:
        _register_migrations(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.choose_locale)
    i18n.init_app(app)

    from niemand_alleen import (
        audit,
        auth,
        distribution,
        feedback,
        intake,
        jobs,
        mail,
        matching,
        organisations,
        privacy,
        security,
        signup,
        web,
    )

    security.init_app(app)
    # The features, each registering its pages, mail kinds and lifecycle hooks.
    features = (
        auth, web, intake, audit, jobs, organisations, distribution, mail, matching, signup,
        privacy, feedback,
    )  # fmt: skip
    for feature in features:
        feature.init_app(app)
    return app


def _register_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    Migrate(
        app, db, directory=str(resource_dir("migrations")), render_as_batch=True, compare_type=True
    )
