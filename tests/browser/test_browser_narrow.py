"""Every page fits a phone's 375 px: no horizontal scrolling, and axe finds no violations.

The pages come from the app itself: every GET route, visited as each role that may see it
(or anonymously when it is public), with rows from tests/factories.py so that lists, details
and the matching page are filled; then the pages that only appear after a form is sent
(result pages, error summaries, the expired-form page). Two checks keep the list complete: every
GET route with every allowed role is visited, and every page template in templates/ is
rendered by some visit. A new page that this test does not reach fails here.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import template_rendered
from sqlmodel import Session, col, select
from support import view_roles
from werkzeug.exceptions import NotFound

from niemand_alleen import create_app
from niemand_alleen.auth import totp
from niemand_alleen.auth.service import RESET_MAIL_KIND, create_user, find_user_by_email
from niemand_alleen.db import make_engine
from niemand_alleen.distribution.links import (
    one_click_token,
    unsubscribe_confirm_token,
    unsubscribe_token,
)
from niemand_alleen.geo import LocationPrecision
from niemand_alleen.models import (
    DeclineCode,
    Dispatch,
    MailStatus,
    Match,
    MatchStatus,
    OproepStatus,
    OutboxMail,
    QuestionnaireAnswer,
    QuestionnaireAudience,
    Resident,
    Role,
    UnsubscribeRequest,
    Volunteer,
    VolunteerStatus,
    utcnow,
)
from niemand_alleen.reference import has_reference, import_shipped_reference
from niemand_alleen.signup.tokens import confirm_token, withdraw_token

MOBILE = {"width": 375, "height": 740}
PASSWORD = "een lang genoeg wachtwoord voor de browser"  # the live server's accounts (conftest)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STERRENBURG = "WK050509"
# Groenedijk (3328AB), Sterrenburg: the residents of these pages live about here.
HOME = (51.7935, 4.6920)

# GET routes that are downloads, not pages.
NOT_PAGES = {
    "evaluation.evaluation_export": "CSV download",
    "evaluation.questionnaires_export": "CSV download",
    "organisations.export_organisations": "CSV download",
}


def _uuid(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-00000000375{n:x}")


RESIDENT_ID, DRAFT_ID, CLOSED_ID, MATCHED_ID, OPEN_ID = (_uuid(n) for n in range(5))
ORGANISATION_ID, UNCONFIRMED_ID = _uuid(5), _uuid(6)
REFERRAL = "smal-scherm-oproep"
CODE_USER = "smal.code@browser.example.org"  # has a second factor: login asks the code
LONG_TEXT = (
    "Mevrouw woont sinds kort alleen in een flat aan de rand van de wijk en mist de "
    "contacten van vroeger. Ze houdt van wandelen, kaarten en een kop koffie op het balkon. "
    "Vervoersmogelijkheidsonderzoeksresultaten en andere heel lange samengestelde woorden "
    "mogen de pagina niet breder maken dan het scherm."
)


@dataclass(frozen=True)
class Narrow:
    """The rows of these pages on the live server, and the links that name them."""

    values: dict[str, str]
    secret_key: str
    engine_url: str


def _located(session: Session, **changes: object) -> Any:
    return factories.resident(
        session,
        street="Groenedijk",
        house_number="212",
        postcode="3328AB",
        pc4="3328",
        location=f"{HOME[0]:.6f},{HOME[1]:.6f}",
        location_precision=LocationPrecision.ADDRESS,
        wijk_code=STERRENBURG,
        help_wished="bezoekje,wandelen,boodschappen",
        help_other="Samen naar de weekmarkt op zaterdag en af en toe naar de bibliotheek",
        preferences="Liever een vrouw, spreekt Turks en Nederlands",
        situation=LONG_TEXT,
        **changes,
    )


def _neighbour(session: Session, oproep_id: uuid.UUID, number: int, **changes: Any) -> Any:
    return factories.signup(
        session,
        oproep_id=oproep_id,
        first_name=f"Buurvrouw{number}",
        last_name="van der Heijden-Vermeulen",
        email=f"buurvrouw.nummer{number}.van.der.heijden-vermeulen@voorbeeld-organisatie.nl",
        lat=round(HOME[0] + number * 0.002, 3),
        lon=round(HOME[1], 3),
        location_precision=LocationPrecision.PC6,
        pc4="3328",
        wijk_code=STERRENBURG,
        availability="Doordeweeks na vijf uur, en op zaterdagochtend als het weer goed is",
        motivation=LONG_TEXT,
        languages="Nederlands, Turks, Engels" if number % 2 else "Nederlands",
        created_at=utcnow() - timedelta(days=3, minutes=-number),
        **changes,
    )


def _oproep(session: Session, oproep_id: uuid.UUID, status: OproepStatus, **changes: Any) -> Any:
    """A sent oproep (open or further) of a resident in Sterrenburg, registered 61 days ago."""
    registered = utcnow() - timedelta(days=61)
    resident = _located(session, created_at=registered)
    made = factories.oproep(
        session,
        status=status,
        of=resident,
        id=oproep_id,
        wijk_code=STERRENBURG,
        created_at=registered,
        approved_at=registered + timedelta(days=1),
        sent_at=registered + timedelta(days=2),
        **changes,
    )
    made.text = LONG_TEXT
    session.add(made)
    session.commit()
    return made


def _with_proposals(session: Session, oproep_id: uuid.UUID, statuses: list[MatchStatus]) -> None:
    for rank, status in enumerate(statuses, start=1):
        volunteer = _neighbour(session, oproep_id, rank)
        session.add(
            Match(
                oproep_id=oproep_id,
                volunteer_id=volunteer.id,
                rank=rank,
                status=status,
                decline_code=DeclineCode.NO_TIME if status is MatchStatus.DECLINED else None,
                decline_reason=LONG_TEXT if status is MatchStatus.DECLINED else None,
            )
        )
    session.commit()


def _seed(session: Session, live_server: Any) -> None:
    """The rows, once per live server (the ids are fixed)."""
    if not has_reference(session):
        import_shipped_reference(session)
        session.commit()
    if session.get(Resident, RESIDENT_ID) is not None:
        return
    buurtwerker = find_user_by_email(session, live_server.emails[Role.BUURTWERKER])
    assert buurtwerker is not None
    own = factories.resident(
        session,
        id=RESIDENT_ID,
        registered_by_id=buurtwerker.id,
        first_name="Wilhelmina Johanna",
        last_name="van den Boogaard-Schoonderwoerd",
        email="wilhelmina.van.den.boogaard-schoonderwoerd@voorbeeld-provider.nl",
        situation=LONG_TEXT,
        preferences="Liever een vrouw, spreekt Turks en Nederlands",
    )
    factories.organisation(
        session,
        "Stichting Buurtkerk en Wijkcentrum De Ark van Sterrenburg",
        STERRENBURG,
        emails=("secretariaat.wijkcentrum.de-ark@voorbeeld-organisatie.nl",),
        id=ORGANISATION_ID,
    )
    factories.oproep(
        session, of=own, id=DRAFT_ID, text=LONG_TEXT, wijk_code=STERRENBURG, pc4="3311"
    )
    _oproep(session, OPEN_ID, OproepStatus.OPEN)
    session.add(
        Dispatch(oproep_id=OPEN_ID, organisation_id=ORGANISATION_ID, referral_code=REFERRAL)
    )
    session.commit()
    _neighbour(session, OPEN_ID, 7)
    factories.signup(
        session,
        oproep_id=OPEN_ID,
        id=UNCONFIRMED_ID,
        status=VolunteerStatus.UNCONFIRMED,
        email="nog.niet.bevestigd@example.org",
    )
    closed = _oproep(session, CLOSED_ID, OproepStatus.CLOSED, closed_at=utcnow())
    assert closed.status is OproepStatus.CLOSED
    _with_proposals(
        session,
        CLOSED_ID,
        [MatchStatus.CONFIRMED, MatchStatus.DECLINED, MatchStatus.APPROACHED],
    )
    _neighbour(session, CLOSED_ID, 4)  # the next candidate
    _neighbour(session, CLOSED_ID, 5, status=VolunteerStatus.WITHDRAWN)  # "vallen af"
    _oproep(
        session,
        MATCHED_ID,
        OproepStatus.MATCHED,
        closed_at=utcnow() - timedelta(days=50),
        matched_at=utcnow() - timedelta(days=45),
    )
    _with_proposals(session, MATCHED_ID, [MatchStatus.CONFIRMED] * 3)
    session.add(
        OutboxMail(
            idempotency_key="smal-scherm-mislukt",
            kind="match_proposals",
            recipient="coordinator.met.een.heel.lang.adres@voorbeeld-organisatie.nl",
            subject="Voorstellen klaar",
            body_text="Tekst",
            status=MailStatus.FAILED,
            attempts=5,
            last_error="550 5.1.1 <coordinator.met.een.heel.lang.adres@voorbeeld-organisatie.nl>"
            ": Recipient address rejected: User unknown in virtual mailbox table",
            oproep_id=CLOSED_ID,
        )
    )
    session.add(
        QuestionnaireAnswer(
            audience=QuestionnaireAudience.NEIGHBOUR,
            answered_on=utcnow().date(),
            score_1=5,
            score_2=4,
            score_3=3,
            open_answer=LONG_TEXT,
        )
    )
    create_user(
        session, email=CODE_USER, name="Sanne Code", role=Role.COORDINATOR, password=PASSWORD
    )
    code_user = find_user_by_email(session, CODE_USER)
    assert code_user is not None
    code_user.totp_secret = totp.new_secret()
    code_user.totp_enrolled_at = utcnow()
    session.add(code_user)
    session.commit()


@pytest.fixture
def narrow(live_server: Any, _live_server_state: None) -> Narrow:
    """The seeded rows (function-scoped after ``_live_server_state``: the encrypted fields
    need the live server's keys)."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    try:
        with Session(engine) as session:
            _seed(session, live_server)
    finally:
        engine.dispose()
    secret = live_server.settings.secret_key
    return Narrow(
        values={
            "resident": str(RESIDENT_ID),
            "draft": str(DRAFT_ID),
            "open": str(OPEN_ID),
            "closed": str(CLOSED_ID),
            "matched": str(MATCHED_ID),
            "organisation": str(ORGANISATION_ID),
            "referral": REFERRAL,
            "confirm": confirm_token(secret, UNCONFIRMED_ID),
            "withdraw": withdraw_token(secret, UNCONFIRMED_ID),
            "unsubscribe": unsubscribe_token(secret, ORGANISATION_ID),
            "one_click": one_click_token(secret, ORGANISATION_ID),
        },
        secret_key=secret,
        engine_url=live_server.settings.database_url,
    )


@pytest.fixture
def rendered() -> Iterator[list[str]]:
    """The names of the templates the live server renders meanwhile."""
    names: list[str] = []

    def record(_sender: object, template: Any, **_extra: object) -> None:
        names.append(str(template.name))

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


# --- what a visit does besides opening its page ------------------------------------------

Step = Callable[[Any, Narrow], None]


def _session(narrow: Narrow) -> Iterator[Session]:
    engine = make_engine(narrow.engine_url, immediate_writes=False)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _login_as(site: Any, email: str) -> None:
    site.goto("/inloggen")
    site.page.get_by_label("E-mailadres").fill(email)
    site.page.get_by_label("Wachtwoord").fill(PASSWORD)
    site.page.get_by_role("button", name="Inloggen").click()
    site.page.wait_for_url(lambda url: "/inloggen?" not in url and not url.endswith("/inloggen"))


def _click(site: Any, button: str) -> None:
    site.page.get_by_role("button", name=button).click()
    site.page.wait_for_load_state()


def _submit_empty(button: str) -> Step:
    def step(site: Any, _narrow: Narrow) -> None:
        _click(site, button)
        assert site.page.locator(".error-summary").count() > 0

    return step


def _press(button: str) -> Step:
    return lambda site, _narrow: _click(site, button)


def _code_page(site: Any, _narrow: Narrow) -> None:
    _login_as(site, CODE_USER)
    assert site.page.url.endswith("/inloggen/code")


def _recovery_codes(site: Any, narrow: Narrow) -> None:
    email = f"smal.herstel.{uuid.uuid4().hex[:8]}@example.org"
    for session in _session(narrow):
        create_user(
            session, email=email, name="Herma Herstel", role=Role.BUURTWERKER, password=PASSWORD
        )
        session.commit()
    _login_as(site, email)
    site.goto("/mijn-account/tweede-stap")
    secret = site.page.locator("input[name=secret]").input_value()
    code = totp.code_at(secret, totp.time_step(time.time()))
    site.page.get_by_label("Code", exact=True).fill(code)
    _click(site, "Instellen")


def _user_created(site: Any, _narrow: Narrow) -> None:
    page = site.page
    page.get_by_label("Naam").fill("Nieuwe Collega met een Lange Naam")
    page.get_by_label("E-mailadres").fill(f"nieuw.{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Rol").select_option(Role.BUURTWERKER.value)
    _click(site, "Account maken")


def _forgot(site: Any, _narrow: Narrow) -> None:
    site.page.get_by_label("E-mailadres").fill("iemand@example.org")
    _click(site, "Stuur mij een link")


def _reset_page(site: Any, narrow: Narrow) -> None:
    """Ask for a link as a staff member of its own, and follow the link in the mail."""
    email = f"smal.vergeten.{uuid.uuid4().hex[:8]}@example.org"
    for session in _session(narrow):
        create_user(
            session, email=email, name="Vera Vergeet", role=Role.COORDINATOR, password=PASSWORD
        )
        session.commit()
    site.goto("/inloggen/wachtwoord-vergeten")
    site.page.get_by_label("E-mailadres").fill(email)
    _click(site, "Stuur mij een link")
    for session in _session(narrow):
        mails = session.exec(select(OutboxMail).where(OutboxMail.kind == RESET_MAIL_KIND)).all()
        (body,) = [mail.body_text or "" for mail in mails if mail.recipient == email]
    link = re.search(r"/inloggen/nieuw-wachtwoord/[A-Za-z0-9_\-]+", body)
    assert link is not None
    site.goto(link.group(0))


def _expired_form(site: Any, _narrow: Narrow) -> None:
    site.page.locator("input[name=csrf_token]").evaluate("input => { input.value = 'verlopen'; }")
    site.page.get_by_label("E-mailadres").fill("iemand@example.org")
    site.page.get_by_label("Wachtwoord").fill("een wachtwoord")
    _click(site, "Inloggen")


def _unsubscribe_confirm(confirm: bool) -> Step:
    def step(site: Any, narrow: Narrow) -> None:
        _click(site, "Stuur de bevestigingslink")
        for session in _session(narrow):
            request = session.exec(
                select(UnsubscribeRequest)
                .where(UnsubscribeRequest.organisation_id == ORGANISATION_ID)
                .order_by(col(UnsubscribeRequest.requested_at).desc())
            ).first()
            assert request is not None
            token = unsubscribe_confirm_token(narrow.secret_key, request.id)
        site.goto(f"/afmelden/organisatie/bevestigen/{token}")
        if confirm:
            _click(site, "Ja, meld onze organisatie af")

    return step


def _fresh_signup(button: str, token_of: Callable[[str, uuid.UUID], str], path: str) -> Step:
    """A sign-up of its own (confirming or withdrawing changes it), then the button."""

    def step(site: Any, narrow: Narrow) -> None:
        for session in _session(narrow):
            volunteer = factories.signup(
                session, oproep_id=OPEN_ID, status=VolunteerStatus.UNCONFIRMED
            )
        site.goto(path.format(token=token_of(narrow.secret_key, volunteer.id)))
        _click(site, button)

    return step


def _questionnaire(send_empty: bool) -> Step:
    """A questionnaire link of its own (answering uses it up); optionally sent unanswered."""

    def step(site: Any, narrow: Narrow) -> None:
        for session in _session(narrow):
            _invitation, token = factories.questionnaire_invitation(session)
        site.goto(f"/vragenlijst/{token}")
        if send_empty:
            _click(site, "Antwoorden versturen")
            assert site.page.locator(".error-summary").count() > 0

    return step


def _erase(site: Any, narrow: Narrow) -> None:
    for session in _session(narrow):
        volunteer: Volunteer = factories.signup(session, oproep_id=OPEN_ID)
    form = site.page.locator("form[action$='/wissen']")
    form.get_by_label("Goede buur").check()
    form.get_by_label("Nummer (id) of e-mailadres").fill(str(volunteer.id))
    form.get_by_label("Ja, wis deze gegevens").check()
    _click(site, "Gegevens wissen")


def _reopen_refused(site: Any, _narrow: Narrow) -> None:
    _click(site, "Weer openen")  # without a date
    assert site.page.locator(".error-summary").count() > 0


# --- the visits ----------------------------------------------------------------------------

STAFF = (Role.COORDINATOR, Role.BUURTWERKER, Role.BEHEERDER)


@dataclass(frozen=True)
class Visit:
    path: str  # with {placeholders} from Narrow.values
    template: str  # the page template the visit ends on
    role: Role | None = None  # None: not logged in (or logged in by ``then``)
    then: Step | None = None  # what to do on the page before checking (a form, a button)
    status: int = 200  # of the first page


VISITS: dict[str, Visit] = {
    # Public
    "home": Visit("/", "web/home_public.html"),
    "privacy": Visit("/privacy", "web/privacy.html"),
    "over": Visit("/over", "web/about.html"),
    "inloggen": Visit("/inloggen", "auth/login.html"),
    "inloggen-errors": Visit("/inloggen", "auth/login.html", then=_submit_empty("Inloggen")),
    "inloggen-expired-form": Visit("/inloggen", "errors/csrf.html", then=_expired_form),
    "inloggen-code": Visit("/inloggen/code", "auth/second_factor.html", then=_code_page),
    # Without a pending login (the live server requires no second factor) this sends the
    # visitor back to log in; the enrolment page itself is visited under /mijn-account.
    "inloggen-instellen": Visit("/inloggen/instellen", "auth/login.html"),
    "wachtwoord-vergeten": Visit("/inloggen/wachtwoord-vergeten", "auth/forgot_password.html"),
    "wachtwoord-vergeten-sent": Visit(
        "/inloggen/wachtwoord-vergeten", "auth/reset_requested.html", then=_forgot
    ),
    "nieuw-wachtwoord": Visit("/inloggen", "auth/reset_password.html", then=_reset_page),
    "nieuw-wachtwoord-refused": Visit(
        "/inloggen/nieuw-wachtwoord/onzin", "auth/reset_link_refused.html", status=404
    ),
    "signup-general": Visit("/aanmelden", "signup/form.html"),
    "signup-general-errors": Visit(
        "/aanmelden", "signup/form.html", then=_submit_empty("Aanmelding versturen")
    ),
    "signup-oproep": Visit("/aanmelden/{referral}", "signup/form.html"),
    "signup-oproep-errors": Visit(
        "/aanmelden/{referral}", "signup/form.html", then=_submit_empty("Aanmelding versturen")
    ),
    "signup-link-invalid": Visit("/aanmelden/onzin", "signup/link_invalid.html", status=404),
    "signup-sent": Visit("/aanmelden/verstuurd", "signup/sent.html"),
    "signup-confirm": Visit("/aanmelden/bevestigen/{confirm}", "signup/confirm.html"),
    "signup-confirmed": Visit(
        "/aanmelden",
        "signup/confirmed.html",
        then=_fresh_signup(
            "Ja, ik bevestig mijn aanmelding", confirm_token, "/aanmelden/bevestigen/{token}"
        ),
    ),
    "signup-withdraw": Visit("/aanmelden/intrekken/{withdraw}", "signup/withdraw.html"),
    "signup-withdrawn": Visit(
        "/aanmelden",
        "signup/withdrawn.html",
        then=_fresh_signup(
            "Ja, trek mijn aanmelding in", withdraw_token, "/aanmelden/intrekken/{token}"
        ),
    ),
    "unsubscribe": Visit("/afmelden/organisatie/{unsubscribe}", "organisations/unsubscribe.html"),
    "unsubscribe-requested": Visit(
        "/afmelden/organisatie/{unsubscribe}",
        "organisations/unsubscribe_requested.html",
        then=_press("Stuur de bevestigingslink"),
    ),
    "unsubscribe-confirm": Visit(
        "/afmelden/organisatie/{unsubscribe}",
        "organisations/unsubscribe_confirm.html",
        then=_unsubscribe_confirm(confirm=False),
    ),
    "unsubscribe-done": Visit(
        "/afmelden/organisatie/{unsubscribe}",
        "organisations/unsubscribe_done.html",
        then=_unsubscribe_confirm(confirm=True),
    ),
    "unsubscribe-confirm-invalid": Visit(
        "/afmelden/organisatie/bevestigen/onzin",
        "organisations/unsubscribe_invalid.html",
        status=404,
    ),
    "unsubscribe-one-click": Visit(
        "/afmelden/organisatie/een-klik/{one_click}", "organisations/unsubscribe_one_click.html"
    ),
    "questionnaire": Visit("/", "feedback/form.html", then=_questionnaire(send_empty=False)),
    "questionnaire-errors": Visit("/", "feedback/form.html", then=_questionnaire(send_empty=True)),
    "questionnaire-thanks": Visit("/vragenlijst/bedankt", "feedback/thanks.html"),
    "questionnaire-invalid": Visit("/vragenlijst/onzin", "feedback/link_invalid.html", status=404),
    "404": Visit("/bestaat-niet", "errors/error.html", status=404),
    # Every staff role
    **{
        f"{role.value}-{name}": Visit(
            path,
            # The buurtwerker's overview is the list of their aanmeldingen.
            "intake/my_residents.html" if (role, path) == (Role.BUURTWERKER, "/") else template,
            role,
        )
        for role in STAFF
        for name, path, template in (
            ("home", "/", "web/home_staff.html"),
            ("account", "/mijn-account", "web/account.html"),
            ("password", "/mijn-account/wachtwoord", "auth/change_password.html"),
            ("enrol", "/mijn-account/tweede-stap", "auth/enrol.html"),
        )
    },
    "recovery-codes": Visit("/inloggen", "auth/recovery_codes.html", then=_recovery_codes),
    # Buurtwerker
    "aanmeldingen": Visit("/aanmeldingen", "intake/my_residents.html", Role.BUURTWERKER),
    "aanmelding": Visit(
        "/aanmeldingen/{resident}", "intake/resident_detail.html", Role.BUURTWERKER
    ),
    "aanmelding-new": Visit("/aanmeldingen/nieuw", "intake/resident_form.html", Role.BUURTWERKER),
    "aanmelding-errors": Visit(
        "/aanmeldingen/nieuw",
        "intake/resident_form.html",
        Role.BUURTWERKER,
        then=_submit_empty("Aanmelding opslaan"),
    ),
    "aanmelding-edit": Visit(
        "/aanmeldingen/{resident}/wijzigen", "intake/resident_form.html", Role.BUURTWERKER
    ),
    # Coordinator
    "oproepen": Visit("/oproepen", "intake/oproepen.html", Role.COORDINATOR),
    "oproep-review-draft": Visit("/oproepen/{draft}", "intake/review.html", Role.COORDINATOR),
    "oproep-review-open": Visit("/oproepen/{open}", "intake/review.html", Role.COORDINATOR),
    "verspreiding": Visit(
        "/oproepen/{open}/verspreiding", "distribution/oproep.html", Role.COORDINATOR
    ),
    "verspreiding-closed": Visit(
        "/oproepen/{closed}/verspreiding", "distribution/oproep.html", Role.COORDINATOR
    ),
    "koppelen-open": Visit("/oproepen/{open}/koppelen", "matching/oproep.html", Role.COORDINATOR),
    "koppelen-closed": Visit(
        "/oproepen/{closed}/koppelen", "matching/oproep.html", Role.COORDINATOR
    ),
    "koppelen-closed-errors": Visit(
        "/oproepen/{closed}/koppelen",
        "matching/oproep.html",
        Role.COORDINATOR,
        then=_reopen_refused,
    ),
    "koppelen-matched": Visit(
        "/oproepen/{matched}/koppelen", "matching/oproep.html", Role.COORDINATOR
    ),
    "evaluatie": Visit("/evaluatie", "matching/evaluation.html", Role.COORDINATOR),
    # Beheerder
    "gebruikers": Visit("/beheer/gebruikers", "auth/users.html", Role.BEHEERDER),
    "gebruikers-errors": Visit(
        "/beheer/gebruikers", "auth/users.html", Role.BEHEERDER, then=_submit_empty("Account maken")
    ),
    "gebruiker-created": Visit(
        "/beheer/gebruikers", "auth/user_created.html", Role.BEHEERDER, then=_user_created
    ),
    "organisaties": Visit("/beheer/organisaties", "organisations/list.html", Role.BEHEERDER),
    "organisatie-new": Visit(
        "/beheer/organisaties/nieuw", "organisations/form.html", Role.BEHEERDER
    ),
    "organisatie-errors": Visit(
        "/beheer/organisaties/nieuw",
        "organisations/form.html",
        Role.BEHEERDER,
        then=_submit_empty("Organisatie opslaan"),
    ),
    "organisatie-edit": Visit(
        "/beheer/organisaties/{organisation}/wijzigen", "organisations/form.html", Role.BEHEERDER
    ),
    "organisaties-import": Visit(
        "/beheer/organisaties/importeren", "organisations/import.html", Role.BEHEERDER
    ),
    "auditlog": Visit("/beheer/audit", "audit/log.html", Role.BEHEERDER),
    "taken": Visit("/beheer/taken", "jobs/overview.html", Role.BEHEERDER),
    "mail": Visit("/beheer/mail", "mail_admin/overview.html", Role.BEHEERDER),
    "privacyverzoeken": Visit("/beheer/privacy", "privacy_admin/privacy.html", Role.BEHEERDER),
    "privacyverzoeken-erased": Visit(
        "/beheer/privacy", "privacy_admin/erased.html", Role.BEHEERDER, then=_erase
    ),
}

# The elements that stick out (ignoring those inside a region that scrolls by itself), and
# those whose own content (a long word) sticks out of them.
TOO_WIDE = """width => {
  const wide = [];
  const scrolls = element => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    const spills = element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0
      && getComputedStyle(element).overflowX === "visible";
    if (box.width > 0 && (box.right > width + 0.5 || spills) && !scrolls(element)) {
      const classes = typeof element.className === "string" && element.className.trim()
        ? "." + element.className.trim().split(/\\s+/).join(".") : "";
      const right = Math.round(box.right);
      const what = spills ? " (content " + element.scrollWidth + " in " + element.clientWidth + ")"
        : " (right edge " + right + ")";
      wide.push(element.tagName.toLowerCase() + classes + what);
    }
  }
  return wide.slice(0, 10);
}"""


# Tables that do not fit their box at this width: the columns past the edge are hidden
# behind a scroll inside the table with no cue, and their text is cut off at the edge. On a
# phone every table reads as stacked blocks ("label: value") instead.
HIDDEN_COLUMNS = """() => {
  const hidden = [];
  for (const table of document.querySelectorAll("main table")) {
    const box = table.parentElement.getBoundingClientRect();
    const own = table.getBoundingClientRect();
    const cut = [...table.querySelectorAll("tbody th, tbody td")].filter(cell => {
      const r = cell.getBoundingClientRect();
      return r.width > 0 && (r.right > box.right + 1 || cell.scrollWidth > cell.clientWidth + 1);
    });
    if (own.width > box.width + 1 || cut.length) {
      const caption = table.querySelector("caption");
      hidden.push((caption ? caption.textContent.trim() : table.className) + ": "
        + Math.round(own.width) + " px in " + Math.round(box.width) + " px, "
        + cut.length + " cells cut off");
    }
  }
  return hidden;
}"""


def _check_qr_code(page: Any, width: int) -> None:
    """The QR code is drawn whole inside its box, and the box fits the screen."""
    svg = page.locator(".qr-code svg").bounding_box()
    drawn = page.locator(".qr-code svg path").first.bounding_box()
    assert svg is not None
    assert drawn is not None
    assert svg["x"] >= 0, svg
    assert svg["x"] + svg["width"] <= width, svg
    assert drawn["x"] >= svg["x"] - 0.5, (drawn, svg)
    assert drawn["x"] + drawn["width"] <= svg["x"] + svg["width"] + 0.5, (drawn, svg)
    assert drawn["y"] + drawn["height"] <= svg["y"] + svg["height"] + 0.5, (drawn, svg)
    assert svg["width"] >= 200  # still large enough to scan


@pytest.mark.parametrize("name", list(VISITS))
def test_page_fits_375px_without_axe_violations(
    open_site: Callable[..., Any],
    axe: Axe,
    narrow: Narrow,
    rendered: list[str],
    name: str,
) -> None:
    visit = VISITS[name]
    site = open_site(MOBILE)
    if visit.role is not None:
        site.login(visit.role)
    response = site.goto(visit.path.format(**narrow.values))
    assert response.status == visit.status
    if visit.then is not None:
        visit.then(site, narrow)
    page = site.page
    pages = [template for template in rendered if not template.startswith("mail/")]
    assert pages, "the live server rendered no page"
    assert pages[-1] == visit.template, pages

    # A phone's browser widens its layout viewport (innerWidth) to fit content that is too
    # wide, zooming out: so innerWidth must stay 375 as well.
    width = MOBILE["width"]
    inner: int = page.evaluate("window.innerWidth")
    scroll_width: int = page.evaluate("document.scrollingElement.scrollWidth")
    assert inner == width and scroll_width <= inner, (  # noqa: PT018  (one message for both)
        f"{name}: the page is {scroll_width}px wide (innerWidth {inner}) at {width}px; "
        f"too wide: {page.evaluate(TOO_WIDE, width)}"
    )
    hidden: list[str] = page.evaluate(HIDDEN_COLUMNS)
    assert hidden == [], f"{name}: tables wider than the screen at {width}px: {hidden}"
    if visit.template == "auth/enrol.html":
        _check_qr_code(page, width)
    results = axe.run(page)
    assert results.violations_count == 0, f"{name} at {width}px:\n{results.generate_report()}"
    assert site.csp_errors() == [], site.csp_errors()


def _page_templates() -> set[str]:
    return {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.parts[len(TEMPLATES.parts)] != "mail"
        and not path.name.startswith("_")
        and path.name != "base.html"
    }


def test_every_page_template_is_visited() -> None:
    visited = {visit.template for visit in VISITS.values()}
    assert _page_templates() - visited == set(), "pages this test does not visit"
    assert visited - _page_templates() == set(), "visits of templates that do not exist"


def test_every_get_route_is_visited_by_every_role_that_may_see_it(live_server: Any) -> None:
    app = create_app(live_server.settings)
    try:
        adapter = app.url_map.bind("localhost")
        covered: set[tuple[str, Role | None]] = set()
        for visit in VISITS.values():
            path = re.sub(r"\{[a-z_]+\}", lambda _m: str(uuid.uuid4()), visit.path)
            try:
                endpoint, _args = adapter.match(path, method="GET")
            except NotFound:  # the visit of the 404 page
                continue
            covered.add((endpoint, visit.role))
        missing = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
                continue
            if rule.endpoint in NOT_PAGES:
                continue
            roles = view_roles(app, rule.endpoint)
            for role in sorted(roles, key=str) if roles is not None else [None]:
                if (rule.endpoint, role) not in covered:
                    missing.append(f"{rule.rule} as {role.value if role else 'visitor'}")
        assert not missing, f"GET routes this test does not visit: {missing}"
    finally:
        app.extensions["database"].engine.dispose()
