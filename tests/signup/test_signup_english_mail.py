"""A neighbour who signs up on the English pages gets the confirm mail in English, and keeps
getting English mails; one who signs up in Dutch gets Dutch (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import PostSignup

from niemand_alleen.i18n import COOKIE
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Volunteer, utcnow


def test_a_neighbour_who_signed_up_in_english_is_mailed_in_english(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    client.set_cookie(COOKIE, "en")
    response = post_signup(client, scenario.path)
    assert response.status_code == 302
    sent_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for signing up" in sent_page

    (volunteer,) = db_session.exec(select(Volunteer)).all()
    assert volunteer.locale == "en"

    assert send_pending(app, utcnow() + timedelta(seconds=1)).sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Confirm your sign-up as a good neighbour"
    assert received.message["Content-Language"] == "en"
    text = received.text
    assert text.startswith("Dear Fatma,")
    assert "You signed up for a request from Niemand Alleen in Sterrenburg." in text
    assert "The link works for 7 days." in text
    assert "No longer want to take part? Withdraw your sign-up with this link." in text
    assert "Beste" not in text
    assert "uw aanmelding" not in text
    page = received.html
    assert '<html lang="en">' in page
    assert ">Confirm sign-up</a>" in page
    assert "Withdraw your sign-up</a>" in page


def test_a_neighbour_who_signed_up_in_dutch_is_mailed_in_dutch(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    client.set_cookie(COOKIE, "nl")
    post_signup(client, scenario.path)
    (volunteer,) = db_session.exec(select(Volunteer)).all()
    assert volunteer.locale == "nl"

    assert send_pending(app, utcnow() + timedelta(seconds=1)).sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Bevestig uw aanmelding als goede buur"
    assert received.message["Content-Language"] == "nl"
    assert received.text.startswith("Beste Fatma,")
    assert '<html lang="nl">' in received.html


def test_signing_up_again_in_english_gets_the_already_signed_up_mail_in_english(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    client.set_cookie(COOKIE, "en")
    post_signup(client, scenario.path)
    post_signup(client, scenario.path)

    assert send_pending(app, utcnow() + timedelta(seconds=1)).sent == 2
    subjects = sorted(str(mail.message["Subject"]) for mail in smtp_server.wait_for(2))
    assert subjects == [
        "Confirm your sign-up as a good neighbour",
        "You had already signed up as a good neighbour",
    ]
    again = next(m for m in smtp_server.messages if "already" in str(m.message["Subject"]))
    # The date of the first sign-up, written the English way.
    assert re.search(r"That was on \d{1,2} [A-Z][a-z]+ \d{4}\.", again.text), again.text
