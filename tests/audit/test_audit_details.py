"""An audit event's detail is a Dutch phrase from ``niemand_alleen.audit.details`` and
nothing else: ``record_audit`` refuses text, no other module builds a detail, every phrase of
the vocabulary is known here word for word, and events written in English before the
vocabulary are shown in Dutch on the review page and in the export."""

from __future__ import annotations

import ast
import csv
import inspect
import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select
from support import GetCsrf, LoginAs

from niemand_alleen.audit import AuditAction, AuditDetail, RecordType, details, record_audit
from niemand_alleen.lifecycle import Move
from niemand_alleen.matching.service import EarlyFollowupReason
from niemand_alleen.models import AuditEvent, FollowupOutcome, MailStatus, MatchStatus, Role

PACKAGE = Path(__file__).resolve().parents[2] / "niemand_alleen"
WINTER = datetime(2026, 12, 4, 13, 5, tzinfo=UTC)  # 14:05 in Dordrecht

# Every phrase the vocabulary makes, word for word (a new function fails below until it is
# here: a reviewer reads its Dutch).
PHRASES: dict[str, list[tuple[Callable[..., AuditDetail | None], tuple[object, ...], str]]] = {
    "oproep_moved": [(details.oproep_moved, ("approve",), "goedgekeurd")],
    "oproep_sent": [
        (details.oproep_sent, (1,), "verstuurd naar 1 organisatie"),
        (details.oproep_sent, (3,), "verstuurd naar 3 organisaties"),
        (lambda n: details.oproep_sent(n, more=True), (2,), "ook verstuurd naar 2 organisaties"),
    ],
    "oproep_closed": [
        (details.oproep_closed, (1, 4), "gesloten: 1 voorstel, 4 bevestigde aanmeldingen"),
        (details.oproep_closed, (0, 1), "gesloten: 0 voorstellen, 1 bevestigde aanmelding"),
    ],
    "oproep_matched": [
        (details.oproep_matched, (1,), "gekoppeld met 1 bevestigde goede buur"),
        (details.oproep_matched, (3,), "gekoppeld met 3 bevestigde goede buren"),
    ],
    "organisations_reminded": [
        (details.organisations_reminded, (), "herinnering aan de organisaties verstuurd")
    ],
    "match_decided": [
        (details.match_decided, (MatchStatus.CONFIRMED,), "bevestigd"),
        (
            lambda s: details.match_decided(s, veto=True),
            (MatchStatus.DECLINED,),
            "afgewezen, bewoner wil deze buur niet meer",
        ),
    ],
    "followup_recorded": [
        (details.followup_recorded, (FollowupOutcome.ACTIVE,), "nacontrole: netwerk actief"),
        (
            details.followup_recorded,
            (FollowupOutcome.UNKNOWN, "other"),
            "nacontrole: niemand bereikt; eerder vastgelegd: andere reden",
        ),
    ],
    "viewed_for_matching": [(details.viewed_for_matching, (), "bekeken op de pagina koppelen")],
    "volunteer_confirmed": [
        (details.volunteer_confirmed, (), "e-mailadres bevestigd door de goede buur")
    ],
    "volunteer_withdrew": [
        (details.volunteer_withdrew, (), "aanmelding ingetrokken door de goede buur")
    ],
    "organisation_unsubscribed": [
        (details.organisation_unsubscribed, ("link",), "afgemeld via de link in een mail"),
        (
            details.organisation_unsubscribed,
            ("een-klik-link",),
            "afgemeld met één klik in het mailprogramma",
        ),
    ],
    "organisation_resubscribed": [(details.organisation_resubscribed, (), "weer aangemeld")],
    "organisation_imported": [(details.organisation_imported, (), "via import (CSV)")],
    "switched_on": [
        (details.switched_on, (True,), "aangezet"),
        (details.switched_on, (False,), "uitgezet"),
    ],
    "mail_sent_again": [
        (details.mail_sent_again, (MailStatus.FAILED,), "opnieuw versturen (was mislukt)")
    ],
    "second_factor": [
        (details.second_factor, ("totp",), "tweede stap (app)"),
        (details.second_factor, ("recovery",), "tweede stap (herstelcode)"),
        (details.second_factor, (None,), "tweede stap"),
    ],
    "second_factor_enrolled": [(details.second_factor_enrolled, (), "tweede stap ingesteld")],
    "second_factor_cleared": [(details.second_factor_cleared, (), "tweede stap gewist")],
    "password_changed": [(details.password_changed, (), "wachtwoord gewijzigd")],
    "wrong_current_password": [
        (
            details.wrong_current_password,
            (),
            "wachtwoord wijzigen: huidige wachtwoord klopt niet",
        )
    ],
    "password_reset_requested": [
        (details.password_reset_requested, (), "nieuw wachtwoord aangevraagd")
    ],
    "password_reset": [(details.password_reset, (), "nieuw wachtwoord ingesteld met de link")],
    "reset_link_refused": [
        (details.reset_link_refused, (), "link voor een nieuw wachtwoord geweigerd")
    ],
    "privacy_request": [(details.privacy_request, (), "privacyverzoek")],
    "retention_purge": [
        (
            details.retention_purge,
            (12, WINTER),
            "bewaartermijn voorbij: 12 rijen verwijderd van vóór 4-12-2026 14:05",
        )
    ],
    "export_period": [
        (
            details.export_period,
            (date(2026, 1, 1), date(2026, 3, 31)),
            "periode 1-1-2026 tot en met 31-3-2026",
        ),
        (details.export_period, (date(2026, 1, 1), None), "periode vanaf 1-1-2026"),
        (details.export_period, (None, date(2026, 3, 31)), "periode tot en met 31-3-2026"),
    ],
}


def _vocabulary() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(details, inspect.isfunction)
        if member.__module__ == details.__name__
        and not name.startswith("_")
        and inspect.signature(member).return_annotation in ("AuditDetail", "AuditDetail | None")
    }


def test_every_phrase_of_the_vocabulary_is_known_word_for_word() -> None:
    assert set(PHRASES) == _vocabulary()
    for name, cases in PHRASES.items():
        for make, args, text in cases:
            made = make(*args)
            assert made is not None, name
            assert made.text == text, name


def test_every_code_has_its_dutch_words() -> None:
    assert set(details.MOVE_DETAILS) == {move.value for move in Move}
    assert set(details.MATCH_STATUS_WORDS) == set(MatchStatus)
    assert set(details.FOLLOWUP_WORDS) == set(FollowupOutcome)
    assert set(details.EARLY_FOLLOWUP_WORDS) == {reason.value for reason in EarlyFollowupReason}
    assert set(details.MAIL_STATUS_WORDS) == set(MailStatus)
    assert details.export_period(None, None) is None


def test_record_audit_refuses_a_detail_that_is_text(db_session: Session) -> None:
    with pytest.raises(TypeError, match=r"audit\.details"):
        record_audit(
            db_session,
            actor_user_id=None,
            action=AuditAction.UPDATE,
            record_type=RecordType.OPROEP,
            record_id=str(uuid.uuid4()),
            detail="sent to 3 organisations",  # type: ignore[arg-type]  # a str on purpose
        )
    assert db_session.exec(select(func.count()).select_from(AuditEvent)).one() == 0
    event = record_audit(
        db_session,
        actor_user_id=None,
        action=AuditAction.UPDATE,
        record_type=RecordType.OPROEP,
        record_id=str(uuid.uuid4()),
        detail=details.oproep_sent(3),
    )
    assert event.detail == "verstuurd naar 3 organisaties"


def test_no_module_but_the_vocabulary_builds_a_detail() -> None:
    """``AuditDetail("…")`` in a feature would bring free text back into the log."""
    makers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "AuditDetail")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "AuditDetail")
            ):
                makers.append(str(path.relative_to(PACKAGE)))
    assert set(makers) == {"audit/details.py"}


# What the code wrote before the vocabulary, and how the beheerder reads it now.
EARLIER = {
    "approve": "goedgekeurd",
    "approved": "goedgekeurd",
    "send": "verstuurd",
    "close": "gesloten",
    "reopened": "weer geopend",
    "match": "gekoppeld",
    "cancelled": "gestopt",
    "sent to 3 organisations": "verstuurd naar 3 organisaties",
    "sent to 1 organisations": "verstuurd naar 1 organisatie",
    "closed proposals=2 confirmed_signups=5": "gesloten: 2 voorstellen, 5 bevestigde aanmeldingen",
    "matched confirmed=3": "gekoppeld met 3 bevestigde goede buren",
    "status=confirmed": "bevestigd",
    "status=declined veto": "afgewezen, bewoner wil deze buur niet meer",
    "followup=active": "nacontrole: netwerk actief",
    "followup=ended early=contacted": (
        "nacontrole: netwerk gestopt; eerder vastgelegd: bewoner of goede buur nam zelf contact op"
    ),
    "matching page": "bekeken op de pagina koppelen",
    "organisations reminded": "herinnering aan de organisaties verstuurd",
    "second factor": "tweede stap",
    "second factor (totp)": "tweede stap (app)",
    "second factor (recovery)": "tweede stap (herstelcode)",
    "second factor enrolled": "tweede stap ingesteld",
    "second factor reset": "tweede stap gewist",
    "password changed": "wachtwoord gewijzigd",
    "password change: wrong current password": (
        "wachtwoord wijzigen: huidige wachtwoord klopt niet"
    ),
    "password reset requested": "nieuw wachtwoord aangevraagd",
    "password reset": "nieuw wachtwoord ingesteld met de link",
    "password reset link refused": "link voor een nieuw wachtwoord geweigerd",
    "privacy request": "privacyverzoek",
    "import": "via import (CSV)",
    "activeren": "aangezet",
    "deactiveren": "uitgezet",
    "afgemeld via bevestigingslink": "afgemeld via de bevestigingslink",
    "afgemeld via een-klik-link": "afgemeld met één klik in het mailprogramma",
    "retention purge rows=1 cutoff=2026-12-04T13:05:00+00:00": (
        "bewaartermijn voorbij: 1 rij verwijderd van vóór 4-12-2026 14:05"
    ),
    "opnieuw versturen (was uncertain)": "opnieuw versturen (was onzeker)",
    "periode 2026-01-01 t/m …": "periode vanaf 1-1-2026",
    "periode 2026-01-01 t/m 2026-03-31": "periode 1-1-2026 tot en met 31-3-2026",
}


@pytest.mark.parametrize(("stored", "shown"), EARLIER.items())
def test_english_details_written_earlier_are_shown_in_dutch(stored: str, shown: str) -> None:
    assert details.shown_detail(stored) == shown


@pytest.mark.parametrize(
    "stored", ["weer aangemeld", "status=unheard-of", "iets anders", "followup=gone"]
)
def test_other_details_are_shown_as_stored(stored: str) -> None:
    assert details.shown_detail(stored) == stored
    assert details.shown_detail(None) == ""


def test_review_page_and_export_show_earlier_events_in_dutch(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, db_session: Session
) -> None:
    db_session.add(
        AuditEvent(
            action=AuditAction.UPDATE,
            record_type=RecordType.OPROEP,
            record_id=str(uuid.uuid4()),
            detail="sent to 3 organisations",
        )
    )
    db_session.add(
        AuditEvent(
            action=AuditAction.LOGIN_FAILED,
            record_type=RecordType.USER,
            outcome="denied",
            detail="second factor",
        )
    )
    db_session.commit()
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/audit").get_data(as_text=True)
    assert "Gewijzigd (verstuurd naar 3 organisaties)" in page
    assert "Inloggen mislukt (tweede stap)" in page
    assert '<td data-label="Uitkomst">geweigerd</td>' in page
    assert "organisations" not in page
    token = get_csrf(client, "/beheer/audit")
    text = client.post("/beheer/audit/export", data={"csrf_token": token}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    by_detail = {row[6]: row for row in rows[1:]}
    assert by_detail["verstuurd naar 3 organisaties"][5] == "in orde"
    assert by_detail["tweede stap"][5] == "geweigerd"
    assert "sent to" not in text
    assert "denied" not in text
