"""Over-long and malicious input gets a normal form error, never a crash or a stored row
(ASVS 2.2.1; R2.7 line breaks in anything that may end up in a mail header)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.auth.service import create_user
from niemand_alleen.models import LoginAttempt, Role, User, UserSession

PASSWORD = "een lang genoeg wachtwoord voor invoer"


def count(app: Flask, model: type) -> int:
    with Session(app.extensions["database"].engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def admin_client(app: Flask, db_session: Session) -> FlaskClient:
    create_user(
        db_session,
        email="beheer@example.org",
        name="Beheer",
        role=Role.BEHEERDER,
        password=PASSWORD,
    )
    db_session.commit()
    client = app.test_client()
    response = client.post(
        "/inloggen",
        data={
            "email": "beheer@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    return client


ODD_LOGINS = {
    "long e-mail": ("a" * 10_000 + "@example.org", PASSWORD),
    "long password": ("beheer@example.org", "p" * 500),
    "both long": ("a" * 10_000, "p" * 500),
    "line break": ("beheer@example.org\r\nX-Injected: ja", PASSWORD),
    "unicode": ("béhéér@éxample.org", "wachtwoord met émoji 🙂 en ß"),
}


def test_odd_login_input_gives_the_normal_failure_page(
    app: Flask, admin_client: FlaskClient
) -> None:
    for case, (email, password) in ODD_LOGINS.items():
        client = app.test_client()
        response = client.post(
            "/inloggen",
            data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 200, case
        assert "Inloggen voor medewerkers" in body, case
        assert "Er ging iets mis" in body, case  # the form's error summary
        assert client.get("/mijn-account").status_code == 302, case
    assert count(app, UserSession) == 1  # only the beheerder of the fixture


def test_an_over_long_password_never_reaches_the_hasher(
    app: Flask, admin_client: FlaskClient
) -> None:
    """Rejected by the form before argon2 runs (and before an attempt is recorded)."""
    before = count(app, LoginAttempt)
    client = app.test_client()
    client.post(
        "/inloggen",
        data={
            "email": "beheer@example.org",
            "password": "p" * 500,
            "csrf_token": csrf_token(client),
        },
    )
    assert count(app, LoginAttempt) == before


def create_account(client: FlaskClient, **fields: str) -> TestResponse:
    data = {"name": "Nieuwe Collega", "email": "nieuw@example.org", "role": "buurtwerker", **fields}
    data["csrf_token"] = csrf_token(client, "/beheer/gebruikers")
    return client.post("/beheer/gebruikers", data=data)


BAD_ACCOUNTS = {
    "long name": ({"name": "N" * 500}, "Hoogstens 120 tekens."),
    "blank name": ({"name": "   "}, "Vul een naam in."),
    "line break in name": ({"name": "Jan\r\nBcc: x@evil.example"}, "regelovergang"),
    "CRLF in e-mail": ({"email": "nieuw@example.org\r\nBcc: x@evil.example"}, "regelovergang"),
    "LF in e-mail": ({"email": "nieuw@example.org\nBcc: x@evil.example"}, "regelovergang"),
    "long e-mail": ({"email": "e" * 300 + "@example.org"}, "254"),
    "not an address": ({"email": "geen-adres"}, "geldig e-mailadres"),
    "unknown role": ({"role": "superbeheerder"}, "Ongeldige keuze"),
}


def test_bad_account_input_is_a_field_error_and_stores_nothing(
    app: Flask, admin_client: FlaskClient
) -> None:
    before = count(app, User)
    for case, (fields, message) in BAD_ACCOUNTS.items():
        response = create_account(admin_client, **fields)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, case
        assert "Account gemaakt" not in body, case
        assert 'aria-invalid="true"' in body, case
        assert message in body, case
    assert count(app, User) == before
    # The same form with good input does work, so the refusals above were about the input.
    assert "Account gemaakt" in create_account(admin_client).get_data(as_text=True)
    assert count(app, User) == before + 1
