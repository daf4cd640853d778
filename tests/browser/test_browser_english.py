"""A neighbour whose browser asks for Dutch switches the public pages to English, signs up
on a phone, puts a mistake right, gets the mail in English and confirms (Chromium)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, select

from niemand_alleen import create_app
from niemand_alleen.db import make_engine
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Volunteer, VolunteerStatus
from niemand_alleen.reference import has_reference, import_shipped_reference
from niemand_alleen.signup.service import email_key

MOBILE = {"width": 375, "height": 740}
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:5000(/aanmelden/bevestigen/[A-Za-z0-9._\-]+)")


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """A session on the live server's database, with the shipped geography."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        if not has_reference(session):
            import_shipped_reference(session)
            session.commit()
        yield session
    engine.dispose()


@pytest.fixture
def send_mail(live_server: Any, smtp_server: Any) -> Iterator[Callable[[], None]]:
    """The worker's send-outbox job, aimed at the test SMTP server."""
    worker = create_app(live_server.settings.with_overrides(mail_port=smtp_server.port))

    def send() -> None:
        send_pending(worker)

    yield send
    worker.extensions["database"].engine.dispose()


def heading(page: Any) -> str:
    text: str = page.get_by_role("heading", level=1).inner_text()
    return text


def no_axe_violations(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_neighbour_switches_to_english_signs_up_and_confirms(
    open_site: Callable[..., Any],
    database: Session,
    send_mail: Callable[[], None],
    smtp_server: Any,
) -> None:
    email = f"sam.{uuid.uuid4().hex[:8]}@example.org"
    site = open_site(MOBILE)  # a browser that asks for Dutch (nl-NL)
    page = site.page
    site.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert heading(page) == "Niemand Alleen"

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Good neighbours for people in Dordrecht" in page.content()
    page.get_by_role("link", name="Sign up as a good neighbour").click()
    page.wait_for_load_state()
    assert heading(page) == "Sign up as a good neighbour"
    assert site.scroll_width() <= site.width
    no_axe_violations(page)

    # A mistake first: the errors are explained in English.
    page.get_by_label("First name", exact=True).fill("Sam")
    page.get_by_role("button", name="Send sign-up").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error: Sign up as a good neighbour")
    summary = page.get_by_role("alert")
    assert "Something went wrong" in summary.inner_text()
    assert "Please fill in your last name." in summary.inner_text()
    assert site.scroll_width() <= site.width
    no_axe_violations(page)

    for label, value in {
        "Last name": "Jansen",
        "Email address": email,
        "Phone number": "06 12345678",
        "Postcode": "3328 AB",
        "House number and addition": "14 b",
        "Which languages do you speak? (optional)": "English, Dutch",
    }.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("I have read the privacy statement", exact=False).check()
    page.get_by_role("button", name="Send sign-up").click()
    page.wait_for_load_state()
    assert heading(page) == "Thank you for signing up"
    assert page.locator("html").get_attribute("lang") == "en"
    no_axe_violations(page)

    database.rollback()
    (volunteer,) = database.exec(select(Volunteer).where(Volunteer.email_hash == email_key(email)))
    assert volunteer.locale == "en"

    send_mail()
    smtp_server.wait_for(1)
    (mail,) = smtp_server.to(email)
    assert mail.message["Subject"] == "Confirm your sign-up as a good neighbour"
    assert mail.text.startswith("Dear Sam,")
    match = CONFIRM_LINK.search(mail.text)
    assert match is not None
    site.goto(match.group(1))
    assert heading(page) == "Confirm sign-up"
    page.get_by_role("button", name="Yes, I confirm my sign-up").click()
    page.wait_for_load_state()
    assert heading(page) == "Your sign-up is confirmed"
    assert site.scroll_width() <= site.width
    no_axe_violations(page)
    database.rollback()
    database.refresh(volunteer)
    assert volunteer.status == VolunteerStatus.CONFIRMED

    # And back to Dutch with the switch.
    page.get_by_role("link", name="Nederlands").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert site.csp_errors() == []
