"""A staff member who forgot their password gets a new one in a real browser (Chromium): from
the login page, through the link in the mail that arrives at the test SMTP server, to logging
in with the new password. No JavaScript is needed on the way."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from niemand_alleen import create_app
from niemand_alleen.auth.service import create_user
from niemand_alleen.db import make_engine
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Role

OLD = "het oude wachtwoord van de browser"
NEW = "een nieuw wachtwoord uit de browser"
RESET_LINK = re.compile(r"http://127\.0\.0\.1:5000(/inloggen/nieuw-wachtwoord/[A-Za-z0-9_\-]+)")


@pytest.fixture
def staff_email(live_server: Any) -> Iterator[str]:
    """A staff member of its own: the shared accounts of the live server keep their password."""
    email = f"vergeten.{uuid.uuid4().hex[:8]}@example.org"
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine) as session:
        create_user(session, email=email, name="Ria Vergeet", role=Role.BUURTWERKER, password=OLD)
        session.commit()
    yield email
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


def test_from_the_login_page_through_the_mail_to_the_new_password(
    open_site: Callable[..., Any],
    staff_email: str,
    send_mail: Callable[[], None],
    smtp_server: Any,
) -> None:
    site = open_site()
    page = site.page
    site.goto("/inloggen")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.wait_for_load_state()
    assert heading(page) == "Wachtwoord vergeten"
    no_axe_violations(page)
    page.get_by_label("E-mailadres").fill(staff_email)
    page.get_by_role("button", name="Stuur mij een link").click()
    page.wait_for_load_state()
    assert heading(page) == "Kijk in uw mail"
    no_axe_violations(page)

    send_mail()
    smtp_server.wait_for(1)
    (mail,) = smtp_server.to(staff_email)
    assert "Beste Ria Vergeet," in mail.text
    match = RESET_LINK.search(mail.text)
    assert match is not None
    site.goto(match.group(1))
    assert heading(page) == "Nieuw wachtwoord kiezen"
    no_axe_violations(page)

    # Two different passwords: the error is named in the summary and at the field.
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW)
    page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW + "!")
    page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "De twee nieuwe wachtwoorden zijn niet gelijk." in summary.inner_text()
    no_axe_violations(page)

    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW)
    page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW)
    page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
    page.wait_for_url(lambda url: url.endswith("/inloggen"))
    assert "Log nu in met uw nieuwe wachtwoord" in page.content()

    page.get_by_label("E-mailadres").fill(staff_email)
    page.get_by_label("Wachtwoord", exact=True).fill(OLD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    assert "Deze combinatie van e-mailadres en wachtwoord klopt niet." in page.content()
    page.get_by_label("E-mailadres").fill(staff_email)
    page.get_by_label("Wachtwoord", exact=True).fill(NEW)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/inloggen" not in url)
    site.goto("/mijn-account")
    assert "Ria Vergeet" in page.content()

    site.goto(match.group(1))  # used once: the neutral page
    assert heading(page) == "Deze link werkt niet"
    assert site.csp_errors() == []
