"""*Wachtwoord wijzigen* under Mijn account (issue #18): the current password, the new one
twice, the rules of account creation; other sessions end, a mail tells the user."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import STAFF_PASSWORD, MakeUser, csrf_token, login
from werkzeug.test import TestResponse

from niemand_alleen.auth.passwords import verify_password
from niemand_alleen.config import Settings
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import AuditEvent, LoginAttempt, Role, User

PAGE = "/mijn-account/wachtwoord"
NEW = "een heel nieuw wachtwoord"


def change(client: FlaskClient, current: str, new: str, repeat: str | None = None) -> TestResponse:
    return client.post(
        PAGE,
        data={
            "current_password": current,
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
            "csrf_token": csrf_token(client, PAGE),
        },
    )


def stored_user(db_session: Session, user: User) -> User:
    with Session(db_session.get_bind()) as fresh:  # what the app committed meanwhile
        found = fresh.get(User, user.id)
    assert found is not None
    return found


def test_the_page_is_linked_from_mijn_account_and_labels_its_fields(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.BUURTWERKER)
    login(client, user.email)
    assert f'href="{PAGE}"' in client.get("/mijn-account").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "<h1>Wachtwoord wijzigen</h1>" in page
    assert page.count('autocomplete="new-password"') == 2
    assert page.count('autocomplete="current-password"') == 1
    for label in ("Huidig wachtwoord", "Nieuw wachtwoord", "Nieuw wachtwoord nog een keer"):
        assert f">{label}</label>" in page
    assert "Minstens 12 tekens" in page  # the hint, tied to the field
    assert 'aria-describedby="new_password-hint"' in page


def test_anonymous_visitors_are_sent_to_the_login(client: FlaskClient) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


def test_a_change_ends_the_other_sessions_keeps_this_one_and_mails_the_user(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    db_session: Session,
    smtp_server: TestSmtpServer,
) -> None:
    user = make_user(Role.COORDINATOR, email="els@example.org", name="Els de Vries")
    other = app.test_client()
    login(client, user.email)
    login(other, user.email)
    assert other.get("/mijn-account").status_code == 200

    response = change(client, STAFF_PASSWORD, NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/mijn-account"
    assert "Uw wachtwoord is gewijzigd" in client.get("/mijn-account").get_data(as_text=True)
    assert client.get("/mijn-account").status_code == 200  # this session stays
    ended = other.get("/mijn-account")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/inloggen")

    assert verify_password(stored_user(db_session, user).password_hash, NEW)
    fresh = app.test_client()
    login(fresh, user.email, NEW)
    failed = fresh.post(
        "/inloggen",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token(fresh)},
    )
    assert "klopt niet" in failed.get_data(as_text=True)

    send_pending(app)
    (mail,) = smtp_server.wait_for(1)
    assert mail.recipients == ["els@example.org"]
    assert mail.message["Subject"] == "Uw wachtwoord voor Niemand Alleen is gewijzigd"
    assert "Beste Els de Vries" in mail.text
    assert NEW not in mail.text
    assert NEW not in mail.html
    assert STAFF_PASSWORD not in mail.text

    events = db_session.exec(
        select(AuditEvent).where(AuditEvent.detail == "wachtwoord gewijzigd")
    ).all()
    assert [(e.actor_user_id, e.record_id, e.outcome) for e in events] == [
        (user.id, str(user.id), "ok")
    ]


def test_the_rules_of_account_creation_hold(
    client: FlaskClient, make_user: MakeUser, db_session: Session
) -> None:
    user = make_user(Role.BUURTWERKER)
    login(client, user.email)
    cases = [
        ("dit is niet mijn wachtwoord", NEW, None, "Uw huidige wachtwoord klopt niet."),
        (STAFF_PASSWORD, "te kort", None, "Kies een wachtwoord van minstens 12 tekens."),
        (STAFF_PASSWORD, "welkom123456", None, "Dit wachtwoord is te bekend."),
        (STAFF_PASSWORD, "x" * 129, None, "hoogstens 128 tekens"),
        (STAFF_PASSWORD, NEW, NEW + "!", "De twee nieuwe wachtwoorden zijn niet gelijk."),
        (STAFF_PASSWORD, STAFF_PASSWORD, None, "Kies een ander wachtwoord dan uw huidige."),
        ("", "", "", "Vul uw huidige wachtwoord in."),
    ]
    for current, new, repeat, message in cases:
        response = change(client, current, new, repeat)
        assert response.status_code == 200, message
        page = response.get_data(as_text=True)
        assert message in page
        assert 'class="error-summary"' in page
        if len(new) > 8:
            assert f'value="{new}"' not in page  # a typed password is never shown again
    assert verify_password(stored_user(db_session, user).password_hash, STAFF_PASSWORD)
    assert client.get("/mijn-account").status_code == 200


def test_a_wrong_current_password_counts_for_the_login_throttle(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    db_session: Session,
    settings: Settings,
) -> None:
    user = make_user(Role.BUURTWERKER)
    login(client, user.email)
    for _ in range(settings.login_free_failures):
        assert change(client, "fout wachtwoord nummer", NEW).status_code == 200
    failures = db_session.exec(
        select(LoginAttempt).where(col(LoginAttempt.succeeded).is_(False))
    ).all()
    assert len(failures) == settings.login_free_failures
    throttled = change(client, STAFF_PASSWORD, NEW)  # even the right one waits now
    assert throttled.status_code == 429
    assert "Er is te vaak een verkeerd wachtwoord gebruikt." in throttled.get_data(as_text=True)
    assert verify_password(stored_user(db_session, user).password_hash, STAFF_PASSWORD)
    elsewhere = app.test_client()
    refused = elsewhere.post(
        "/inloggen",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token(elsewhere)},
    )
    assert refused.status_code == 429
    denied = db_session.exec(
        select(AuditEvent).where(
            AuditEvent.detail == "wachtwoord wijzigen: huidige wachtwoord klopt niet"
        )
    ).all()
    assert len(denied) == settings.login_free_failures
    assert {event.outcome for event in denied} == {"denied"}
