"""Staff login and server-side sessions (R2.3; ASVS 7.2.4, 7.3.1/7.3.2, 7.4.1, 7.4.2)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.auth.service import create_user
from niemand_alleen.models import AuditAction, AuditEvent, Role, User, UserSession, utcnow

T = TypeVar("T")
PASSWORD = "een lang genoeg wachtwoord voor sessies"


def post_login(
    client: FlaskClient, email: str, password: str = PASSWORD, **kwargs: Any
) -> TestResponse:
    return client.post(
        "/inloggen",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        **kwargs,
    )


def is_login_redirect(response: TestResponse) -> bool:
    return (
        response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/inloggen"
    )


def cookie_value(app: Flask, client: FlaskClient) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return None if cookie is None else cookie.value


def clone_client(app: Flask, value: str) -> FlaskClient:
    """Another browser that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


@pytest.fixture
def staff(db_session: Session) -> User:
    user = create_user(
        db_session,
        email="Sanne.de.Vries@example.org",
        name="Sanne de Vries",
        role=Role.COORDINATOR,
        password=PASSWORD,
    )
    db_session.commit()
    return user


def read(app: Flask, statement: SelectOfScalar[T]) -> Sequence[T]:
    """One query in its own short transaction (on SQLite an open one would block the app)."""
    with Session(app.extensions["database"].engine) as session:
        return session.exec(statement).all()


def sessions_of(app: Flask, user: User) -> int:
    statement = select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    return read(app, statement)[0]


def is_active(app: Flask, user: User) -> bool:
    return read(app, select(User.active).where(User.id == user.id))[0]


def neutral(html: str, typed_email: str) -> str:
    """The page without what legitimately differs: the CSRF token and the typed address."""
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)
    return html.replace(typed_email, "<typed>")


def test_wrong_password_and_unknown_account_give_the_same_answer(
    app: Flask, client: FlaskClient, staff: User, db_session: Session
) -> None:
    """No account enumeration: same status, same page text for both failures."""
    wrong = post_login(client, "sanne.de.vries@example.org", "dit is het verkeerde wachtwoord")
    unknown = post_login(client, "niemand.bekend@example.org", "dit is het verkeerde wachtwoord")
    assert wrong.status_code == unknown.status_code == 200
    assert "Deze combinatie van e-mailadres en wachtwoord klopt niet." in wrong.get_data(
        as_text=True
    )
    assert neutral(wrong.get_data(as_text=True), "sanne.de.vries@example.org") == neutral(
        unknown.get_data(as_text=True), "niemand.bekend@example.org"
    )
    assert sessions_of(app, staff) == 0
    # Both failures are audited as denied, without naming the account that was tried.
    events = read(app, select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN_FAILED))
    assert len(events) == 2
    assert all(event.actor_user_id is None and event.record_id is None for event in events)


def test_login_is_case_insensitive_and_issues_a_new_cookie(
    app: Flask, client: FlaskClient, staff: User, db_session: Session
) -> None:
    """The session cookie changes on login (ASVS 7.2.4), and the server keeps the session."""
    client.get("/inloggen")
    before = cookie_value(app, client)
    assert before is not None
    response = post_login(client, "  SANNE.DE.VRIES@example.org ")
    assert response.status_code == 302
    after = cookie_value(app, client)
    assert after is not None
    assert after != before
    assert sessions_of(app, staff) == 1
    # The cookie carries the token, never the user id.
    assert str(staff.id) not in after
    page = client.get("/mijn-account")
    assert page.status_code == 200
    assert "Sanne de Vries" in page.get_data(as_text=True)


def test_logout_ends_the_server_side_session_and_a_replayed_cookie_is_useless(
    app: Flask, client: FlaskClient, staff: User, db_session: Session
) -> None:
    """R2.3: after logout, the old cookie (copied before) only leads to the login page."""
    assert post_login(client, staff.email).status_code == 302
    stolen = cookie_value(app, client)
    assert stolen is not None
    # Control: while the session lives, the copied cookie works in another browser.
    assert clone_client(app, stolen).get("/mijn-account").status_code == 200

    response = client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/mijn-account")})
    assert is_login_redirect(response)
    assert sessions_of(app, staff) == 0
    assert is_login_redirect(client.get("/mijn-account"))
    assert is_login_redirect(clone_client(app, stolen).get("/mijn-account"))
    assert len(read(app, select(AuditEvent).where(AuditEvent.action == AuditAction.LOGOUT))) == 1


def _age_session(
    db_session: Session, user: User, *, created: timedelta, last_seen: timedelta
) -> None:
    now = utcnow()
    db_session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user.id)
        .values(created_at=now - created, last_seen_at=now - last_seen)
    )
    db_session.commit()


def test_idle_timeout_requires_a_new_login(
    app: Flask, client: FlaskClient, staff: User, db_session: Session
) -> None:
    """30 minutes idle at most (ASVS L2): at 29 minutes still in, at 31 minutes out."""
    assert post_login(client, staff.email).status_code == 302
    _age_session(db_session, staff, created=timedelta(minutes=29), last_seen=timedelta(minutes=29))
    assert client.get("/mijn-account").status_code == 200
    # That visit counted as activity.
    (seen,) = read(app, select(UserSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)

    _age_session(db_session, staff, created=timedelta(minutes=40), last_seen=timedelta(minutes=31))
    assert is_login_redirect(client.get("/mijn-account"))
    assert sessions_of(app, staff) == 0  # ended on the server, not just refused


def test_absolute_timeout_requires_a_new_login(
    app: Flask, client: FlaskClient, staff: User, db_session: Session
) -> None:
    """12 hours at most, even for a session that was active a minute ago."""
    assert post_login(client, staff.email).status_code == 302
    _age_session(
        db_session, staff, created=timedelta(hours=11, minutes=59), last_seen=timedelta(minutes=1)
    )
    assert client.get("/mijn-account").status_code == 200
    _age_session(
        db_session, staff, created=timedelta(hours=12, minutes=1), last_seen=timedelta(minutes=1)
    )
    assert is_login_redirect(client.get("/mijn-account"))
    assert sessions_of(app, staff) == 0


def test_deactivating_a_user_ends_their_sessions(
    app: Flask, staff: User, db_session: Session
) -> None:
    """ASVS 7.4.2: the beheerder switches an account off; its open session dies at once."""
    create_user(
        db_session,
        email="beheer@example.org",
        name="Beheer",
        role=Role.BEHEERDER,
        password=PASSWORD,
    )
    db_session.commit()
    victim_browser = app.test_client()
    assert post_login(victim_browser, staff.email).status_code == 302
    admin_browser = app.test_client()
    assert post_login(admin_browser, "beheer@example.org").status_code == 302

    response = admin_browser.post(
        f"/beheer/gebruikers/{staff.id}/deactiveren",
        data={"csrf_token": csrf_token(admin_browser, "/beheer/gebruikers")},
    )
    assert response.status_code == 302
    assert sessions_of(app, staff) == 0
    assert is_active(app, staff) is False
    assert is_login_redirect(victim_browser.get("/mijn-account"))
    # And the right password no longer opens the account.
    again = post_login(app.test_client(), staff.email)
    assert again.status_code == 200
    assert "klopt niet" in again.get_data(as_text=True)


def test_a_beheerder_cannot_switch_off_their_own_account(app: Flask, db_session: Session) -> None:
    admin = create_user(
        db_session,
        email="beheer@example.org",
        name="Beheer",
        role=Role.BEHEERDER,
        password=PASSWORD,
    )
    db_session.commit()
    browser = app.test_client()
    assert post_login(browser, admin.email).status_code == 302
    browser.post(
        f"/beheer/gebruikers/{admin.id}/deactiveren",
        data={"csrf_token": csrf_token(browser, "/beheer/gebruikers")},
    )
    assert is_active(app, admin) is True
    assert browser.get("/beheer/gebruikers").status_code == 200


EVIL_TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "////evil.example/x",
    "/%2F/evil.example/",
    "/%2f%2fevil.example/",
    "/%252F%252Fevil.example/",
    "/%5Cevil.example/",
    "/%09/evil.example/",
    "%2F%2Fevil.example/",
    "/\r\nLocation: //evil.example/",
    "/%0d%0aSet-Cookie:%20x=1",
    "/oproepen\x00",
    "/" + "a" * 5000,
]


def test_login_never_redirects_to_another_site(app: Flask, staff: User) -> None:
    """``next`` is only followed to a path on this site (open redirect).

    Browsers treat a backslash as a slash and drop tabs and line breaks, so each of these
    would land on evil.example if it reached the Location header.
    """
    for target in EVIL_TARGETS:
        client = app.test_client()
        response = client.post(
            "/inloggen",
            query_string={"next": target},
            data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        if any(ord(c) < 0x20 and c not in "\t\r\n" for c in target):
            # Refused before the login reads anything (control characters), never a 500.
            assert response.status_code == 400, target
            continue
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert location == "/", (target, location)  # anything but a plain path goes home
        # What a browser makes of it: tabs and line breaks dropped, backslashes as slashes.
        seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
        parts = urlsplit(seen)
        assert not parts.scheme, (target, location)
        assert not parts.netloc, (target, location)
        assert seen.startswith("/"), (target, location)
        assert not seen.startswith("//"), (target, location)


def test_login_follows_a_next_path_on_this_site(client: FlaskClient, staff: User) -> None:
    guarded = client.get("/mijn-account")
    assert is_login_redirect(guarded)
    login_url = guarded.headers["Location"]
    response = client.post(
        login_url,
        data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/mijn-account"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("a" * 250 + "@example.org", PASSWORD, "Hoogstens 254 tekens."),
        ("coordinator@example.org", "w" * 129, "Hoogstens 128 tekens."),
    ],
)
def test_a_too_long_login_is_refused_in_dutch(
    client: FlaskClient, email: str, password: str, message: str
) -> None:
    response = post_login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)  # the form again, no way in
    assert message in html
