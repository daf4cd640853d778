"""A forwarded oproep mail cannot unsubscribe the organisation (security review #15, finding 3).

The oproep is mailed through the real outbox and SMTP server, and the received mail is
read as its reader sees it. The part meant to be forwarded holds no link that changes
anything about the organisation; the body's unsubscribe link, outside that part, only
mails a confirmation link to the organisation's own addresses; the List-Unsubscribe
header (which forwarding drops) still unsubscribes with one POST.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import STERRENBURG, Scenario, add_organisation
from smtp import ReceivedMail, TestSmtpServer
from sqlmodel import Session, col, select

from niemand_alleen.distribution.service import remind_organisations, send_oproep
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    AuditEvent,
    Dispatch,
    Organisation,
    OrganisationWijk,
    OutboxMail,
    local_today,
)

FORWARD_START = "--- Door te sturen aan uw netwerk ---"
FORWARD_END = "--- Einde ---"
OWN_PART = "alleen voor uw organisatie, niet doorsturen"
ADDRESSES = ("balie@wijkcentrum.example.org", "coordinatie@wijkcentrum.example.org")
_URL = re.compile(r"https?://[^\s<>\"')]+")


class _Links(HTMLParser):
    """Every URL an HTML part could open: attributes and URLs written out as text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src", "action", "formaction", "background"} and value:
                self.found.add(value)

    def handle_data(self, data: str) -> None:
        self.found |= set(_URL.findall(data))


def html_links(html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return parser.found


def text_links(text: str) -> set[str]:
    return set(_URL.findall(text))


def forwardable(body: str) -> str:
    """The part between the markers, which must each be there once."""
    assert body.count(FORWARD_START) == 1, "no forwardable part"
    assert body.count(FORWARD_END) == 1
    return body.split(FORWARD_START, 1)[1].split(FORWARD_END, 1)[0]


def after_forwardable(body: str) -> str:
    return body.split(FORWARD_END, 1)[1]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_token(html: str) -> str | None:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else None


def about_the_organisation(session: Session, organisation: Organisation) -> dict[str, Any]:
    """Everything the database says about the organisation, as the app committed it."""
    session.rollback()
    session.expire_all()
    stored = session.get(Organisation, organisation.id)
    assert stored is not None
    mails = session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all()
    return {
        "organisation": stored.model_dump(),
        "wijken": sorted(
            session.exec(
                select(OrganisationWijk.wijk_code).where(
                    OrganisationWijk.organisation_id == organisation.id
                )
            ).all()
        ),
        "dispatches": sorted(
            repr(dispatch.model_dump())
            for dispatch in session.exec(
                select(Dispatch).where(Dispatch.organisation_id == organisation.id)
            ).all()
        ),
        "mails to it": [
            (mail.id, mail.kind, mail.status) for mail in mails if mail.recipient in ADDRESSES
        ],
        "audit": sorted(
            (event.id, event.detail)
            for event in session.exec(
                select(AuditEvent).where(AuditEvent.record_id == str(organisation.id))
            ).all()
        ),
    }


def sent_oproep(
    app: Flask, geography: Session, scenario: Scenario, smtp_server: TestSmtpServer
) -> tuple[Organisation, ReceivedMail]:
    organisation = add_organisation(
        geography, "Wijkcentrum Sterrenburg", STERRENBURG, emails=ADDRESSES
    )
    with app.app_context():
        send_oproep(
            geography,
            app.config["SETTINGS"],
            scenario.oproep,
            [organisation.id],
            scenario.coordinator.id,
            local_today(),
        )
        geography.commit()
    send_pending(app)
    first, second = smtp_server.wait_for(2)
    assert first.text == second.text  # one mail per registered address, the same text
    smtp_server.reset()
    return organisation, first


def open_as_outsider(client: FlaskClient, url: str) -> None:
    """GET the link, then POST it: with the form's own CSRF token if it shows a form, and
    without one (as a mail client's one-click POST would)."""
    path = path_of(url)
    page = client.get(path)
    assert page.status_code < 500, path
    token = form_token(page.get_data(as_text=True))
    posts = [{}, "List-Unsubscribe=One-Click"]
    if token:
        posts.append({"csrf_token": token})
    for data in posts:
        response = client.post(path, data=data, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, path


def test_the_oproep_mail_has_a_forwardable_part_and_a_part_for_the_organisation(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    _, mail = sent_oproep(app, geography, scenario, smtp_server)

    for body in (mail.text, mail.html):
        block = forwardable(body)
        assert "/aanmelden/" in block  # the call and its sign-up link
        assert "Een vrouw van in de 80" in block
        assert "/afmelden/" not in block
        own = after_forwardable(body)
        assert OWN_PART in own.casefold()
        assert "/afmelden/organisatie/" in own
        assert own.casefold().index(OWN_PART) < own.index("/afmelden/organisatie/")
    assert "Stuur dan alleen het deel tussen de twee streepjeslijnen door." in mail.text
    assert "Beste Wijkcentrum Sterrenburg" not in forwardable(mail.text)


def test_no_link_in_the_forwardable_part_changes_anything_about_the_organisation(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    organisation, mail = sent_oproep(app, geography, scenario, smtp_server)
    links = text_links(forwardable(mail.text)) | html_links(forwardable(mail.html))
    base = urlsplit(app.config["SETTINGS"].public_base_url).netloc
    assert links
    assert {urlsplit(link).netloc for link in links} == {base}
    before = about_the_organisation(geography, organisation)
    assert before["organisation"]["unsubscribed_at"] is None

    for link in sorted(links):
        open_as_outsider(app.test_client(), link)

    assert about_the_organisation(geography, organisation) == before
    send_pending(app)
    assert smtp_server.messages == []  # and nobody at the organisation got a mail


def test_the_body_unsubscribe_link_alone_changes_nothing_and_its_mailed_link_unsubscribes(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    organisation, mail = sent_oproep(app, geography, scenario, smtp_server)
    body_links = {
        link for link in text_links(mail.text) | html_links(mail.html) if "/afmelden/" in link
    }
    assert len(body_links) == 1
    (body_link,) = body_links
    before = about_the_organisation(geography, organisation)

    open_as_outsider(app.test_client(), body_link)  # also its button, with a valid token

    after = about_the_organisation(geography, organisation)
    assert after["organisation"] == before["organisation"]
    assert after["audit"] == before["audit"]
    send_pending(app)
    confirmations = smtp_server.wait_for(len(ADDRESSES))
    assert sorted(address for sent in confirmations for address in sent.recipients) == sorted(
        ADDRESSES
    )
    (confirm_link,) = {link for sent in confirmations for link in text_links(sent.text)}
    assert confirm_link not in mail.text  # a new link, only in the organisation's mailbox

    reader = app.test_client()  # someone at the organisation
    page = reader.get(path_of(confirm_link)).get_data(as_text=True)
    assert (
        about_the_organisation(geography, organisation)["organisation"] == (before["organisation"])
    )
    token = form_token(page)
    assert token is not None
    response = reader.post(path_of(confirm_link), data={"csrf_token": token})
    assert response.status_code == 200
    assert "U bent afgemeld" in response.get_data(as_text=True)
    assert about_the_organisation(geography, organisation)["organisation"]["unsubscribed_at"]


def test_the_header_one_click_link_is_not_in_the_body_and_unsubscribes(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    organisation, mail = sent_oproep(app, geography, scenario, smtp_server)
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(mail.message["List-Unsubscribe"])
    assert header.startswith("<")
    assert header.endswith(">")
    one_click = header[1:-1]
    body_links = text_links(mail.text) | html_links(mail.html)
    assert one_click not in body_links
    assert urlsplit(one_click).path not in {urlsplit(link).path for link in body_links}

    response = app.test_client().post(  # a mail client: no cookies, no CSRF token
        path_of(one_click),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert about_the_organisation(geography, organisation)["organisation"]["unsubscribed_at"]


def test_the_reminder_has_the_same_forwardable_part(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    organisation, _ = sent_oproep(app, geography, scenario, smtp_server)
    with app.app_context():
        oproep = geography.merge(scenario.oproep)
        remind_organisations(
            geography, app.config["SETTINGS"], oproep, scenario.coordinator.id, local_today()
        )
        geography.commit()
    send_pending(app)
    reminder = smtp_server.wait_for(len(ADDRESSES))[0]

    for body in (reminder.text, reminder.html):
        assert "/aanmelden/" in forwardable(body)
        assert "/afmelden/" not in forwardable(body)
        assert OWN_PART in after_forwardable(body).casefold()
    before = about_the_organisation(geography, organisation)
    for link in text_links(forwardable(reminder.text)) | html_links(forwardable(reminder.html)):
        open_as_outsider(app.test_client(), link)
    assert about_the_organisation(geography, organisation) == before
