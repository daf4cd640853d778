"""The questionnaire job: who is invited when, once, through the outbox, and what the mails
name (both databases)."""

from __future__ import annotations

import re
from datetime import timedelta

import factories
from feedback_support import RESIDENT_FIELDS, Closed, Matched, closed_oproep, matched_oproep
from flask import Flask
from sqlmodel import Session, col, select

from niemand_alleen.config import Settings
from niemand_alleen.feedback import send_questionnaires
from niemand_alleen.feedback.service import invitation_for_token
from niemand_alleen.jobs import run_job
from niemand_alleen.models import (
    OproepStatus,
    OutboxMail,
    QuestionnaireAudience,
    QuestionnaireInvitation,
    VolunteerStatus,
    utcnow,
)

LINK = re.compile(r"/vragenlijst/([A-Za-z0-9_\-]+)")


def _mails(session: Session, kind: str) -> list[OutboxMail]:
    session.expire_all()
    return list(
        session.exec(
            select(OutboxMail).where(OutboxMail.kind == kind).order_by(col(OutboxMail.id))
        ).all()
    )


def _invitations(session: Session) -> list[QuestionnaireInvitation]:
    session.expire_all()
    return list(session.exec(select(QuestionnaireInvitation)).all())


def test_a_good_neighbour_is_asked_once_six_weeks_after_the_match(
    app: Flask, db_session: Session, matched: Matched
) -> None:
    assert run_job(app, "send-questionnaires")
    (mail,) = _mails(db_session, "questionnaire_neighbour")
    assert mail.recipient == "jorinde.buur@example.org"
    assert mail.oproep_id == matched.oproep.id
    (invitation,) = _invitations(db_session)
    assert invitation.audience is QuestionnaireAudience.NEIGHBOUR
    assert invitation.match_id == matched.match.id
    assert invitation.answered_at is None

    # The link in the mail is the invitation's; the database holds only a hash of it.
    link = LINK.search(mail.body_text or "")
    assert link is not None
    token = link.group(1)
    assert token not in invitation.token_hash
    with app.app_context():
        found = invitation_for_token(db_session, token, utcnow())
    assert found is not None
    assert found.id == invitation.id

    # Idempotent: a second run (and a third) finds nobody new.
    assert run_job(app, "send-questionnaires")
    assert run_job(app, "send-questionnaires")
    assert len(_mails(db_session, "questionnaire_neighbour")) == 1
    assert len(_invitations(db_session)) == 1


def test_nobody_is_asked_before_the_six_weeks_or_after_withdrawing(
    app: Flask, db_session: Session, settings: Settings
) -> None:
    matched_oproep(db_session, days_ago=settings.match_followup_days - 1)
    matched_oproep(db_session, days_ago=60, status=VolunteerStatus.WITHDRAWN)
    with app.app_context():
        invited = send_questionnaires(db_session, settings, utcnow())
    assert (invited.neighbours, invited.organisations) == (0, 0)
    assert _mails(db_session, "questionnaire_neighbour") == []


def test_the_neighbour_mail_names_no_resident_and_no_organisation(
    app: Flask, db_session: Session, matched: Matched, closed: Closed
) -> None:
    assert run_job(app, "send-questionnaires")
    (mail,) = _mails(db_session, "questionnaire_neighbour")
    text = f"{mail.subject}\n{mail.body_text}\n{mail.body_html}"
    assert "Beste Jorinde," in text
    assert "Naar de vragen" in (mail.body_html or "")
    for field in (*RESIDENT_FIELDS, closed.organisation.name, factories.OPROEP_TEXT):
        assert field not in text


def test_organisations_are_asked_when_the_oproep_closed_not_unsubscribed_ones(
    app: Flask, db_session: Session, closed: Closed
) -> None:
    assert run_job(app, "send-questionnaires")
    mails = _mails(db_session, "questionnaire_organisation")
    assert sorted(mail.recipient or "" for mail in mails) == [
        "info@ark.example.org",
        "secretariaat@ark.example.org",
    ]
    assert {mail.dispatch_id for mail in mails} == {closed.dispatch.id}
    # One link per organisation: both addresses get the same one.
    assert len({LINK.search(mail.body_text or "").group(1) for mail in mails}) == 1  # type: ignore[union-attr]
    (invitation,) = _invitations(db_session)
    assert invitation.audience is QuestionnaireAudience.ORGANISATION
    assert invitation.dispatch_id == closed.dispatch.id
    text = f"{mails[0].subject}\n{mails[0].body_text}\n{mails[0].body_html}"
    assert "Buurtkerk De Ark" in text
    for field in (*RESIDENT_FIELDS, "Jorinde", "Verbeek", "jorinde.buur@example.org"):
        assert field not in text

    assert run_job(app, "send-questionnaires")
    assert len(_mails(db_session, "questionnaire_organisation")) == 2
    assert len(_invitations(db_session)) == 1


def test_an_open_or_cancelled_oproep_asks_no_organisation(
    app: Flask, db_session: Session, closed: Closed, settings: Settings
) -> None:
    for status in (OproepStatus.OPEN, OproepStatus.CANCELLED):
        closed.oproep.status = status
        db_session.add(closed.oproep)
        db_session.commit()
        with app.app_context():
            invited = send_questionnaires(db_session, settings, utcnow())
        assert invited.organisations == 0
    assert _mails(db_session, "questionnaire_organisation") == []


def test_a_link_expires(
    app: Flask, db_session: Session, matched: Matched, settings: Settings
) -> None:
    assert run_job(app, "send-questionnaires")
    (mail,) = _mails(db_session, "questionnaire_neighbour")
    token = LINK.search(mail.body_text or "").group(1)  # type: ignore[union-attr]
    later = utcnow() + timedelta(days=settings.questionnaire_valid_days, minutes=1)
    with app.app_context():
        assert invitation_for_token(db_session, token, utcnow()) is not None
        assert invitation_for_token(db_session, token, later) is None


def test_a_first_run_does_not_ask_about_matches_and_oproepen_long_past(
    app: Flask, db_session: Session, settings: Settings
) -> None:
    old = settings.match_followup_days + settings.questionnaire_valid_days + 1
    matched_oproep(db_session, days_ago=old)
    closed = closed_oproep(db_session)
    closed.oproep.closed_at = utcnow() - timedelta(days=settings.questionnaire_valid_days + 1)
    db_session.add(closed.oproep)
    db_session.commit()
    with app.app_context():
        invited = send_questionnaires(db_session, settings, utcnow())
    assert (invited.neighbours, invited.organisations) == (0, 0)
    assert _invitations(db_session) == []


def test_a_neighbour_who_signed_up_in_english_is_asked_in_english(
    app: Flask, db_session: Session, matched: Matched
) -> None:
    matched.volunteer.locale = "en"
    db_session.add(matched.volunteer)
    db_session.commit()
    assert run_job(app, "send-questionnaires")
    (mail,) = _mails(db_session, "questionnaire_neighbour")
    assert mail.subject == "How is it going as a good neighbour? Five minutes for a few questions"
    assert "you became a good neighbour" in (mail.body_text or "")
    assert '<html lang="en">' in (mail.body_html or "")
