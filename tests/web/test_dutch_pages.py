"""Every page, filled with data that has dates on it, writes dates one Dutch way and shows
no English: no ISO dates, no English month or day names, no mm/dd/yyyy, no English words of
the code (audit details, statuses). The mails the same data queued are checked too.

The pages are every GET route of the app (a new route fails here until it is visited), each
opened by a role that may see it; the templates they render are counted, and a page
template that none of them renders must be named below with the reason.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories
import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from jinja2 import Template
from oproep_support import (
    STERRENBURG,
    aanmelding,
    add_organisation,
    load_geography,
)
from sqlmodel import Session, select
from support import login, view_roles

from niemand_alleen.distribution.links import (
    one_click_token,
    unsubscribe_confirm_token,
    unsubscribe_token,
)
from niemand_alleen.distribution.service import remind_organisations, send_oproep
from niemand_alleen.intake.service import approve_oproep, register_resident
from niemand_alleen.mail.sender import compose_pending
from niemand_alleen.matching.service import (
    Action,
    EarlyFollowupReason,
    close_oproep,
    decide,
    matches_of,
    record_followup,
)
from niemand_alleen.models import (
    FollowupOutcome,
    JobRun,
    JobRunStatus,
    MailStatus,
    MatchStatus,
    Oproep,
    OutboxMail,
    QuestionnaireAnswer,
    QuestionnaireAudience,
    Role,
    User,
    local_today,
    utcnow,
)
from niemand_alleen.organisations.service import request_unsubscribe
from niemand_alleen.signup.tokens import confirm_token, withdraw_token

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Page templates no GET shows; each is reached by a POST and writes no date.
NOT_BY_GET = {
    "auth/recovery_codes.html": "after enrolling the second step (POST)",
    "auth/reset_password.html": "a valid reset link (tested in tests/auth)",
    "auth/reset_requested.html": "after asking for a reset link (POST)",
    "auth/second_factor.html": "after the password step of a login (POST)",
    "auth/user_created.html": "after making an account (POST)",
    "errors/csrf.html": "a POST with a bad form token",
    "organisations/unsubscribe_done.html": "after unsubscribing (POST)",
    "organisations/unsubscribe_requested.html": "after asking to unsubscribe (POST)",
    "privacy_admin/erased.html": "after an erasure (POST)",
    "signup/confirmed.html": "after confirming a sign-up (POST)",
    "signup/withdrawn.html": "after withdrawing a sign-up (POST)",
}

# Dates the old ways: ISO, English names, US order, abbreviated Dutch months.
_MONTHS_EN = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAYS_EN = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_SHORT_EN = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
WRONG_DATES = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "English month or day": re.compile(rf"\b(?:{_MONTHS_EN}|{_DAYS_EN})\b"),
    "English short month": re.compile(
        rf"\b\d{{1,2}}\s(?:{_SHORT_EN})\b|\b(?:{_SHORT_EN})\.?\s\d{{1,2}}\b"
    ),
    "mm/dd/yyyy": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "AM/PM": re.compile(r"\b\d{1,2}:\d{2}\s?(?:AM|PM|am|pm)\b"),
    "short Dutch month": re.compile(
        r"\b\d{1,2}\s(?:jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\b\.?"
    ),
}
# English words the code uses (old audit details, enum values, framework messages) that a
# Dutch page never needs.
ENGLISH = re.compile(
    r"\b(?:the|and|with|from|your|please|error|invalid|required|field|sent|approved?|"
    r"closed|reopened|matched|cancelled|confirmed|declined|proposed|unreachable|pending|"
    r"failed|uncertain|denied|followup|organisations|proposals|password|request(?:ed)?|"
    r"retention|purge|rows|cutoff|enrolled|second factor|page|status=)\b",
    re.IGNORECASE,
)


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, tags or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def wrong_words(text: str) -> list[str]:
    found = [f"{name}: {m.group(0)!r}" for name, p in WRONG_DATES.items() for m in p.finditer(text)]
    found += [f"English: {m.group(0)!r}" for m in ENGLISH.finditer(text)]
    return found


@dataclass
class World:
    users: dict[Role, User]
    resident_id: uuid.UUID
    oproepen: dict[str, Oproep]
    organisation_id: uuid.UUID
    unsubscribed_id: uuid.UUID
    referral: str
    volunteer_id: uuid.UUID
    unsubscribe_request_token: str
    questionnaire_token: str = ""
    extra_paths: list[str] = field(default_factory=list)


def _oproep_of(app: Flask, session: Session, buurtwerker: User, coordinator: User) -> Oproep:
    settings = app.config["SETTINGS"]
    with app.app_context():
        saved = register_resident(session, settings, aanmelding(), buurtwerker.id)
        text = "Een vrouw van in de 80 zoekt iemand voor een kop koffie en een praatje."
        saved.oproep.proposed_text = text
        saved.oproep.proposal_checked_at = utcnow()
        approve_oproep(session, settings, saved.oproep, text, coordinator.id)
    session.commit()
    return saved.oproep


def _sent(app: Flask, session: Session, oproep: Oproep, coordinator: User, org: Any) -> str:
    with app.app_context():
        (dispatch,) = send_oproep(
            session, app.config["SETTINGS"], oproep, [org.id], coordinator.id, local_today()
        )
    session.commit()
    return dispatch.referral_code


def _neighbours(session: Session, oproep: Oproep, count: int) -> list[uuid.UUID]:
    ids = []
    for number in range(count):
        volunteer = factories.signup(
            session,
            oproep,
            first_name=f"Buur{number}",
            email=f"buur{number}.{oproep.id.hex[:6]}@example.org",
            postcode="3328AB",
            pc4="3328",
            wijk_code=STERRENBURG,
            lat=51.7935 + number / 1000,
            lon=4.692,
            confirmed_at=utcnow() - timedelta(days=2),
            created_at=utcnow() - timedelta(days=2),
        )
        ids.append(volunteer.id)
    return ids


def _closed(app: Flask, session: Session, oproep: Oproep, coordinator: User) -> None:
    with app.app_context():
        close_oproep(session, app.config["SETTINGS"], oproep.id, coordinator.id)
    session.commit()


def _decide_all(
    app: Flask, session: Session, oproep: Oproep, coordinator: User, action: Action
) -> None:
    with app.app_context():
        for match in matches_of(session, oproep.id):
            if match.status == MatchStatus.PROPOSED:
                decide(session, app.config["SETTINGS"], oproep.id, match.id, action, coordinator.id)
    session.commit()


def build_world(app: Flask, session: Session) -> World:
    """Oproepen in every state with their dates, sign-ups, organisations (one unsubscribed),
    failed mails, job runs and the audit events all of that wrote."""
    load_geography(session)
    users = {
        role: factories.user(session, role, name=f"Test {role.value}")
        for role in (Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
    }
    coordinator, buurtwerker = users[Role.COORDINATOR], users[Role.BUURTWERKER]
    organisation = add_organisation(
        session, "Buurtkerk Sterrenburg", STERRENBURG, emails=("kerk@example.org",)
    )
    unsubscribed = add_organisation(session, "Afgemelde Club", STERRENBURG, unsubscribed=True)
    settings = app.config["SETTINGS"]

    open_oproep = _oproep_of(app, session, buurtwerker, coordinator)
    referral = _sent(app, session, open_oproep, coordinator, organisation)
    volunteer_id = _neighbours(session, open_oproep, 1)[0]
    with app.app_context():
        remind_organisations(session, settings, open_oproep, coordinator.id, local_today())
        pending = request_unsubscribe(session, settings, organisation, now=utcnow())
    session.commit()
    assert pending is not None

    closed = _oproep_of(app, session, buurtwerker, coordinator)
    _sent(app, session, closed, coordinator, organisation)
    _neighbours(session, closed, 4)
    _closed(app, session, closed, coordinator)
    _decide_all(app, session, closed, coordinator, Action.DECLINED)
    # Declining proposed the next one; it stays open, and so does the reopen form.

    matched = _oproep_of(app, session, buurtwerker, coordinator)
    _sent(app, session, matched, coordinator, organisation)
    _neighbours(session, matched, matched.places)
    _closed(app, session, matched, coordinator)
    _decide_all(app, session, matched, coordinator, Action.CONFIRMED)
    with app.app_context():
        record_followup(
            session,
            settings,
            matched.id,
            FollowupOutcome.ACTIVE,
            coordinator.id,
            early_reason=EarlyFollowupReason.CONTACTED,
        )
    session.commit()

    draft = factories.oproep(session, text="Een man van in de 70 zoekt iemand om mee te wandelen.")
    failed = session.exec(select(OutboxMail)).first()
    assert failed is not None
    failed.status, failed.attempts, failed.last_error = (
        MailStatus.FAILED,
        5,
        "De mailserver weigerde de mail (550): mailbox unknown",
    )
    session.add(failed)
    session.add(
        JobRun(
            job_name="send-outbox",
            worker="test",
            started_at=utcnow() - timedelta(minutes=5),
            finished_at=utcnow() - timedelta(minutes=4),
            status=JobRunStatus.FAILED,
            error="OperationalError",
        )
    )
    session.commit()
    _invitation, questionnaire_token = factories.questionnaire_invitation(session, matched)
    session.add(
        QuestionnaireAnswer(
            audience=QuestionnaireAudience.NEIGHBOUR,
            answered_on=local_today(),
            score_1=4,
            score_2=5,
            score_3=3,
            open_answer="Het contact loopt goed.",
        )
    )
    session.commit()
    resident_id = open_oproep.resident_id
    assert resident_id is not None
    return World(
        users=users,
        resident_id=resident_id,
        oproepen={"open": open_oproep, "closed": closed, "matched": matched, "draft": draft},
        organisation_id=organisation.id,
        unsubscribed_id=unsubscribed.id,
        referral=referral,
        volunteer_id=volunteer_id,
        unsubscribe_request_token=unsubscribe_confirm_token(settings.secret_key, pending.id),
        questionnaire_token=questionnaire_token,
    )


def page_paths(app: Flask, world: World) -> dict[str, list[str]]:
    """Per GET endpoint the paths to open, with the world's ids and tokens."""
    key = app.config["SETTINGS"].secret_key
    oproepen = [oproep.id for oproep in world.oproepen.values()]
    paths: dict[str, list[str]] = {
        "web.home": ["/"],
        "web.privacy": ["/privacy"],
        "web.about": ["/over"],
        "web.account": ["/mijn-account"],
        "auth.login": ["/inloggen"],
        "auth.second_factor": ["/inloggen/code"],
        "auth.enrol": ["/inloggen/instellen"],
        "auth.enrol_voluntarily": ["/mijn-account/tweede-stap"],
        "auth.users": ["/beheer/gebruikers"],
        "auth.change_own_password": ["/mijn-account/wachtwoord"],
        "auth.forgot_password": ["/inloggen/wachtwoord-vergeten"],
        "auth.reset_forgotten_password": ["/inloggen/nieuw-wachtwoord/onzin"],
        "audit.audit_log": ["/beheer/audit", "/beheer/audit?since=1-1-2020&until=31-12-2099"],
        "jobs.job_overview": ["/beheer/taken"],
        "mail_admin.mail_overview": ["/beheer/mail"],
        "privacy_admin.privacy_page": ["/beheer/privacy"],
        "evaluation.evaluation_page": ["/evaluatie", "/evaluatie?van=1-1-2020&tot=31-12-2099"],
        "evaluation.evaluation_export": [],  # a CSV, not a page
        "evaluation.questionnaires_export": [],  # a CSV, not a page
        "feedback.questionnaire": [
            f"/vragenlijst/{world.questionnaire_token}",
            "/vragenlijst/onzin",
        ],
        "feedback.thanks": ["/vragenlijst/bedankt"],
        "organisations.organisation_list": ["/beheer/organisaties"],
        "organisations.new_organisation": ["/beheer/organisaties/nieuw"],
        "organisations.edit_organisation": [
            f"/beheer/organisaties/{world.organisation_id}/wijzigen",
            f"/beheer/organisaties/{world.unsubscribed_id}/wijzigen",
        ],
        "organisations.export_organisations": [],  # a CSV, not a page
        "organisations.import_organisations": ["/beheer/organisaties/importeren"],
        "organisations.unsubscribe_link": [
            f"/afmelden/organisatie/{unsubscribe_token(key, world.organisation_id)}",
            "/afmelden/organisatie/onzin",
        ],
        "organisations.unsubscribe_one_click": [
            f"/afmelden/organisatie/een-klik/{one_click_token(key, world.unsubscribed_id)}"
        ],
        "organisations.unsubscribe_confirm": [
            f"/afmelden/organisatie/bevestigen/{world.unsubscribe_request_token}"
        ],
        "intake.my_residents": ["/aanmeldingen"],
        "intake.new_resident": ["/aanmeldingen/nieuw"],
        "intake.resident_detail": [f"/aanmeldingen/{world.resident_id}"],
        "intake.edit_resident": [f"/aanmeldingen/{world.resident_id}/wijzigen"],
        "intake.oproepen": ["/oproepen"],
        "intake.review_oproep": [f"/oproepen/{i}" for i in oproepen],
        "distribution.oproep_distribution": [f"/oproepen/{i}/verspreiding" for i in oproepen],
        "matching.oproep_matching": [f"/oproepen/{i}/koppelen" for i in oproepen],
        "signup.general": ["/aanmelden"],
        "signup.for_oproep": [f"/aanmelden/{world.referral}", "/aanmelden/onzin"],
        "signup.sent": ["/aanmelden/verstuurd"],
        "signup.confirm": [f"/aanmelden/bevestigen/{confirm_token(key, world.volunteer_id)}"],
        "signup.withdraw": [f"/aanmelden/intrekken/{withdraw_token(key, world.volunteer_id)}"],
    }
    return paths


def _page_templates() -> set[str]:
    return {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.parts[len(TEMPLATES.parts)] != "mail"
        and not path.name.startswith("_")
        and path.name != "base.html"
    }


@pytest.fixture
def rendered(app: Flask) -> Iterator[set[str]]:
    names: set[str] = set()

    def _record(_sender: Flask, template: Template, context: dict[str, Any], **_: Any) -> None:
        if template.name:
            names.add(template.name)

    template_rendered.connect(_record, app)
    yield names
    template_rendered.disconnect(_record, app)


def _clients(app: Flask, world: World) -> dict[Role | None, FlaskClient]:
    clients: dict[Role | None, FlaskClient] = {None: app.test_client()}
    for role, user in world.users.items():
        clients[role] = app.test_client()
        login(clients[role], user.email)
    return clients


def _roles_for(app: Flask, endpoint: str) -> list[Role | None]:
    """One role that may open the page; a public page also as a logged-in coordinator."""
    roles = view_roles(app, endpoint)
    if roles is None:
        return [None, Role.COORDINATOR]
    return [next(r for r in (Role.COORDINATOR, Role.BUURTWERKER, Role.BEHEERDER) if r in roles)]


def test_every_page_writes_dates_the_dutch_way_and_no_english(
    app: Flask, db_session: Session, rendered: set[str]
) -> None:
    world = build_world(app, db_session)
    paths = page_paths(app, world)
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "GET" in (rule.methods or ())
    }
    assert get_endpoints == set(paths), "a new page: add it to page_paths"
    clients = _clients(app, world)
    problems = []
    seen = 0
    visits = [
        (clients[role], path)
        for endpoint, endpoint_paths in paths.items()
        for role in _roles_for(app, endpoint)
        for path in endpoint_paths
    ]
    visits.append((clients[Role.BUURTWERKER], "/bestaat-niet"))  # the error page
    for client, path in visits:
        response = client.get(path)
        assert response.status_code in (200, 302, 400, 404), (path, response.status_code)
        if response.status_code == 302:
            continue
        seen += 1
        text = visible_text(response.get_data(as_text=True))
        problems += [f"{path}: {problem}" for problem in wrong_words(text)]
    assert seen > 40
    assert not problems, "\n".join(problems)
    missing = _page_templates() - rendered - set(NOT_BY_GET)
    assert not missing, f"no page rendered {sorted(missing)}: visit it or explain why not"
    # The data really has dates to show.
    page = clients[Role.COORDINATOR].get(f"/oproepen/{world.oproepen['matched'].id}/koppelen")
    today = local_today()
    assert re.search(rf"Gekoppeld op {today.day} \w+ {today.year}\.", page.get_data(as_text=True))


def test_the_mails_of_that_data_write_dates_the_dutch_way(app: Flask, db_session: Session) -> None:
    build_world(app, db_session)
    compose_pending(app)
    db_session.rollback()
    mails = db_session.exec(select(OutboxMail)).all()
    kinds = {mail.kind for mail in mails}
    assert {"oproep", "oproep_reminder", "match_proposals", "match_confirmed"} <= kinds
    problems = []
    for mail in mails:
        for part in (mail.subject or "", mail.body_text or "", visible_text(mail.body_html or "")):
            problems += [f"{mail.kind}: {problem}" for problem in wrong_words(part)]
    assert not problems, "\n".join(problems)


def test_templates_use_only_the_house_date_filters() -> None:
    """Dates in templates go through ``long_date`` / ``short_date``: never strftime, isoformat
    or Babel's own formats, and never a date printed bare."""
    # ``{{ oproep.deadline }}`` or ``{{ sent_on or "…" }}``: a date as Python prints it (ISO).
    bare = re.compile(r"\{\{-?\s*[\w.]*\b\w*(?:_at|_on|deadline|date|due)\s*(?:or\s[^}|]*)?-?\}\}")
    problems = []
    for path in TEMPLATES.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(TEMPLATES))
        for banned in ("strftime", "isoformat", "dateformat", "datetimeformat", "timeformat"):
            if banned in text:
                problems.append(f"{name}: {banned}")
        problems += [f"{name}: {expression}" for expression in bare.findall(text)]
    assert not problems, "\n".join(problems)


def test_every_date_field_has_the_dutch_hint_and_no_picker(app: Flask, db_session: Session) -> None:
    """The browser's date picker shows the computer's order (often mm/dd/yyyy): every date
    field is a text field with the hint dd-mm-jjjj and takes a typed 4-12-2026."""
    world = build_world(app, db_session)
    clients = _clients(app, world)
    pages = {
        Role.BEHEERDER: ["/beheer/audit"],
        Role.COORDINATOR: ["/evaluatie", f"/oproepen/{world.oproepen['closed'].id}/koppelen"],
        Role.BUURTWERKER: ["/aanmeldingen/nieuw"],
    }
    date_fields = 0
    for role, role_paths in pages.items():
        for path in role_paths:
            page = clients[role].get(path).get_data(as_text=True)
            assert 'type="date"' not in page, path
            for name in ("since", "until", "van", "tot", "deadline", "birth_date", "consent_date"):
                match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
                if match is None:
                    continue
                date_fields += 1
                described = re.search(r'aria-describedby="([^"]+)"', match.group(0))
                assert described is not None, (path, name)
                hint_id = described.group(1).split()[0]
                hint = re.search(rf'id="{hint_id}">([^<]*)<', page)
                assert hint is not None, (path, name)
                assert "dd-mm-jjjj" in hint.group(1), (path, name)
    assert date_fields == 8
