"""The retention purge: personal data is kept no longer than configured (R1.5, R1.6).

Rows that the evaluation counts (oproepen, sign-ups, matches, mails) stay, with their
personal fields removed; residents are deleted (their oproep keeps the counts). Every rule
writes one audit event with the table, the number of rows and the cut-off, never data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from niemand_alleen.audit import RecordType, details, record_audit
from niemand_alleen.config import Settings
from niemand_alleen.geo import LocationPrecision
from niemand_alleen.models import (
    LOCAL_TIMEZONE,
    AuditAction,
    AuditEvent,
    MailStatus,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    QuestionnaireAnswer,
    Resident,
    ResidentStatus,
    Volunteer,
    VolunteerStatus,
)

ENDED_OPROEP = (OproepStatus.CLOSED, OproepStatus.MATCHED, OproepStatus.CANCELLED)
# Blank, not NULL: these columns are required; the empty string is encrypted like any value.
BLANK_VOLUNTEER = {
    "first_name": "",
    "last_name": "",
    "email": "",
    "email_hash": "",
    "phone": "",
    "postcode": "",
    "house_number": "",
    "lat": None,
    "lon": None,
    "pc4": None,
    "location_precision": LocationPrecision.UNKNOWN,
    "availability": None,
    "motivation": None,
    "languages": None,
}
# A mail that must not keep its address or text: its kind, status and dates stay.
BLANK_MAIL = {
    "recipient": None,
    "subject": None,
    "body_text": None,
    "body_html": None,
    "message": None,
    "last_error": None,
}


@dataclass(frozen=True)
class PurgeCounts:
    residents: int
    volunteers: int
    unconfirmed: int
    mails: int
    audit_events: int
    open_answers: int = 0


def _log(session: Session, table: str, rows: int, cutoff: datetime) -> None:
    record_audit(
        session,
        actor_user_id=None,
        action=AuditAction.DELETE,
        record_type=RecordType(table),
        record_id=None,
        detail=details.retention_purge(rows, cutoff),
    )


def purge_residents(session: Session, cutoff: datetime) -> int:
    """Residents whose case closed before the cut-off; their oproep loses its texts."""
    expired = select(Resident.id).where(
        Resident.status == ResidentStatus.CLOSED, col(Resident.closed_at) < cutoff
    )
    session.execute(
        update(Oproep)
        .where(col(Oproep.resident_id).in_(expired))
        .values(proposed_text=None, text=None, proposal_warnings=None)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        delete(Resident)
        .where(col(Resident.id).in_(expired))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_volunteers(session: Session, cutoff: datetime) -> int:
    """Sign-ups for an oproep that ended before the cut-off, not matched and not opted in to
    be asked again: personal fields blanked, the row kept for the counts."""
    matched = select(Match.volunteer_id).where(
        Match.status == MatchStatus.CONFIRMED, col(Match.volunteer_id).is_not(None)
    )
    ended = select(Oproep.id).where(
        col(Oproep.status).in_(ENDED_OPROEP), col(Oproep.closed_at) < cutoff
    )
    result = session.execute(
        update(Volunteer)
        .where(
            col(Volunteer.purged_at).is_(None),
            col(Volunteer.contact_again).is_(False),
            col(Volunteer.oproep_id).in_(ended),
            col(Volunteer.id).not_in(matched),
        )
        .values(**BLANK_VOLUNTEER, purged_at=datetime.now(cutoff.tzinfo))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_unconfirmed(session: Session, cutoff: datetime) -> int:
    """Sign-ups whose address was never confirmed and whose confirm link has expired: they
    never counted for anything, so their personal fields go (the row stays for the counts)."""
    result = session.execute(
        update(Volunteer)
        .where(
            col(Volunteer.purged_at).is_(None),
            col(Volunteer.status) == VolunteerStatus.UNCONFIRMED,
            col(Volunteer.created_at) < cutoff,
        )
        .values(**BLANK_VOLUNTEER, contact_again=False, purged_at=datetime.now(cutoff.tzinfo))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_mail_bodies(session: Session, cutoff: datetime) -> int:
    """Sent mails keep their metadata (kind, status, dates); address and contents go."""
    result = session.execute(
        update(OutboxMail)
        .where(
            col(OutboxMail.status) == MailStatus.SENT,
            col(OutboxMail.sent_at) < cutoff,
            col(OutboxMail.body_text).is_not(None),
        )
        .values(**BLANK_MAIL)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_open_answers(session: Session, cutoff: datetime) -> int:
    """Open answers of the evaluation questionnaires answered before the cut-off's day: the
    text goes, the scores stay for the figures."""
    result = session.execute(
        update(QuestionnaireAnswer)
        .where(
            col(QuestionnaireAnswer.open_answer).is_not(None),
            col(QuestionnaireAnswer.answered_on) < cutoff.astimezone(LOCAL_TIMEZONE).date(),
        )
        .values(open_answer=None, open_answer_purged_at=datetime.now(cutoff.tzinfo))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_audit_events(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(AuditEvent).where(col(AuditEvent.at) < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_expired(session: Session, settings: Settings, now: datetime) -> PurgeCounts:
    """Apply every retention rule once; idempotent (a second run finds nothing)."""
    rules = [
        ("resident", purge_residents, settings.retention_resident_closed_days),
        ("volunteer", purge_volunteers, settings.retention_volunteer_days),
        # A day after the confirm link expired, so a late click still finds its sign-up.
        ("volunteer_unconfirmed", purge_unconfirmed, settings.signup_confirm_days + 1),
        ("outbox_mail", purge_mail_bodies, settings.retention_mail_days),
        ("audit_event", purge_audit_events, settings.retention_audit_days),
        ("questionnaire_answer", purge_open_answers, settings.retention_questionnaire_days),
    ]
    counts: dict[str, int] = {}
    for table, rule, days in rules:
        cutoff = now - timedelta(days=days)
        counts[table] = rule(session, cutoff)
        session.flush()
        _log(session, table, counts[table], cutoff)
    return PurgeCounts(
        residents=counts["resident"],
        volunteers=counts["volunteer"],
        unconfirmed=counts["volunteer_unconfirmed"],
        mails=counts["outbox_mail"],
        audit_events=counts["audit_event"],
        open_answers=counts["questionnaire_answer"],
    )
