"""Errors give a neutral Dutch page and leak nothing, to visitor or log (R2.8, R2.6)."""

from __future__ import annotations

import logging
import secrets
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, func, select
from werkzeug.test import TestResponse

from niemand_alleen.auth import public
from niemand_alleen.db import request_session
from niemand_alleen.models import Role, User


def staff_with_hash(name: str, email: str, email_hash: str) -> User:
    """A user row; two with the same e-mail hash break the unique key on commit."""
    return User(
        email=email, email_hash=email_hash, name=name, role=Role.BUURTWERKER, password_hash="x"
    )


@pytest.fixture
def canary() -> str:
    # Made at run time, so it is not in the source lines a traceback would show.
    return f"CANARY-{secrets.token_hex(8)}"


def assert_generic_500(response: TestResponse, canary: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<html lang="nl">' in body
    assert "Er ging iets mis" in body
    assert canary not in body
    for leak in ("Traceback", "Error", "SELECT", "INSERT", "sqlalchemy", 'File "'):
        assert leak not in body, leak
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_an_exception_in_a_view_gives_a_dutch_500_without_details(
    app: Flask, canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/_test/kapot")
    @public
    def broken() -> str:
        raise RuntimeError(f"kan {canary}@example.org niet verwerken")

    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/_test/kapot")
    assert_generic_500(response, canary)
    assert canary not in caplog.text
    # Logged all the same: type and place, for whoever has to fix it.
    assert any("RuntimeError" in record.getMessage() for record in caplog.records)


def test_a_failing_commit_after_the_view_gives_the_same_page_and_log(
    app: Flask, db_session: Session, canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The request commits after the view; when that fails (here a unique key), the visitor
    still gets the Dutch page, the log gets no SQL values, and nothing is stored."""
    token = f"{canary}-token"

    @app.route("/_test/dubbel")
    @public
    def duplicate() -> str:
        session = request_session()
        for number in ("een", "twee"):
            session.add(staff_with_hash(f"{canary} {number}", f"{canary}@example.org", token))
        return "opgeslagen"

    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/_test/dubbel")
    assert_generic_500(response, canary)
    assert canary not in caplog.text
    assert "IntegrityError" in caplog.text
    assert db_session.exec(select(func.count()).select_from(User)).one() == 0


def test_database_errors_do_not_carry_bound_values(db_session: Session, canary: str) -> None:
    """Whatever logs a database error (a job, a command) cannot log personal values with it."""
    token = uuid.uuid4().hex
    for number in ("een", "twee"):
        db_session.add(staff_with_hash(f"{canary} {number}", f"{canary}@example.org", token))
    with pytest.raises(sa.exc.IntegrityError) as caught:
        db_session.commit()
    db_session.rollback()
    assert canary not in str(caught.value)


def test_unknown_page_is_a_dutch_404(app: Flask) -> None:
    response = app.test_client().get(f"/bestaat/niet/{uuid.uuid4()}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="nl">' in body
    assert "Pagina niet gevonden" in body
    assert "Not Found" not in body


def test_wrong_method_is_a_dutch_405(app: Flask) -> None:
    response = app.test_client().get("/uitloggen")
    assert response.status_code == 405
    assert "Dit kan hier niet" in response.get_data(as_text=True)


def test_too_large_a_request_is_a_dutch_413(app: Flask) -> None:
    response = app.test_client().post("/inloggen", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)
