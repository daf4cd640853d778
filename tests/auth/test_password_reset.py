"""*Wachtwoord vergeten?* (issue #18, ASVS 6.4.1, 6.4.3): a mailed link that works once, for
30 minutes; the same answer for unknown addresses; throttled per address and per client;
every session ends and the second factor is still asked afterwards; each step audited."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import STAFF_PASSWORD, MakeUser, csrf_token, login
from werkzeug.test import TestResponse

from niemand_alleen import create_app
from niemand_alleen.auth.passwords import verify_password
from niemand_alleen.auth.service import ResetThrottle, set_active
from niemand_alleen.config import Settings
from niemand_alleen.mail import RetryRefused, retry_mail
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    AuditEvent,
    MailStatus,
    OutboxMail,
    PasswordReset,
    Role,
    User,
    utcnow,
)

FORGOT = "/inloggen/wachtwoord-vergeten"
NEW = "mijn nieuwe wachtwoord na het vergeten"
REFUSED = "<h1>Deze link werkt niet</h1>"
LIMITS = ResetThrottle()


def ask(client: FlaskClient, email: str, client_address: str = "192.0.2.1") -> TestResponse:
    environ = {"REMOTE_ADDR": client_address}
    token = csrf_token(client, FORGOT, environ_base=environ)
    return client.post(FORGOT, data={"email": email, "csrf_token": token}, environ_base=environ)


def choose(
    client: FlaskClient, path: str, new: str = NEW, repeat: str | None = None
) -> TestResponse:
    return client.post(
        path,
        data={
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
            "csrf_token": csrf_token(client, FORGOT),  # a refused link's page has no form
        },
    )


def mailed_link(app: Flask, smtp_server: TestSmtpServer, count: int = 1) -> str:
    send_pending(app)
    mail = smtp_server.wait_for(count)[-1]
    assert mail.message["Subject"] == "Een nieuw wachtwoord voor Niemand Alleen"
    assert "30 minuten en maar één keer" in mail.text
    (url,) = set(re.findall(r"https?://\S+", mail.text))
    assert url in mail.html
    path = urlsplit(url).path
    assert path.startswith("/inloggen/nieuw-wachtwoord/")
    return path


def main_text(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", main)


def state(app: Flask) -> dict[str, list[str]]:
    tables = ("user_account", "user_session", "password_reset", "outbox_mail", "audit_event")
    result = {}
    with app.extensions["database"].engine.connect() as connection:
        for table in tables:
            rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608
            result[table] = sorted(repr(tuple(row)) for row in rows)
    return result


def stored(db_session: Session, user: User) -> User:
    with Session(db_session.get_bind()) as fresh:  # what the app committed meanwhile
        found = fresh.get(User, user.id)
    assert found is not None
    return found


def audit_details(db_session: Session) -> list[tuple[str | None, str | None, str]]:
    db_session.rollback()  # a fresh snapshot: the app committed meanwhile
    events = db_session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [(event.detail, event.record_id, event.outcome) for event in events]


def test_the_login_page_links_to_the_form(client: FlaskClient) -> None:
    page = client.get("/inloggen").get_data(as_text=True)
    assert f'href="{FORGOT}">Wachtwoord vergeten?</a>' in page
    form = client.get(FORGOT).get_data(as_text=True)
    assert "<h1>Wachtwoord vergeten</h1>" in form
    assert 'autocomplete="username"' in form
    assert ">E-mailadres</label>" in form


def test_the_same_answer_and_work_whether_the_account_exists_or_not(
    app: Flask, client: FlaskClient, make_user: MakeUser, db_session: Session
) -> None:
    known = make_user(Role.BUURTWERKER, email="known@example.org")
    inactive = make_user(Role.BUURTWERKER, email="inactive@example.org")
    set_active(db_session, inactive, False)
    db_session.commit()
    pages = {}
    for number, email in enumerate(
        ("known@example.org", "unknown@example.org", "inactive@example.org")
    ):
        response = ask(client, email, client_address=f"192.0.2.{number + 1}")
        assert response.status_code == 200
        pages[email] = main_text(response)
    assert len(set(pages.values())) == 1
    assert "<h1>Kijk in uw mail</h1>" in pages["known@example.org"]
    assert "@" not in pages["known@example.org"]

    db_session.rollback()  # a fresh snapshot: the app committed meanwhile
    mails = db_session.exec(select(OutboxMail)).all()
    assert [(mail.kind, mail.recipient) for mail in mails] == [
        ("password_reset", "known@example.org")
    ]
    resets = db_session.exec(select(PasswordReset)).all()
    assert [(reset.user_id, reset.used_at) for reset in resets] == [(known.id, None)]
    assert audit_details(db_session) == [
        ("nieuw wachtwoord aangevraagd", str(known.id), "ok"),
        ("nieuw wachtwoord aangevraagd", None, "ok"),
        ("nieuw wachtwoord aangevraagd", None, "ok"),
    ]


def test_a_malformed_address_gets_the_field_message(client: FlaskClient) -> None:
    for typed in ("geen adres", "a@b", "x" * 300):
        response = ask(client, typed)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'class="error-summary"' in page
        assert "Kijk in uw mail" not in page


def test_throttled_per_address_whatever_the_client(
    app: Flask, client: FlaskClient, make_user: MakeUser, db_session: Session
) -> None:
    make_user(Role.BUURTWERKER, email="known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        for number in range(LIMITS.per_address):
            assert ask(client, email, f"198.51.100.{number}").status_code == 200
        before = state(app)
        throttled = ask(client, email.upper(), "203.0.113.9")
        assert throttled.status_code == 429
        assert "Er is te vaak om een nieuw wachtwoord gevraagd" in throttled.get_data(as_text=True)
        assert state(app) == before
    db_session.rollback()  # a fresh snapshot: the app committed meanwhile
    assert len(db_session.exec(select(OutboxMail)).all()) == LIMITS.per_address


def test_throttled_per_client_whatever_the_address(app: Flask, client: FlaskClient) -> None:
    for number in range(LIMITS.per_client):
        assert ask(client, f"iemand{number}@example.org", "192.0.2.50").status_code == 200
    assert ask(client, "nog-iemand@example.org", "192.0.2.50").status_code == 429
    assert ask(client, "nog-iemand@example.org", "192.0.2.51").status_code == 200


def test_the_throttle_forgets_after_an_hour(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    for _ in range(LIMITS.per_address):
        ask(client, "iemand@example.org")
    assert ask(client, "iemand@example.org").status_code == 429
    with app.extensions["database"].engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT id, attempted_at FROM login_attempt")).all()
        for row_id, _at in rows:
            connection.execute(
                sa.text("UPDATE login_attempt SET attempted_at = :at WHERE id = :id"),
                {"at": _aged(app, 61), "id": row_id},
            )
    assert ask(client, "iemand@example.org").status_code == 200


def _aged(app: Flask, minutes: int) -> object:
    """A stored time ``minutes`` ago, in the form each database keeps it."""
    moment = utcnow() - timedelta(minutes=minutes)
    if app.extensions["database"].engine.name == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ")
    return moment


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    db_session: Session,
    smtp_server: TestSmtpServer,
) -> None:
    user = make_user(Role.COORDINATOR, email="anna@example.org", name="Anna Smit")
    logged_in = app.test_client()
    login(logged_in, user.email)
    assert ask(client, "anna@example.org").status_code == 200
    path = mailed_link(app, smtp_server)

    # A mail scanner (or the user) opening the link changes nothing.
    before = state(app)
    for _ in range(2):
        opened = client.get(path)
        assert opened.status_code == 200
        form = opened.get_data(as_text=True)
        assert "<h1>Nieuw wachtwoord kiezen</h1>" in form
        assert form.count('autocomplete="new-password"') == 2
    assert state(app) == before

    # A password the rules refuse leaves the link usable.
    for new, repeat, message in (
        ("te kort", None, "Kies een wachtwoord van minstens 12 tekens."),
        (NEW, NEW + "?", "De twee nieuwe wachtwoorden zijn niet gelijk."),
        ("welkom123456", None, "Dit wachtwoord is te bekend."),
    ):
        refused = choose(client, path, new, repeat)
        assert refused.status_code == 200
        assert message in refused.get_data(as_text=True)
    assert verify_password(stored(db_session, user).password_hash, STAFF_PASSWORD)

    done = choose(client, path)
    assert done.status_code == 302
    assert done.headers["Location"] == "/inloggen"
    assert "Log nu in met uw nieuwe wachtwoord" in client.get("/inloggen").get_data(as_text=True)
    assert client.get("/mijn-account").status_code == 302  # the reset logged nobody in
    ended = logged_in.get("/mijn-account")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/inloggen")
    assert verify_password(stored(db_session, user).password_hash, NEW)
    login(client, user.email, NEW)

    # Used up: both the page and a second POST get the neutral page, and nothing changes.
    again = client.get(path)
    assert again.status_code == 404
    assert REFUSED in again.get_data(as_text=True)
    second = choose(client, path, "nog weer een ander wachtwoord")
    assert second.status_code == 404
    assert verify_password(stored(db_session, user).password_hash, NEW)

    send_pending(app)
    mails = smtp_server.wait_for(2)
    assert mails[-1].message["Subject"] == "Uw wachtwoord voor Niemand Alleen is gewijzigd"
    assert all(NEW not in mail.text for mail in mails)
    details = audit_details(db_session)
    assert ("nieuw wachtwoord aangevraagd", str(user.id), "ok") in details
    assert ("nieuw wachtwoord ingesteld met de link", str(user.id), "ok") in details
    assert ("link voor een nieuw wachtwoord geweigerd", None, "denied") in details
    assert all("anna" not in repr(row) for row in details)


def test_the_link_expires_after_30_minutes(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    db_session: Session,
    smtp_server: TestSmtpServer,
) -> None:
    user = make_user(Role.BUURTWERKER, email="bram@example.org")
    ask(client, "bram@example.org")
    path = mailed_link(app, smtp_server)
    with app.extensions["database"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE password_reset SET requested_at = :at"), {"at": _aged(app, 29)}
        )
    assert client.get(path).status_code == 200  # still inside the 30 minutes
    with app.extensions["database"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE password_reset SET requested_at = :at"), {"at": _aged(app, 31)}
        )
    before = state(app)
    expired = client.get(path)
    assert expired.status_code == 404
    assert REFUSED in expired.get_data(as_text=True)
    assert state(app) == before
    assert choose(client, path).status_code == 404
    assert verify_password(stored(db_session, user).password_hash, STAFF_PASSWORD)
    assert audit_details(db_session)[-1] == (
        "link voor een nieuw wachtwoord geweigerd",
        None,
        "denied",
    )


def test_bad_links_get_one_neutral_page(app: Flask, client: FlaskClient) -> None:
    before = state(app)
    pages = set()
    for token in ("x", "a" * 43, "a" * 5000, "é€😀", "..", "' OR 1=1 --"):
        response = client.get(f"/inloggen/nieuw-wachtwoord/{token}")
        assert response.status_code == 404, token
        pages.add(main_text(response))
    assert len(pages) == 1
    assert client.get("/inloggen/nieuw-wachtwoord/%00").status_code == 400  # refused earlier
    assert state(app) == before


def test_a_later_change_or_deactivation_cancels_an_open_link(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    db_session: Session,
    smtp_server: TestSmtpServer,
) -> None:
    user = make_user(Role.BUURTWERKER, email="cor@example.org")
    ask(client, "cor@example.org")
    first = mailed_link(app, smtp_server)
    ask(client, "cor@example.org")
    second = mailed_link(app, smtp_server, 2)
    assert first != second
    assert choose(client, second).status_code == 302
    assert client.get(first).status_code == 404  # a new password closes every open link

    ask(client, "cor@example.org")
    third = mailed_link(app, smtp_server, 4)  # after the "gewijzigd" mail
    set_active(db_session, user, False)
    db_session.commit()
    assert client.get(third).status_code == 404


def test_the_second_factor_is_still_asked_after_a_reset(
    settings: Settings, make_user: MakeUser, smtp_server: TestSmtpServer
) -> None:
    strict = create_app(settings.with_overrides(second_factor_roles=frozenset({"coordinator"})))
    try:
        client = strict.test_client()
        user = make_user(Role.COORDINATOR, email="dirk@example.org")
        ask(client, "dirk@example.org")
        path = mailed_link(strict, smtp_server)
        assert choose(client, path).status_code == 302
        response = client.post(
            "/inloggen",
            data={"email": user.email, "password": NEW, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/inloggen/instellen"
        assert client.get("/mijn-account").status_code == 302  # not in without the code
    finally:
        strict.extensions["database"].engine.dispose()


def test_a_failed_reset_mail_is_not_sent_again_by_hand(
    app: Flask, client: FlaskClient, make_user: MakeUser, db_session: Session
) -> None:
    """Its link works for 30 minutes only: the staff member asks for a new one instead."""
    beheerder = make_user(Role.BEHEERDER)
    make_user(Role.BUURTWERKER, email="eva@example.org")
    ask(client, "eva@example.org")
    db_session.rollback()
    (mail,) = db_session.exec(select(OutboxMail)).all()
    mail.status = MailStatus.FAILED
    db_session.add(mail)
    db_session.commit()
    assert mail.id is not None
    with pytest.raises(RetryRefused, match="werkt maar 30 minuten"):
        retry_mail(db_session, mail.id, beheerder.id)
