"""A database that cannot take the sign-up (locked past the timeout, full): the neighbour
gets the form back with everything typed and a request to try again, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from oproep_support import OpenOproep
from sqlmodel import Session, func, select
from support import PostSignup

from niemand_alleen import create_app
from niemand_alleen.db import make_engine
from niemand_alleen.models import Volunteer


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another process keeps the sign-up's tables from being written (reads still work)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("LOCK TABLE signup_rate IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


@pytest.fixture
def impatient_app(app: Flask) -> Iterator[Flask]:
    """The same service, waiting only a moment for a lock (the default waits 5 s)."""
    settings = app.config["SETTINGS"].with_overrides(database_lock_timeout_ms=300)
    impatient = create_app(settings)
    yield impatient
    impatient.extensions["database"].engine.dispose()


def signups(session: Session) -> int:
    session.rollback()
    return int(session.exec(select(func.count()).select_from(Volunteer)).one())


@pytest.mark.parametrize("path_of", ["oproep-link", "general-form"])
def test_a_locked_database_gives_the_form_back_with_what_was_typed(
    impatient_app: Flask,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    caplog: pytest.LogCaptureFixture,
    path_of: str,
) -> None:
    path = scenario.path if path_of == "oproep-link" else "/aanmelden"
    client = impatient_app.test_client()
    url = impatient_app.config["SETTINGS"].database_url
    with caplog.at_level(logging.WARNING, logger="niemand_alleen"), write_lock_held(url):
        refused = post_signup(client, path)
    assert refused.status_code == 503
    body = refused.get_data(as_text=True)
    assert "Uw aanmelding is nog niet verstuurd." in body
    assert "Probeer het over een minuut opnieuw" in body
    assert 'value="Özdemir"' in body
    assert 'value="fatma.ozdemir@example.org"' in body.lower()
    assert "database unavailable" in caplog.text
    assert "Özdemir" not in caplog.text
    assert "fatma" not in caplog.text.lower()
    assert signups(db_session) == 0
    # Once the lock is gone, sending again works.
    assert post_signup(client, path).status_code == 302
    assert signups(db_session) == 1


def test_a_form_with_errors_is_shown_even_when_its_count_cannot_be_stored(
    impatient_app: Flask, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    client = impatient_app.test_client()
    with write_lock_held(impatient_app.config["SETTINGS"].database_url):
        response = post_signup(client, scenario.path, consent=None)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'value="Özdemir"' in body
    assert "toestemming" in body.lower()
    assert signups(db_session) == 0


def test_the_lock_timeout_reaches_the_database(impatient_app: Flask) -> None:
    with impatient_app.extensions["database"].engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == 300
        else:
            assert connection.execute(sa.text("SHOW lock_timeout")).scalar() == "300ms"
