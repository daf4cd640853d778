"""The beheerder makes staff accounts; the password is shown once and works (ASVS 6.4.1, 11.4.2)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.auth import passwords
from niemand_alleen.auth.service import create_user
from niemand_alleen.models import AuditAction, AuditEvent, Role, User

T = TypeVar("T")
PASSWORD = "een lang genoeg wachtwoord voor beheer"


def login(app: Flask, email: str, password: str = PASSWORD) -> tuple[FlaskClient, TestResponse]:
    client = app.test_client()
    response = client.post(
        "/inloggen", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    return client, response


def read(app: Flask, statement: SelectOfScalar[T]) -> Sequence[T]:
    with Session(app.extensions["database"].engine) as session:
        return session.exec(statement).all()


@pytest.fixture
def admin(db_session: Session) -> User:
    user = create_user(
        db_session,
        email="beheer@example.org",
        name="Bea Beheer",
        role=Role.BEHEERDER,
        password=PASSWORD,
    )
    db_session.commit()
    return user


def test_beheerder_creates_an_account_that_works_with_the_password_shown_once(
    app: Flask, admin: User
) -> None:
    client, response = login(app, admin.email)
    assert response.status_code == 302
    response = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Karim El Amrani",
            "email": "Karim.ElAmrani@Example.org",
            "role": "coordinator",
            "csrf_token": csrf_token(client, "/beheer/gebruikers"),
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Account gemaakt" in body
    assert "Karim El Amrani" in body
    assert "Coördinator" in body
    match = re.search(r'<code class="secret">([^<]+)</code>', body)
    assert match
    password = match.group(1)
    assert len(password) >= passwords.MIN_LENGTH
    assert "no-store" in response.headers["Cache-Control"]  # the back button cannot show it again

    (user,) = read(app, select(User).where(User.id != admin.id))
    assert user.role == Role.COORDINATOR
    assert user.active
    assert user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash
    # Not shown anywhere again.
    assert password not in client.get("/beheer/gebruikers").get_data(as_text=True)
    audit = read(app, select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE))
    assert [(event.actor_user_id, event.record_id) for event in audit] == [(admin.id, str(user.id))]

    new_client, response = login(app, "karim.elamrani@example.org", password)
    assert response.status_code == 302
    page = new_client.get("/mijn-account").get_data(as_text=True)
    assert "Karim El Amrani" in page
    assert "Coördinator" in page
    # A coordinator cannot reach the accounts page.
    assert new_client.get("/beheer/gebruikers").status_code == 403


def test_two_accounts_cannot_share_an_address(app: Flask, admin: User) -> None:
    client, _ = login(app, admin.email)
    response = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Dubbel",
            "email": "BEHEER@example.org",
            "role": "buurtwerker",
            "csrf_token": csrf_token(client, "/beheer/gebruikers"),
        },
    )
    assert response.status_code == 200
    assert "Er is al een account met dit e-mailadres." in response.get_data(as_text=True)
    assert read(app, select(func.count()).select_from(User)) == [1]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BUURTWERKER])
def test_other_roles_get_403_and_create_nothing(
    app: Flask, db_session: Session, role: Role
) -> None:
    create_user(
        db_session, email="medewerker@example.org", name="Mede Werker", role=role, password=PASSWORD
    )
    db_session.commit()
    client, response = login(app, "medewerker@example.org")
    assert response.status_code == 302
    assert client.get("/beheer/gebruikers").status_code == 403
    response = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Stiekem",
            "email": "stiekem@example.org",
            "role": "beheerder",
            "csrf_token": csrf_token(client, "/mijn-account"),
        },
    )
    assert response.status_code == 403
    assert "Tijdelijk wachtwoord" not in response.get_data(as_text=True)
    assert read(app, select(func.count()).select_from(User)) == [1]


def test_production_password_hashing_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with argon2-cffi's RFC 9106 defaults (the other tests here use cheap ones)."""
    monkeypatch.undo()  # the fast hasher of conftest.py
    assert isinstance(passwords._hasher, PasswordHasher)
    defaults = PasswordHasher()
    assert passwords._hasher.time_cost >= defaults.time_cost
    assert passwords._hasher.memory_cost >= defaults.memory_cost
    assert passwords.hash_password("een lang genoeg wachtwoord").startswith("$argon2id$")


def test_password_policy() -> None:
    """ASVS 6.2: at least 12 characters, no composition rules, known passwords refused."""
    passwords.check_password_policy("alleen kleine letters maar lang")
    for bad in ("kort", "welkom123456", "Dordrecht2025 ", "x" * 129):
        with pytest.raises(passwords.PasswordPolicyError):
            passwords.check_password_policy(bad)
    generated = {passwords.generate_password() for _ in range(20)}
    assert len(generated) == 20
    for password in generated:
        passwords.check_password_policy(password)
