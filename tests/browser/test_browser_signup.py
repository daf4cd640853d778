"""A neighbour signs up in a real browser (Chromium): on a phone, with every kind of error and
its recovery, and confirms through the mail that arrives at the test SMTP server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, select

from niemand_alleen import create_app
from niemand_alleen.db import make_engine
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    Dispatch,
    DispatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    Volunteer,
    VolunteerStatus,
    local_today,
)
from niemand_alleen.reference import has_reference, import_shipped_reference
from niemand_alleen.signup.service import email_key

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}
OPROEP_ID = uuid.UUID("00000000-0000-4000-8000-0000000b0e01")
ORGANISATION_ID = uuid.UUID("00000000-0000-4000-8000-0000000b0e02")
REFERRAL = "browser-oproep-1"
OPROEP_TEXT = "Een meneer van in de 70 zoekt iemand om samen naar de markt te gaan."
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:5000(/aanmelden/bevestigen/[A-Za-z0-9._\-]+)")


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """A session on the live server's database with an open oproep and its link (idempotent)."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        if not has_reference(session):
            import_shipped_reference(session)
        if session.get(Oproep, OPROEP_ID) is None:
            session.add(
                Organisation(
                    id=ORGANISATION_ID, name="Buurthuis Browser", contact_emails="b@example.org"
                )
            )
            session.add(
                Oproep(
                    id=OPROEP_ID,
                    text=OPROEP_TEXT,
                    pc4="3328",
                    wijk_code="WK050509",
                    deadline=local_today() + timedelta(days=14),
                    status=OproepStatus.OPEN,
                )
            )
            session.flush()
            session.add(
                Dispatch(
                    oproep_id=OPROEP_ID,
                    organisation_id=ORGANISATION_ID,
                    referral_code=REFERRAL,
                    status=DispatchStatus.SENT,
                )
            )
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


def signups(session: Session, email: str) -> list[Volunteer]:
    session.rollback()
    return list(session.exec(select(Volunteer).where(Volunteer.email_hash == email_key(email))))


def fill_form(page: Any, **values: str) -> None:
    labels = {
        "first_name": "Voornaam",
        "last_name": "Achternaam",
        "email": "E-mailadres",
        "phone": "Telefoonnummer",
        "postcode": "Postcode",
        "house_number": "Huisnummer en toevoeging",
        "availability": "Wanneer kunt u? (niet verplicht)",
        "motivation": "Waarom wilt u goede buur zijn? (niet verplicht)",
        "languages": "Welke talen spreekt u? (niet verplicht)",
    }
    for name, value in values.items():
        page.get_by_label(labels[name], exact=True).fill(value)


def consent(page: Any) -> Any:
    return page.get_by_label("Ik heb de privacyverklaring gelezen", exact=False)


def send(page: Any) -> None:
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_load_state()


def test_a_neighbour_signs_up_on_a_phone_and_confirms_through_the_mail(
    open_site: Callable[..., Any],
    database: Session,
    send_mail: Callable[[], None],
    smtp_server: Any,
) -> None:
    email = f"fatma.{uuid.uuid4().hex[:8]}@example.org"
    site = open_site(MOBILE)
    page = site.page
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    site.goto(f"/aanmelden/{REFERRAL}")
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden als goede buur"
    assert OPROEP_TEXT in page.content()
    assert site.scroll_width() <= site.width
    # Inputs are at least 16 px, so a phone does not zoom in when one is focused.
    font_size = page.get_by_label("Voornaam", exact=True).evaluate(
        "element => parseFloat(getComputedStyle(element).fontSize)"
    )
    assert font_size >= 16
    assert not page.locator("#website").is_visible()  # the honeypot

    fill_form(
        page,
        first_name="Fatma",
        last_name="Özdemir",
        email=email,
        phone="06 12345678",
        postcode="3328 ab",
        house_number="14 b",
        motivation="<script>alert('x')</script> Ik help graag.",
    )
    consent(page).check()
    page.get_by_label("U mag mij ook vragen voor latere oproepen in mijn wijk.").check()
    send(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Bedankt voor uw aanmelding"
    assert site.scroll_width() <= site.width
    (volunteer,) = signups(database, email)
    assert volunteer.status == VolunteerStatus.UNCONFIRMED
    assert volunteer.last_name == "Özdemir"
    assert volunteer.contact_again is True

    send_mail()
    smtp_server.wait_for(1)
    (mail,) = smtp_server.to(email)
    assert "Beste Fatma," in mail.text
    match = CONFIRM_LINK.search(mail.text)
    assert match is not None
    site.goto(match.group(1))
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelding bevestigen"
    page.get_by_role("button", name="Ja, ik bevestig mijn aanmelding").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Uw aanmelding is bevestigd"
    assert site.scroll_width() <= site.width
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    (volunteer,) = signups(database, email)
    assert volunteer.status == VolunteerStatus.CONFIRMED
    assert dialogs == []
    assert site.csp_errors() == []


def test_every_kind_of_error_is_explained_and_can_be_put_right(
    open_site: Callable[..., Any], database: Session
) -> None:
    email = f"nd.{uuid.uuid4().hex[:8]}@example.org"
    site = open_site(DESKTOP)
    page = site.page
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    site.goto(f"/aanmelden/{REFERRAL}")

    # Nothing filled in: one message per required field, each linked from the summary.
    send(page)
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Fout: ")
    expected = {
        "first_name": "Vul de voornaam in.",
        "last_name": "Vul de achternaam in.",
        "email": "Vul een e-mailadres in.",
        "phone": "Vul een telefoonnummer in.",
        "postcode": "Vul uw postcode in.",
        "house_number": "Vul uw huisnummer in.",
        "consent": "Vink aan dat u de privacyverklaring hebt gelezen.",
    }
    for field, message in expected.items():
        link = summary.get_by_role("link", name=message, exact=False)
        assert link.get_attribute("href") == f"#{field}"
    summary.get_by_role("link", name="Vul uw postcode in.").click()
    assert page.evaluate("location.hash") == "#postcode"

    # Wrong values: each refused with its own message, what was typed stays.
    wrong = {
        "first_name": "A" * 500,
        "last_name": "<script>alert('x')</script>",
        "email": "aminata@",
        "phone": "06-BLOEMEN",
        "postcode": "0123 AB",
        "house_number": "abc",
    }
    fill_form(page, **wrong)
    send(page)
    messages = page.locator(".error-message").all_inner_texts()
    for text in (
        "Een voornaam is hoogstens 100 tekens lang.",
        "Een achternaam bestaat uit letters",
        "Vul een geldig e-mailadres in",
        "Een telefoonnummer bestaat alleen uit cijfers",
        "Vul een geldige postcode in",
        "Vul een geldig huisnummer in",
        "Vink aan dat u de privacyverklaring hebt gelezen.",
    ):
        assert any(text in message for message in messages), (text, messages)
    assert page.get_by_label("Achternaam", exact=True).input_value() == wrong["last_name"]
    assert page.get_by_label("Telefoonnummer", exact=True).input_value() == "06-BLOEMEN"
    assert signups(database, email) == []

    # Put right one by one; the last error is the missing consent.
    fill_form(
        page,
        first_name="Aminata",
        last_name="N'Diaye",
        email=email,
        phone="078 1234567",
        postcode="3328 AB",
        house_number="2",
    )
    send(page)
    remaining = [
        " ".join(text.split()) for text in page.locator(".error-message").all_inner_texts()
    ]
    assert remaining == [
        "Fout: Vink aan dat u de privacyverklaring hebt gelezen. Zonder uw toestemming kunnen"
        " we uw aanmelding niet bewaren."
    ]
    assert page.get_by_label("Achternaam", exact=True).input_value() == "N'Diaye"
    consent(page).check()
    send(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Bedankt voor uw aanmelding"
    (volunteer,) = signups(database, email)
    assert (volunteer.first_name, volunteer.last_name) == ("Aminata", "N'Diaye")
    assert volunteer.phone == "+31781234567"
    assert dialogs == []
    assert site.csp_errors() == []


def test_the_general_signup_works_without_javascript(
    browser: Any, live_server: Any, database: Session
) -> None:
    email = f"algemeen.{uuid.uuid4().hex[:8]}@example.org"
    context = browser.new_context(viewport=MOBILE, java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Meld u aan als goede buur").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden als goede buur"
        fill_form(
            page,
            first_name="Jan-Willem",
            last_name="van der Berg-de Vries",
            email=email,
            phone="0612345678",
            postcode="3328AB",
            house_number="3",
        )
        consent(page).check()
        send(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Bedankt voor uw aanmelding"
    finally:
        context.close()
    (volunteer,) = signups(database, email)
    assert volunteer.oproep_id is None
    assert volunteer.last_name == "van der Berg-de Vries"
