"""A neighbour from outside Dordrecht signs up in a real browser (Chromium), on a phone and
on a desktop: the form says plainly whom the service is for, keeps what was typed, and takes
the sign-up only once the "toch helpen" box is ticked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, delete, select

from niemand_alleen.db import make_engine
from niemand_alleen.models import OutboxMail, SignupRate, Volunteer
from niemand_alleen.reference import has_reference, import_shipped_reference
from niemand_alleen.signup.service import email_key

MOBILE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
MESSAGE = (
    "Niemand Alleen is er voor Dordrecht. Uw postcode 3351 AB ligt buiten Dordrecht."
    " Wilt u toch helpen? Vink dan het vakje aan."
)
GO_ON = "Ik wil toch helpen, ook al woon ik buiten Dordrecht."


def forget_attempts(session: Session) -> None:
    """Every browser test signs up from 127.0.0.1 on one shared database: this test's
    attempts must not spend the hourly limit of the sign-up tests before or after it."""
    session.rollback()
    session.execute(delete(SignupRate))
    session.commit()


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """A session on the live server's database, with the shipped geography."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        if not has_reference(session):
            import_shipped_reference(session)
            session.commit()
        forget_attempts(session)
        yield session
        forget_attempts(session)
    engine.dispose()


def signups(session: Session, email: str) -> list[Volunteer]:
    session.rollback()
    return list(session.exec(select(Volunteer).where(Volunteer.email_hash == email_key(email))))


def outbox_count(session: Session) -> int:
    session.rollback()
    return len(session.exec(select(OutboxMail.id)).all())


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "desktop"])
def test_a_neighbour_from_papendrecht_is_asked_and_can_still_help(
    open_site: Callable[..., Any], database: Session, viewport: dict[str, int]
) -> None:
    email = f"papendrecht.{uuid.uuid4().hex[:8]}@example.org"
    site = open_site(viewport)
    page = site.page
    site.goto("/aanmelden")
    assert page.get_by_label(GO_ON).count() == 0  # not asked of anyone beforehand
    typed = {
        "Voornaam": "Joost",
        "Achternaam": "van Wijk",
        "E-mailadres": email,
        "Telefoonnummer": "06 12345678",
        "Postcode": "3351 AB",
        "Huisnummer en toevoeging": "7",
        "Waarom wilt u goede buur zijn? (niet verplicht)": "Ik werk in Dordrecht.",
    }
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Ik heb de privacyverklaring gelezen", exact=False).check()
    mails_before = outbox_count(database)
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_load_state()

    # Asked, not stored: the message at the top links to the box, which explains itself.
    assert page.title().startswith("Fout: ")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    link = summary.get_by_role("link", name=MESSAGE)
    assert link.get_attribute("href") == "#outside_area"
    notice = page.locator("#buiten-werkgebied")
    assert notice.is_visible()
    assert "U woont niet in Dordrecht." in notice.inner_text()
    assert "niet verder dan 2 km bij u vandaan" in notice.inner_text()
    box = page.get_by_label(GO_ON)
    assert box.is_visible()
    assert not box.is_checked()
    assert box.get_attribute("aria-invalid") == "true"
    for label, value in typed.items():
        assert page.get_by_label(label, exact=True).input_value() == value
    assert signups(database, email) == []
    assert outbox_count(database) == mails_before
    # Fits the screen, and is accessible (axe).
    assert site.scroll_width() <= site.width
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # The link in the summary leads to the box.
    link.click()
    assert page.evaluate("location.hash") == "#outside_area"

    # Ticked: taken, marked as outside the area.
    box.check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bedankt voor uw aanmelding"
    (volunteer,) = signups(database, email)
    assert volunteer.outside_area is True
    assert volunteer.pc4 == "3351"
    assert outbox_count(database) == mails_before + 1
    assert site.csp_errors() == []
