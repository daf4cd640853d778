"""Double opt-in and withdrawal through the links in the mail, read from a real SMTP server."""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import PostSignup, csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    MailStatus,
    OutboxMail,
    Volunteer,
    VolunteerStatus,
)
from niemand_alleen.signup import tokens

LINK = re.compile(r"http://127\.0\.0\.1:5000(/aanmelden/(?:bevestigen|intrekken)/[A-Za-z0-9._\-]+)")


def links_in(text: str) -> dict[str, str]:
    found = {}
    for path in LINK.findall(text):
        found["confirm" if "/bevestigen/" in path else "withdraw"] = path
    return found


def only_volunteer(session: Session) -> Volunteer:
    session.rollback()
    (volunteer,) = session.exec(select(Volunteer)).all()
    return volunteer


def press_button(client: FlaskClient, path: str) -> TestResponse:
    # The token belongs to the browser session, so any page's form gives the right one.
    return client.post(path, data={"csrf_token": csrf_token(client, "/aanmelden")})


def test_the_neighbour_confirms_through_the_mail(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    post_signup(client, scenario.path)
    assert send_pending(app).sent == 1
    (mail,) = smtp_server.wait_for(1)
    assert mail.recipients == ["fatma.ozdemir@example.org"]
    assert mail.message["Subject"] == "Bevestig uw aanmelding als goede buur"
    assert "List-Unsubscribe" not in mail.message  # that header is for organisations
    text_links, html_links = links_in(mail.text), links_in(mail.html)
    assert text_links == html_links
    assert set(text_links) == {"confirm", "withdraw"}

    # Opening the link changes nothing (mail scanners open links too); the button confirms.
    page = client.get(text_links["confirm"])
    assert page.status_code == 200
    assert "Ja, ik bevestig mijn aanmelding" in page.get_data(as_text=True)
    assert only_volunteer(db_session).status == VolunteerStatus.UNCONFIRMED
    done = press_button(client, text_links["confirm"])
    assert done.status_code == 200
    assert "Uw aanmelding is bevestigd" in done.get_data(as_text=True)
    volunteer = only_volunteer(db_session)
    assert volunteer.status == VolunteerStatus.CONFIRMED
    assert volunteer.confirmed_at is not None
    # Again: already confirmed, nothing changes.
    assert "al bevestigd" in client.get(text_links["confirm"]).get_data(as_text=True)
    press_button(client, text_links["confirm"])
    assert only_volunteer(db_session).confirmed_at == volunteer.confirmed_at
    # The confirmation is in the audit log once, without data.
    events = db_session.exec(
        select(AuditEvent).where(
            AuditEvent.record_type == "volunteer", AuditEvent.action == AuditAction.UPDATE
        )
    ).all()
    assert [(event.record_id, event.actor_user_id) for event in events] == [
        (str(volunteer.id), None)
    ]


def test_a_repeated_signup_after_confirming_mails_without_a_confirm_link(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    post_signup(client, scenario.path)
    send_pending(app)
    (first,) = smtp_server.wait_for(1)
    press_button(client, links_in(first.text)["confirm"])
    post_signup(client, scenario.path)
    send_pending(app)
    _, again = smtp_server.wait_for(2)
    assert again.message["Subject"] == "U had zich al aangemeld als goede buur"
    assert "Uw aanmelding is al bevestigd." in again.text
    assert set(links_in(again.text)) == {"withdraw"}


def test_a_confirm_link_expires_after_the_configured_days(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    post_signup(client, scenario.path)
    volunteer = only_volunteer(db_session)
    settings = app.config["SETTINGS"]

    eight_days_ago = time.time() - timedelta(days=8).total_seconds()
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: eight_days_ago))
    old = tokens.confirm_token(settings.secret_key, volunteer.id)
    monkeypatch.undo()
    response = client.get(f"/aanmelden/bevestigen/{old}")
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.get_data(as_text=True)
    assert press_button(client, f"/aanmelden/bevestigen/{old}").status_code == 404
    assert only_volunteer(db_session).status == VolunteerStatus.UNCONFIRMED


@pytest.mark.parametrize(
    "path",
    [
        "/aanmelden/bevestigen/onbekend",
        "/aanmelden/intrekken/onbekend",
        "/aanmelden/bevestigen/" + "x" * 300,
    ],
)
def test_a_tampered_link_shows_a_neutral_page(
    client: FlaskClient, geography: Session, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.get_data(as_text=True)


def test_tokens_are_bound_to_their_purpose_and_secret() -> None:
    volunteer_id = uuid.uuid4()
    confirm = tokens.confirm_token("geheim" * 8, volunteer_id)
    withdraw = tokens.withdraw_token("geheim" * 8, volunteer_id)
    week = timedelta(days=7)
    assert tokens.volunteer_from_confirm_token("geheim" * 8, confirm, week) == volunteer_id
    assert tokens.volunteer_from_withdraw_token("geheim" * 8, withdraw) == volunteer_id
    # A withdraw token does not confirm, a confirm token does not withdraw.
    assert tokens.volunteer_from_confirm_token("geheim" * 8, withdraw, week) is None
    assert tokens.volunteer_from_withdraw_token("geheim" * 8, confirm) is None
    # Another secret key, or one changed character: not valid.
    assert tokens.volunteer_from_confirm_token("anders" * 8, confirm, week) is None
    # Not the last character: its low bits are base64 padding, so changing it can leave the
    # decoded signature as it was (the test then failed about one run in sixteen).
    tampered = confirm[:-5] + ("A" if confirm[-5] != "A" else "B") + confirm[-4:]
    assert tokens.volunteer_from_confirm_token("geheim" * 8, tampered, week) is None


def test_withdrawing_deletes_the_personal_data_and_the_mail_copies(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    post_signup(client, scenario.path, contact_again="y")
    send_pending(app)
    (mail,) = smtp_server.wait_for(1)
    links = links_in(mail.text)
    post_signup(client, scenario.path)  # a second mail, still waiting in the outbox

    page = client.get(links["withdraw"])
    assert page.status_code == 200
    assert "Ja, trek mijn aanmelding in" in page.get_data(as_text=True)
    assert only_volunteer(db_session).status == VolunteerStatus.UNCONFIRMED
    done = press_button(client, links["withdraw"])
    assert done.status_code == 200
    assert "We hebben uw gegevens verwijderd." in done.get_data(as_text=True)

    volunteer = only_volunteer(db_session)
    assert volunteer.status == VolunteerStatus.WITHDRAWN
    assert volunteer.withdrawn_at is not None
    assert volunteer.purged_at is not None
    assert volunteer.contact_again is False
    personal = (volunteer.first_name, volunteer.last_name, volunteer.email, volunteer.phone)
    assert personal == ("", "", "", "")
    assert (volunteer.postcode, volunteer.house_number, volunteer.email_hash) == ("", "", "")
    assert (volunteer.lat, volunteer.lon, volunteer.motivation) == (None, None, None)
    assert volunteer.oproep_id == scenario.oproep.id  # the row stays for the counts
    # The sent mail keeps only that it was sent; the waiting one is gone.
    (row,) = db_session.exec(select(OutboxMail)).all()
    assert row.status == MailStatus.SENT
    assert (row.recipient, row.subject, row.body_text, row.body_html) == (None, None, None, None)
    # Audited, without data.
    (event,) = db_session.exec(
        select(AuditEvent).where(AuditEvent.record_type == "volunteer")
    ).all()
    assert event.record_id == str(volunteer.id)
    assert "Fatma" not in (event.detail or "")
    # The links are used up; signing up again is a new sign-up.
    assert client.get(links["withdraw"]).status_code == 404
    assert client.get(links["confirm"]).status_code == 404
    assert post_signup(client, scenario.path).status_code == 302
    db_session.rollback()
    assert len(db_session.exec(select(Volunteer)).all()) == 2


def test_link_pages_without_a_csrf_token_are_refused(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    post_signup(client, scenario.path)
    volunteer = only_volunteer(db_session)
    secret = client.application.config["SECRET_KEY"]
    for path in (
        f"/aanmelden/bevestigen/{tokens.confirm_token(secret, volunteer.id)}",
        f"/aanmelden/intrekken/{tokens.withdraw_token(secret, volunteer.id)}",
    ):
        assert client.post(path).status_code == 400
    assert only_volunteer(db_session).status == VolunteerStatus.UNCONFIRMED


def test_the_whole_flow_logs_no_personal_value(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = {
        "first_name": "Canarynaam",
        "last_name": "Kanarie-Vogel",
        "email": "canary-7f3a@example.org",
        "phone": "0612340000",
        "postcode": "3328 AB",
        "house_number": "321 Z",
        "motivation": "CANARY-MOTIVATIE",
        "availability": "CANARY-BESCHIKBAAR",
    }
    post_signup(client, scenario.path, **canaries)
    post_signup(client, scenario.path, **canaries)  # the repeated sign-up
    post_signup(client, scenario.path, **{**canaries, "phone": "nee"})  # an error
    send_pending(app)
    links = links_in(smtp_server.wait_for(2)[0].text)
    press_button(client, links["confirm"])
    press_button(client, links["withdraw"])
    # The test SMTP server (aiosmtpd, logger "mail.log") logs what it receives; ours may not.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )
    assert "sign-up stored" in logged
    for value in (*canaries.values(), "321Z", "+31612340000", "3328AB", "canary", "198.51.100.7"):
        assert value.lower() not in logged.lower(), value
