"""How the outbox is doing, and sending a mail again (services: they flush, never commit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from niemand_alleen.audit import RecordType, details, record_audit
from niemand_alleen.mail.kinds import after_outcome, kind_label, mail_kind
from niemand_alleen.models import (
    AuditAction,
    MailStatus,
    OutboxMail,
    utcnow,
)
from niemand_alleen.pagination import Listing, page_span

STATUS_LABELS = {
    MailStatus.PENDING: "In de wachtrij",
    MailStatus.SENDING: "Wordt verstuurd",
    MailStatus.SENT: "Verstuurd",
    MailStatus.FAILED: "Mislukt",
    MailStatus.UNCERTAIN: "Onzeker",
}


@dataclass(frozen=True)
class MailLine:
    """One outbox row as staff see it; ``last_error`` is the reason, decrypted."""

    id: int
    kind: str
    status: MailStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    oproep_id: uuid.UUID | None
    dispatch_id: uuid.UUID | None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def can_retry(self) -> bool:
        return self.status in (MailStatus.FAILED, MailStatus.UNCERTAIN)


def _line(row: OutboxMail) -> MailLine:
    assert row.id is not None
    return MailLine(
        id=row.id,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        oproep_id=row.oproep_id,
        dispatch_id=row.dispatch_id,
    )


# What a line shows, in MailLine's order.
_LINE_COLUMNS = (
    col(OutboxMail.id),
    col(OutboxMail.kind),
    col(OutboxMail.status),
    col(OutboxMail.attempts),
    col(OutboxMail.created_at),
    col(OutboxMail.sent_at),
    col(OutboxMail.last_error),
    col(OutboxMail.oproep_id),
    col(OutboxMail.dispatch_id),
)


def mail_status_for_oproep(session: Session, oproep_id: uuid.UUID) -> list[MailLine]:
    """Every outbox row of one oproep, oldest first (for the coordinator)."""
    # only the columns a line shows: no address, text or stored message is decrypted
    found = session.execute(
        sa.select(*_LINE_COLUMNS)
        .where(col(OutboxMail.oproep_id) == oproep_id)
        .order_by(col(OutboxMail.id))
    ).all()
    return [MailLine(*values) for values in found]


# The mails that need the beheerder's attention, per status: failed, uncertain, and back
# in the queue after a failed attempt.
ATTENTION_LABELS = {
    MailStatus.FAILED: "Mislukt",
    MailStatus.UNCERTAIN: "Onzeker",
    MailStatus.PENDING: "In de wachtrij na een fout",
}


def _needs_attention(status: MailStatus | None) -> sa.ColumnElement[bool]:
    failed = col(OutboxMail.status).in_([MailStatus.FAILED, MailStatus.UNCERTAIN])
    retrying = sa.and_(
        col(OutboxMail.status) == MailStatus.PENDING, col(OutboxMail.last_error).is_not(None)
    )
    if status is None:
        return sa.or_(failed, retrying)
    if status is MailStatus.PENDING:
        return retrying
    return col(OutboxMail.status) == status


@dataclass(frozen=True)
class MailOverview:
    """Rows per status (every status, zero when none), and one page of the mails that need
    attention, newest first."""

    counts: dict[MailStatus, int]
    attention: Listing[MailLine, MailStatus]


def mail_overview(session: Session, status: MailStatus | None, page: int) -> MailOverview:
    """Two queries whatever the size of the outbox: the counts per status (with those that
    failed before), and the lines of one page; no message is read, only the reasons of
    the failed attempts are decrypted."""
    counts = dict.fromkeys(MailStatus, 0)
    retrying = 0
    for found, number, with_error in session.execute(
        sa.select(
            col(OutboxMail.status), sa.func.count(), sa.func.count(col(OutboxMail.last_error))
        ).group_by(col(OutboxMail.status))
    ).all():
        counts[MailStatus(found)] = int(number)
        if found == MailStatus.PENDING:
            retrying = int(with_error)
    attention = {
        MailStatus.FAILED: counts[MailStatus.FAILED],
        MailStatus.UNCERTAIN: counts[MailStatus.UNCERTAIN],
        MailStatus.PENDING: retrying,
    }
    total = attention[status] if status is not None else sum(attention.values())
    span = page_span(total, page)
    found_lines = session.execute(
        sa.select(*_LINE_COLUMNS)
        .where(_needs_attention(status))
        .order_by(col(OutboxMail.id).desc())
        .offset(span.offset)
        .limit(span.limit)
    ).all()
    lines = [MailLine(*values) for values in found_lines]
    return MailOverview(counts, Listing(lines, status, attention, span.page, span.pages, total))


class RetryRefused(Exception):
    """The mail cannot be sent again (as it stands); ``message`` says why, in Dutch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_REFUSALS = {
    MailStatus.SENT: "Deze mail is al verstuurd; er is niets veranderd.",
    MailStatus.PENDING: "Deze mail staat al in de wachtrij; er is niets veranderd.",
    MailStatus.SENDING: "Deze mail wordt op dit moment verstuurd; er is niets veranderd.",
}


def retry_mail(
    session: Session, mail_id: int, actor_id: uuid.UUID, now: datetime | None = None
) -> MailLine:
    """Put a failed or uncertain mail back in the queue, with fresh attempts; audited.

    Raises ``LookupError`` for an unknown id and ``RetryRefused`` for a mail that is sent,
    queued or being sent.
    """
    row = session.get(OutboxMail, mail_id, with_for_update=True)
    if row is None:
        raise LookupError(mail_id)
    refusal = _REFUSALS.get(row.status)
    if refusal is not None:
        raise RetryRefused(refusal)
    kind = mail_kind(row.kind)
    kind_refusal = kind.retry_refusal(session, row) if kind and kind.retry_refusal else None
    if kind_refusal is not None:
        raise RetryRefused(kind_refusal)
    previous = row.status
    row.status = MailStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = now or utcnow()
    row.claimed_at = None
    row.last_error = None
    session.add(row)
    session.flush()
    after_outcome(session, row.kind, [row.dispatch_id])
    record_audit(
        session,
        actor_user_id=actor_id,
        action=AuditAction.UPDATE,
        record_type=RecordType.OUTBOX_MAIL,
        record_id=str(mail_id),
        detail=details.mail_sent_again(previous),
    )
    session.flush()
    return _line(row)
