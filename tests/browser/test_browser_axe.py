"""axe-core finds no violations on the shell's pages; the CSP blocks nothing the pages need."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from niemand_alleen.db import make_engine
from niemand_alleen.distribution.links import one_click_token, unsubscribe_token
from niemand_alleen.models import (
    Dispatch,
    Oproep,
    OproepStatus,
    Organisation,
    OrganisationWijk,
    Role,
    Volunteer,
    local_today,
)
from niemand_alleen.reference import has_reference, import_shipped_reference
from niemand_alleen.signup.tokens import confirm_token, withdraw_token

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}


@dataclass(frozen=True)
class Scenario:
    path: str
    role: Role | None = None
    heading: str = ""
    submit: str | None = None  # a button to press first (an empty form shows its errors)
    status: int = 200


SCENARIOS = {
    "public-home": Scenario("/", heading="Niemand Alleen"),
    "privacy": Scenario("/privacy", heading="Privacyverklaring"),
    "over": Scenario("/over", heading="Over deze dienst"),
    "inloggen": Scenario("/inloggen", heading="Inloggen voor medewerkers"),
    "inloggen-errors": Scenario(
        "/inloggen", heading="Inloggen voor medewerkers", submit="Inloggen"
    ),
    "404": Scenario("/bestaat-niet", heading="Pagina niet gevonden", status=404),
    "coordinator-home": Scenario("/", Role.COORDINATOR, heading="Overzicht"),
    "buurtwerker-home": Scenario("/", Role.BUURTWERKER, heading="Mijn aanmeldingen"),
    "beheerder-users": Scenario("/beheer/gebruikers", Role.BEHEERDER, heading="Gebruikers"),
    "beheerder-users-errors": Scenario(
        "/beheer/gebruikers", Role.BEHEERDER, heading="Gebruikers", submit="Account maken"
    ),
    "account": Scenario("/mijn-account", Role.COORDINATOR, heading="Mijn account"),
    "aanmelding-new": Scenario(
        "/aanmeldingen/nieuw", Role.BUURTWERKER, heading="Nieuwe aanmelding"
    ),
    "aanmelding-errors": Scenario(
        "/aanmeldingen/nieuw",
        Role.BUURTWERKER,
        heading="Nieuwe aanmelding",
        submit="Aanmelding opslaan",
    ),
    "oproepen": Scenario("/oproepen", Role.COORDINATOR, heading="Oproepen"),
    "evaluatie": Scenario("/evaluatie", Role.COORDINATOR, heading="Evaluatie"),
    "evaluatie-errors": Scenario(
        "/evaluatie?van=31-02-2025", Role.COORDINATOR, heading="Evaluatie", status=400
    ),
    "auditlog": Scenario("/beheer/audit", Role.BEHEERDER, heading="Auditlog"),
    "taken": Scenario("/beheer/taken", Role.BEHEERDER, heading="Periodieke taken"),
    "auditlog-errors": Scenario(
        "/beheer/audit?since=31-02-2026", Role.BEHEERDER, heading="Auditlog", status=400
    ),
    "privacy-requests": Scenario("/beheer/privacy", Role.BEHEERDER, heading="Privacyverzoeken"),
    "privacy-requests-errors": Scenario(
        "/beheer/privacy", Role.BEHEERDER, heading="Privacyverzoeken", submit="Gegevens wissen"
    ),
    "organisations": Scenario("/beheer/organisaties", Role.BEHEERDER, heading="Organisaties"),
    "organisations-filtered": Scenario(
        "/beheer/organisaties?status=active", Role.BEHEERDER, heading="Organisaties"
    ),
    "organisations-errors": Scenario(
        "/beheer/organisaties?pagina=0", Role.BEHEERDER, heading="Organisaties", status=400
    ),
    "aanmeldingen-errors": Scenario(
        "/aanmeldingen?status=onzin", Role.BUURTWERKER, heading="Mijn aanmeldingen", status=400
    ),
    "mail": Scenario("/beheer/mail", Role.BEHEERDER, heading="Mail"),
    "organisation-new": Scenario(
        "/beheer/organisaties/nieuw", Role.BEHEERDER, heading="Nieuwe organisatie"
    ),
    "organisation-errors": Scenario(
        "/beheer/organisaties/nieuw",
        Role.BEHEERDER,
        heading="Nieuwe organisatie",
        submit="Organisatie opslaan",
    ),
    "organisation-edit": Scenario(
        "/beheer/organisaties/{organisation}/wijzigen",
        Role.BEHEERDER,
        heading="Organisatie wijzigen",
    ),
    "organisation-import-errors": Scenario(
        "/beheer/organisaties/importeren",
        Role.BEHEERDER,
        heading="Organisaties importeren",
        submit="Importeren",
    ),
    "unsubscribe": Scenario(
        "/afmelden/organisatie/{unsubscribe}", heading="Afmelden voor oproepen"
    ),
    "unsubscribe-invalid": Scenario(
        "/afmelden/organisatie/onzin", heading="Deze afmeldlink werkt niet", status=404
    ),
    "unsubscribe-one-click": Scenario(
        "/afmelden/organisatie/een-klik/{one_click}", heading="Afmelden voor oproepen"
    ),
    "unsubscribe-confirm-invalid": Scenario(
        "/afmelden/organisatie/bevestigen/onzin",
        heading="Deze bevestigingslink werkt niet",
        status=404,
    ),
    "signup-oproep": Scenario("/aanmelden/{referral}", heading="Aanmelden als goede buur"),
    "signup-oproep-errors": Scenario(
        "/aanmelden/{referral}", heading="Aanmelden als goede buur", submit="Aanmelding versturen"
    ),
    "signup-general": Scenario("/aanmelden", heading="Aanmelden als goede buur"),
    "signup-general-errors": Scenario(
        "/aanmelden", heading="Aanmelden als goede buur", submit="Aanmelding versturen"
    ),
    "signup-sent": Scenario("/aanmelden/verstuurd", heading="Bedankt voor uw aanmelding"),
    "signup-confirm": Scenario("/aanmelden/bevestigen/{confirm}", heading="Aanmelding bevestigen"),
    "signup-withdraw": Scenario("/aanmelden/intrekken/{withdraw}", heading="Aanmelding intrekken"),
    "signup-link-invalid": Scenario("/aanmelden/onzin", heading="Deze link werkt niet", status=404),
    "staff-404": Scenario(
        "/bestaat-niet", Role.BUURTWERKER, heading="Pagina niet gevonden", status=404
    ),
}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


AXE_ORGANISATION_ID = uuid.UUID("00000000-0000-4000-8000-00000000a11e")
AXE_OPROEP_ID = uuid.UUID("00000000-0000-4000-8000-00000000a0e1")
AXE_VOLUNTEER_ID = uuid.UUID("00000000-0000-4000-8000-00000000a0e2")
AXE_REFERRAL = "axe-oproep-link"


@pytest.fixture
def path_values(live_server: Any, _live_server_state: None) -> dict[str, str]:
    """The wijken and one organisation on the live server (idempotent), for path placeholders.

    Function-scoped after ``_live_server_state``: the organisation's encrypted fields need
    the live server's keys.
    """
    engine = make_engine(live_server.settings.database_url)
    try:
        with Session(engine) as session:
            if not has_reference(session):
                import_shipped_reference(session)
            if session.get(Organisation, AXE_ORGANISATION_ID) is None:
                session.add(
                    Organisation(
                        id=AXE_ORGANISATION_ID,
                        name="Buurtkerk De Ark",
                        contact_emails="info@ark.example.org",
                    )
                )
                session.flush()
                for code in ("WK050509", "WK050510"):
                    session.add(
                        OrganisationWijk(organisation_id=AXE_ORGANISATION_ID, wijk_code=code)
                    )
            if session.get(Oproep, AXE_OPROEP_ID) is None:
                # An open oproep with its link, and an unconfirmed sign-up for the mail links.
                session.add(
                    Oproep(
                        id=AXE_OPROEP_ID,
                        text="Een vrouw van in de 80 zoekt gezelschap voor een wandeling.",
                        pc4="3328",
                        wijk_code="WK050509",
                        deadline=local_today() + timedelta(days=14),
                        status=OproepStatus.OPEN,
                    )
                )
                session.flush()
                session.add(
                    Dispatch(
                        oproep_id=AXE_OPROEP_ID,
                        organisation_id=AXE_ORGANISATION_ID,
                        referral_code=AXE_REFERRAL,
                    )
                )
                session.add(
                    Volunteer(
                        id=AXE_VOLUNTEER_ID,
                        oproep_id=AXE_OPROEP_ID,
                        first_name="Axe",
                        last_name="Buur",
                        email="axe@example.org",
                        email_hash="axe",
                        phone="+31612345678",
                        postcode="3328AB",
                        house_number="1",
                    )
                )
            session.commit()
    finally:
        engine.dispose()
    secret = live_server.settings.secret_key
    return {
        "organisation": str(AXE_ORGANISATION_ID),
        "unsubscribe": unsubscribe_token(secret, AXE_ORGANISATION_ID),
        "one_click": one_click_token(secret, AXE_ORGANISATION_ID),
        "referral": AXE_REFERRAL,
        "confirm": confirm_token(secret, AXE_VOLUNTEER_ID),
        "withdraw": withdraw_token(secret, AXE_VOLUNTEER_ID),
    }


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_page_has_no_axe_violations_and_no_csp_errors(
    open_site: Callable[..., Any], axe: Axe, name: str, path_values: dict[str, str]
) -> None:
    scenario = SCENARIOS[name]
    site = open_site(DESKTOP)
    if scenario.role is not None:
        site.login(scenario.role)
    response = site.goto(scenario.path.format(**path_values))
    assert response.status == scenario.status
    if scenario.submit:
        site.page.get_by_role("button", name=scenario.submit).click()
        site.page.wait_for_load_state()
        assert site.page.locator(".error-summary").is_visible()
    assert site.page.get_by_role("heading", level=1).inner_text() == scenario.heading

    # The same page at desktop width and narrowed to a phone's 375 px (media queries apply).
    for viewport in (DESKTOP, MOBILE):
        site.page.set_viewport_size(viewport)
        results = axe.run(site.page)
        width = viewport["width"]
        assert results.violations_count == 0, f"at {width}px:\n{results.generate_report()}"
        scroll_width = site.scroll_width()
        assert scroll_width <= width, f"horizontal scrolling at {width}px ({scroll_width}px wide)"
    assert site.csp_errors() == [], site.csp_errors()
