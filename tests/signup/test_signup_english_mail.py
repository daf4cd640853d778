"""A neighbour who signs up on the English pages gets the confirm mail in English, and keeps
getting English mails; one who signs up in Dutch gets Dutch (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import PostSignup

from niemand_alleen.i18n import COOKIE
from niemand_alleen.mail.outbox import render_mail
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


def test_match_mails_follow_the_neighbours_language_and_staff_mails_stay_dutch(
    app: Flask,
) -> None:
    links = {
        "withdraw_url": "https://example.org/w",
        "privacy_url": "https://example.org/privacy",
        "general_signup_url": "https://example.org/aanmelden",
    }
    contact = SimpleNamespace(name="Cor de Coördinator", email="cor@example.org")
    # Rendered while an English public page is being answered: only the neighbour's language
    # counts, and a mail to staff stays Dutch.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        confirmed = render_mail(
            "match_confirmed",
            locale="en",
            first_name="Sam",
            wijk_name="Sterrenburg",
            contact=contact,
            **links,
        )
        thanks = render_mail(
            "match_thanks",
            locale="en",
            first_name="Sam",
            wijk_name=None,
            contact=None,
            contact_again=False,
            **links,
        )
        dutch_thanks = render_mail(
            "match_thanks",
            locale="nl",
            first_name="Sam",
            wijk_name=None,
            contact=None,
            contact_again=True,
            **links,
        )
        staff = render_mail("password_changed", staff_name="Cor")

    assert confirmed.subject == "You are a good neighbour in Sterrenburg: what happens next"
    assert confirmed.locale == "en"
    assert "The coordinator (Cor de Coördinator) will soon put you in touch" in confirmed.body_text
    assert "You can always email the coordinator: cor@example.org" in confirmed.body_text
    assert thanks.subject == "Thank you for signing up as a good neighbour"
    assert "The search for this request has now been completed." in thanks.body_text
    assert thanks.body_html is not None
    assert '<a href="https://example.org/aanmelden">Sign up for your neighbourhood</a>' in (
        thanks.body_html
    )
    assert dutch_thanks.subject == "Dank u wel voor uw aanmelding als goede buur"
    assert dutch_thanks.locale == "nl"
    assert staff.locale == "nl"
    assert staff.subject == "Uw wachtwoord voor Niemand Alleen is gewijzigd"
