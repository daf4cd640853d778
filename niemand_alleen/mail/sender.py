"""Send the outbox: due mails claimed in chunks, sent as stored over one connection, each
at most once.

A chunk of due mails (``SETTLE_EVERY``) is claimed (pending -> sending, committed) in one
conditional UPDATE before any of them is sent, so two senders never send the same mail: on
PostgreSQL the claim skips rows another sender is claiming, and SQLite writes one
transaction at a time. Each mail's stored text (``message``, rendered once when it was
queued or written) goes to the server as it is. How the mails of a chunk went is recorded
in the transaction that claims the next chunk. A worker that dies leaves at most one chunk
in ``sending``; the next run marks claims older than any run can last ``uncertain`` instead
of sending them again, and a person decides. A run stops claiming and starting mails well
before its claims could look that old (``claim_budget``), and hands back the mails it
claimed but never started, as it does when the connection is lost.

The sender is a job, so unlike a service it runs its own short transactions. Logs carry
ids, kinds and counts, never addresses, subjects, bodies or SMTP replies (which may quote
the address).
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from niemand_alleen.config import Settings
from niemand_alleen.db import database
from niemand_alleen.mail.kinds import after_outcome, mail_kind
from niemand_alleen.mail.message import (
    BAD_HEADER,
    UnsafeMailError,
    envelope_sender,
    safe_subject,
    smtp_recipient,
)
from niemand_alleen.mail.message import message_id as message_id  # for the tests' checks
from niemand_alleen.mail.outbox import RenderedMail, rendered_message, try_rendered_message
from niemand_alleen.models import MailStatus, OutboxMail, utcnow

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = (
    "De verzending werd onderbroken; mogelijk is de mail wel aangekomen. "
    "Controleer dit en verstuur hem zo nodig opnieuw."
)
ERROR_MAX_LENGTH = 300
# Mails claimed (and recorded) per transaction: the most a dead worker leaves "uncertain".
SETTLE_EVERY = 20


@dataclass
class SendReport:
    """Mails per outcome of one run; ``connections`` counts SMTP connections tried."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    connections: int = 0


# --- pure helpers ----------------------------------------------------------------------


def stale_claim_after(settings: Settings) -> timedelta:
    """How long a claim may last: well beyond any run, which stops starting mails after a
    third of it (``claim_budget``) and then needs at most one SMTP transaction (a few
    timed-out socket operations) to finish."""
    return max(timedelta(minutes=5), timedelta(seconds=10 * settings.mail_timeout_seconds))


def claim_budget(settings: Settings) -> float:
    """Seconds a run may claim and start mails: a third of the stale age, so its last mail
    (at most a few timed-out socket operations) is recorded long before its claim looks
    stale."""
    return stale_claim_after(settings).total_seconds() / 3


def next_attempt(now: datetime, attempts: int, retry_seconds: int) -> datetime:
    """Exponential back-off: retry_seconds after the first failure, doubling each time."""
    return now + timedelta(seconds=retry_seconds * 2 ** max(attempts - 1, 0))


def _short(text: str) -> str:
    return " ".join(text.split())[:ERROR_MAX_LENGTH]


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- where mails go ----------------------------------------------------------------------


class _TracksData:
    """Remembers whether DATA was started: a disconnect after that may have delivered."""

    data_started = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)  # type: ignore[misc]


class _SMTP(_TracksData, smtplib.SMTP):
    pass


class _SMTPSSL(_TracksData, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True)
class ClaimedMail:
    """What the sender needs of a claimed row, read in the claiming statement."""

    id: int
    kind: str
    recipient: str
    message: str | None  # None when it cannot be sent as it is: ``refusal`` says why
    attempts: int
    dispatch_id: uuid.UUID | None
    refusal: str | None = None


class Transport(Protocol):
    @property
    def data_started(self) -> bool: ...

    def send(self, mail: ClaimedMail, recipient: str, message: bytes) -> None: ...

    def close(self) -> None: ...


class SmtpConnection:
    """One SMTP connection with a timeout on every socket operation (smtplib waits for
    ever without one, so an unanswering server would block the worker for good)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = envelope_sender(settings.mail_sender)  # MAIL FROM: the bare address
        self.host: _SMTP | _SMTPSSL | None = None

    def open(self) -> None:
        settings = self.settings
        smtp = _SMTPSSL if settings.mail_use_ssl else _SMTP
        host = smtp(settings.mail_server, settings.mail_port, timeout=settings.mail_timeout_seconds)
        try:
            if settings.mail_use_tls:
                host.starttls()
            if settings.mail_username and settings.mail_password:
                host.login(settings.mail_username, settings.mail_password)
        except BaseException:
            host.close()
            raise
        self.host = host

    @property
    def data_started(self) -> bool:
        return self.host is not None and self.host.data_started

    def send(self, mail: ClaimedMail, recipient: str, message: bytes) -> None:
        assert self.host is not None
        self.host.data_started = False
        self.host.sendmail(self.sender, [recipient], message)

    def close(self) -> None:
        # A failing QUIT changes nothing about mails already accepted.
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.host.close()
            self.host = None


class EmlFiles:
    """Demo: each mail as a file only the service's user can read."""

    data_started = False

    def __init__(self, instance_path: Path) -> None:
        self.folder = instance_path / "mail"

    def send(self, mail: ClaimedMail, recipient: str, message: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        kind = re.sub(r"[^a-z0-9-]", "", mail.kind.lower()) or "mail"
        path = self.folder / f"{mail.id:08d}-{kind}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message)

    def close(self) -> None:
        pass


# --- recording outcomes ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one mail went; ``attempts`` and ``next_attempt_at`` only for a counted try."""

    id: int
    kind: str
    dispatch_id: uuid.UUID | None
    status: MailStatus
    last_error: str | None = None
    attempts: int | None = None
    next_attempt_at: datetime | None = None


_SET_ERROR = (
    sa.update(OutboxMail)
    .where(col(OutboxMail.id) == sa.bindparam("mail_id"))
    .values(status=sa.bindparam("new_status"), last_error=sa.bindparam("error"), claimed_at=None)
)
_SET_TRY = _SET_ERROR.values(
    attempts=sa.bindparam("new_attempts"), next_attempt_at=sa.bindparam("next_at")
)
_SET_SENT = (
    sa.update(OutboxMail)
    .where(col(OutboxMail.id).in_(sa.bindparam("ids", expanding=True)))
    .values(status=MailStatus.SENT, sent_at=sa.bindparam("at"), last_error=None, claimed_at=None)
)
_RELEASE = (
    sa.update(OutboxMail)
    .where(
        col(OutboxMail.id).in_(sa.bindparam("ids", expanding=True)),
        col(OutboxMail.status) == MailStatus.SENDING,
        col(OutboxMail.claimed_at) == sa.bindparam("claimed"),
    )
    .values(status=MailStatus.PENDING, claimed_at=None)
)


def _write_outcomes(
    session: Session,
    outcomes: Sequence[Outcome],
    now: datetime,
    *,
    only_pending: bool = False,
) -> None:
    """Write outcomes in a few statements and let each kind's feature update its own rows.

    Plain UPDATEs: loading the rows would decrypt their address and bodies for nothing.
    ``only_pending``: for mails that were never claimed (the server was unreachable).
    """
    connection = session.connection()
    pending_only = [col(OutboxMail.status) == MailStatus.PENDING] if only_pending else []
    sent = [outcome.id for outcome in outcomes if outcome.status == MailStatus.SENT]
    if sent:
        connection.execute(_SET_SENT, {"ids": sent, "at": now})
    for statement, counted in ((_SET_ERROR, False), (_SET_TRY, True)):
        rows = [
            {
                "mail_id": outcome.id,
                "new_status": outcome.status,
                "error": outcome.last_error,
                "new_attempts": outcome.attempts,
                "next_at": outcome.next_attempt_at,
            }
            for outcome in outcomes
            if outcome.status != MailStatus.SENT and (outcome.attempts is not None) == counted
        ]
        if rows:
            connection.execute(statement.where(*pending_only), rows)
    _after_outcomes(session, [(outcome.kind, outcome.dispatch_id) for outcome in outcomes])


def _after_outcomes(session: Session, mails: Iterable[tuple[str, uuid.UUID | None]]) -> None:
    """Each kind's feature updates its own rows once for all its mails here."""
    by_kind: dict[str, list[uuid.UUID | None]] = {}
    for kind, dispatch_id in mails:
        by_kind.setdefault(kind, []).append(dispatch_id)
    for kind, dispatch_ids in by_kind.items():
        after_outcome(session, kind, dispatch_ids)


def _release(session: Session, ids: Iterable[int], claimed_at: datetime) -> None:
    """Claimed but never started: back to pending as they were (no attempt counted)."""
    ids = list(ids)
    if ids:
        session.connection().execute(_RELEASE, {"ids": ids, "claimed": claimed_at})


def _counted_try(
    settings: Settings,
    mail_id: int,
    kind: str,
    dispatch_id: uuid.UUID | None,
    attempts: int,
    error: str,
    now: datetime,
) -> Outcome:
    """A temporary failure: back off, or give up after the configured attempts."""
    attempts += 1
    if attempts >= settings.mail_max_attempts:
        status = MailStatus.FAILED
        error = f"{error} Opgegeven na {attempts} pogingen."
    else:
        status = MailStatus.PENDING
    return Outcome(
        id=mail_id,
        kind=kind,
        dispatch_id=dispatch_id,
        status=status,
        last_error=_short(error),
        attempts=attempts,
        next_attempt_at=next_attempt(now, attempts, settings.mail_retry_seconds),
    )


def _count(report: SendReport, outcome: Outcome) -> None:
    if outcome.status == MailStatus.SENT:
        report.sent += 1
    elif outcome.status == MailStatus.UNCERTAIN:
        report.uncertain += 1
    elif outcome.status == MailStatus.FAILED:
        report.failed += 1
    else:
        report.retried += 1


def mark_interrupted(app: Flask, settings: Settings, now: datetime) -> int:
    """Claims older than any run can last: their worker died mid-run. Never resent."""
    cutoff = now - stale_claim_after(settings)
    with app.app_context(), database().session() as session:
        rows = (
            session.connection()
            .execute(
                sa.update(OutboxMail)
                .where(
                    col(OutboxMail.status) == MailStatus.SENDING,
                    col(OutboxMail.claimed_at) < cutoff,
                )
                .values(
                    status=MailStatus.UNCERTAIN, last_error=INTERRUPTED_MESSAGE, claimed_at=None
                )
                .returning(col(OutboxMail.id), col(OutboxMail.kind), col(OutboxMail.dispatch_id))
            )
            .all()
        )
        for mail_id, kind, _dispatch_id in rows:
            log.warning("mail %d kind=%s interrupted while sending: uncertain", mail_id, kind)
        _after_outcomes(session, [(kind, dispatch_id) for _id, kind, dispatch_id in rows])
        return len(rows)


# --- writing and claiming ------------------------------------------------------------------


def _due(now: datetime | sa.BindParameter[datetime]) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        col(OutboxMail.status) == MailStatus.PENDING,
        col(OutboxMail.next_attempt_at) <= now,
        col(OutboxMail.body_text).is_not(None),  # a mail still to be written waits
    )


def _pending_ids(app: Flask, settings: Settings, *conditions: sa.ColumnElement[bool]) -> list[int]:
    """The first batch of pending mails that also meet ``conditions``, oldest first."""
    with app.app_context(), database().session() as session:
        ids = session.exec(
            select(OutboxMail.id)
            .where(OutboxMail.status == MailStatus.PENDING, *conditions)
            .order_by(col(OutboxMail.id))
            .limit(settings.mail_batch_size)
        ).all()
    return [mail_id for mail_id in ids if mail_id is not None]


NOT_COMPOSED = (
    "Deze mail is niet verstuurd: waar hij over ging, is ingetrokken of gewist voordat hij "
    "kon worden geschreven."
)


def _record_failure(app: Flask, mail_id: int, reason: str) -> None:
    with app.app_context(), database().session() as session:
        session.connection().execute(
            sa.update(OutboxMail)
            .where(col(OutboxMail.id) == mail_id)
            .values(status=MailStatus.FAILED, last_error=_short(reason), claimed_at=None)
        )


def compose_pending(app: Flask) -> int:
    """Write the text of pending mails queued without it (``outbox_values(mail=None)``), with
    their kind's composer, each in a short transaction of its own; returns how many. The
    final text is rendered with it, once."""
    settings: Settings = app.config["SETTINGS"]
    # Also a pending mail emptied by an erasure: it fails here instead of waiting forever.
    ids = _pending_ids(app, settings, col(OutboxMail.body_text).is_(None))
    composed = 0
    for mail_id in ids:
        try:
            composed += _compose_one(app, settings, mail_id)
        except UnsafeMailError as unsafe:
            _record_failure(app, mail_id, str(unsafe))
        except Exception as error:  # one broken mail must not hold up the others
            log.error("mail %d not composed: %s", mail_id, type(error).__name__)
            _record_failure(
                app, mail_id, f"De mail kon niet worden geschreven ({type(error).__name__})."
            )
    return composed


def _compose_one(app: Flask, settings: Settings, mail_id: int) -> int:
    with app.app_context(), database().session() as session:
        row = session.get(OutboxMail, mail_id)
        if row is None or row.status != MailStatus.PENDING or row.body_text is not None:
            return 0  # withdrawn, erased or written meanwhile
        kind = mail_kind(row.kind)
        composer = kind.compose if kind else None
        mail = composer(session, settings, row) if composer and row.recipient else None
        if mail is None:
            row.status = MailStatus.FAILED
            row.last_error = NOT_COMPOSED
            log.info("mail %d kind=%s not composed: its subject is gone", mail_id, row.kind)
            session.add(row)
            return 0
        row.subject = safe_subject(mail.subject)
        row.body_text = mail.body_text
        row.body_html = mail.body_html
        row.message = try_rendered_message(session, settings, row, mail)
        session.add(row)
        return 1


def _claim_statement() -> sa.Update:
    """Pending -> sending for up to ``:limit`` mails due at ``:now``, returning what the
    sender needs. Built once; its parameters are bound per chunk."""
    now = sa.bindparam("now", type_=OutboxMail.__table__.c.next_attempt_at.type)  # type: ignore[attr-defined]
    # MATERIALIZED: the due ids are chosen once. As a plain subquery PostgreSQL may run the
    # LIMIT once per row it updates, and claim far more than the limit.
    due = (
        select(OutboxMail.id)
        .where(*_due(now))
        .order_by(col(OutboxMail.id))
        .limit(sa.bindparam("limit", type_=sa.Integer()))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    return (
        sa.update(OutboxMail)
        # The status again: a row another sender claimed first is never claimed twice.
        .where(
            col(OutboxMail.id).in_(select(due.c.id)),
            col(OutboxMail.status) == MailStatus.PENDING,
        )
        .values(status=MailStatus.SENDING, claimed_at=now)
        .returning(
            col(OutboxMail.id),
            col(OutboxMail.kind),
            col(OutboxMail.recipient),
            col(OutboxMail.message),
            col(OutboxMail.attempts),
            col(OutboxMail.dispatch_id),
        )
    )


_CLAIM = _claim_statement()


def _claim(session: Session, settings: Settings, now: datetime, limit: int) -> list[ClaimedMail]:
    """Claim up to ``limit`` due mails, oldest first, in one statement.

    A mail without its final text (queued before texts were stored, or refused when it was
    queued) is rendered here, in the claiming transaction, and keeps that text.
    """
    rows = session.connection().execute(_CLAIM, {"now": now, "limit": limit}).all()
    claimed = []
    for mail_id, kind, recipient, message, attempts, dispatch_id in rows:
        mail = ClaimedMail(
            id=mail_id,
            kind=kind,
            recipient=recipient or "",
            message=message,
            attempts=attempts,
            dispatch_id=dispatch_id,
        )
        if message is None:
            mail = _render_claimed(session, settings, mail)
        claimed.append(mail)
    return sorted(claimed, key=lambda mail: mail.id)


def _render_claimed(session: Session, settings: Settings, mail: ClaimedMail) -> ClaimedMail:
    row = session.get(OutboxMail, mail.id)
    assert row is not None
    try:
        text = RenderedMail(row.subject or "", row.body_text or "", row.body_html)
        row.message = rendered_message(session, settings, row, text)
    except UnsafeMailError as unsafe:
        return _refused(mail, str(unsafe))
    except (ValueError, UnicodeError):
        return _refused(mail, BAD_HEADER)
    session.add(row)
    return replace(mail, message=row.message)


def _refused(mail: ClaimedMail, reason: str) -> ClaimedMail:
    return replace(mail, message=None, refusal=reason)


# --- the job -----------------------------------------------------------------------------


class _Batches:
    """The run's transactions: each records the outcomes of one chunk of mails (and hands
    back those never started) and claims the next chunk, at most ``SETTLE_EVERY``. One
    session for the run; no transaction stays open while mails are sent."""

    def __init__(
        self, session: Session, settings: Settings, now: datetime, report: SendReport
    ) -> None:
        self.session, self.settings, self.now, self.report = session, settings, now, report
        self.outcomes: list[Outcome] = []
        self.unstarted: list[int] = []

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def next(self, limit: int) -> list[ClaimedMail]:
        """Record what is waiting and claim up to ``limit`` more (committed on return)."""
        if not self.outcomes and not self.unstarted and not limit:
            return []
        session = self.session
        try:
            _write_outcomes(session, self.outcomes, self.now)
            _release(session, self.unstarted, self.now)
            claimed = _claim(session, self.settings, self.now, limit) if limit else []
            session.commit()
        except BaseException:
            session.rollback()
            raise
        for outcome in self.outcomes:
            _count(self.report, outcome)
        self.outcomes, self.unstarted = [], []
        return claimed


class _StopBatch(Exception):
    """The connection is gone: the rest of the batch waits for the next run."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.status.value)
        self.outcome = outcome  # of the mail that was being sent


def _send_one(
    settings: Settings, transport: Transport, mail: ClaimedMail, now: datetime
) -> Outcome:
    """Send one claimed mail; raises ``_StopBatch`` (with the outcome) when the connection
    is lost."""
    try:
        if mail.message is None:
            raise UnsafeMailError(mail.refusal or BAD_HEADER)
        # The row's address again for the envelope (header injection; validated in full
        # when the text was rendered, which checked the subject too), then the text as it is.
        recipient = smtp_recipient(mail.recipient, validated=True)
        transport.send(mail, recipient, mail.message.encode("ascii"))
    except (UnsafeMailError, UnicodeError) as unsafe:
        # Never handed to SMTP, and retrying would not change it.
        reason = str(unsafe) if isinstance(unsafe, UnsafeMailError) else BAD_HEADER
        log.warning("mail %d kind=%s refused before sending: unsafe header", mail.id, mail.kind)
        return _outcome(mail, MailStatus.FAILED, _short(reason))
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()), (0, b""))
        return _smtp_refusal(settings, mail, now, code, _reply_text(reply))
    except smtplib.SMTPResponseException as answered:
        return _smtp_refusal(
            settings, mail, now, answered.smtp_code, _reply_text(answered.smtp_error)
        )
    except (smtplib.SMTPException, OSError) as lost:
        raise _StopBatch(_lost(settings, transport, mail, now, lost)) from None
    return _outcome(mail, MailStatus.SENT)


def _outcome(mail: ClaimedMail, status: MailStatus, error: str | None = None) -> Outcome:
    return Outcome(
        id=mail.id, kind=mail.kind, dispatch_id=mail.dispatch_id, status=status, last_error=error
    )


def _lost(
    settings: Settings, transport: Transport, mail: ClaimedMail, now: datetime, lost: Exception
) -> Outcome:
    if transport.data_started:
        # The message went over the wire but no answer came back: it may have arrived.
        log.warning("mail %d kind=%s connection lost after DATA: uncertain", mail.id, mail.kind)
        return _outcome(mail, MailStatus.UNCERTAIN, INTERRUPTED_MESSAGE)
    reason = (
        f"Het mailbestand kon niet worden geschreven ({type(lost).__name__})."
        if isinstance(transport, EmlFiles)
        else f"De verbinding met de mailserver viel weg ({type(lost).__name__})."
    )
    outcome = _counted_try(
        settings, mail.id, mail.kind, mail.dispatch_id, mail.attempts, reason, now
    )
    log.warning("mail %d kind=%s connection lost: %s", mail.id, mail.kind, outcome.status.value)
    return outcome


def _smtp_refusal(
    settings: Settings, mail: ClaimedMail, now: datetime, code: int, reply: str
) -> Outcome:
    """5xx is final; anything else is worth another try later."""
    if code >= 500:
        log.warning("mail %d kind=%s refused permanently code=%d", mail.id, mail.kind, code)
        reason = f"De mailserver weigerde de mail ({code}): {reply}"
        return _outcome(mail, MailStatus.FAILED, _short(reason))
    reason = f"De mailserver kon de mail nu niet aannemen ({code}): {reply}"
    outcome = _counted_try(
        settings, mail.id, mail.kind, mail.dispatch_id, mail.attempts, reason, now
    )
    log.warning(
        "mail %d kind=%s refused for now code=%d: %s",
        mail.id,
        mail.kind,
        code,
        outcome.status.value,
    )
    return outcome


def _send_due(
    app: Flask, settings: Settings, transport: Transport, now: datetime, report: SendReport
) -> None:
    """Claim, send and record the due mails, chunk by chunk, up to ``mail_batch_size``.

    A worker that dies leaves at most one chunk in "sending". The run claims no more and
    starts no more mails once ``claim_budget`` has passed, or once the connection is lost;
    what it claimed but never started goes back to pending.
    """
    with app.app_context(), Session(database().engine, expire_on_commit=False) as session:
        _send_chunks(_Batches(session, settings, now, report), settings, transport, now)


def _send_chunks(
    batches: _Batches, settings: Settings, transport: Transport, now: datetime
) -> None:
    stop_at = time.monotonic() + claim_budget(settings)
    left, stopped = settings.mail_batch_size, False
    chunk: list[ClaimedMail] = []
    started = 0
    try:
        while True:
            limit = 0 if stopped or time.monotonic() > stop_at else min(SETTLE_EVERY, left)
            chunk, started = batches.next(limit), 0
            if not chunk:
                return
            left -= len(chunk)
            for mail in chunk:
                if time.monotonic() > stop_at:
                    log.warning("send-outbox ran out of time: the rest waits for the next run")
                    stopped = True
                    break
                started += 1
                try:
                    batches.add(_send_one(settings, transport, mail, now))
                except _StopBatch as stop:
                    batches.add(stop.outcome)
                    stopped = True
                    break
            batches.unstarted = [mail.id for mail in chunk[started:]]
            chunk = []
    except BaseException:
        # Record what is known; a mail whose sending raised something unforeseen stays
        # "sending" (it may have gone) and becomes uncertain.
        batches.unstarted += [mail.id for mail in chunk[started:]]
        batches.next(0)
        raise


def _connection_failed(
    app: Flask, settings: Settings, error: BaseException, now: datetime, report: SendReport
) -> None:
    """No connection at all: every due mail backs off (or gives up); nothing is lost."""
    reason = f"De mailserver was niet bereikbaar ({type(error).__name__})."
    with app.app_context(), database().session() as session:
        rows = session.exec(
            select(OutboxMail.id, OutboxMail.kind, OutboxMail.dispatch_id, OutboxMail.attempts)
            .where(*_due(now))
            .order_by(col(OutboxMail.id))
            .limit(settings.mail_batch_size)
        ).all()
        outcomes = [
            _counted_try(settings, mail_id, kind, dispatch_id, attempts, reason, now)
            for mail_id, kind, dispatch_id, attempts in rows
            if mail_id is not None
        ]
        _write_outcomes(session, outcomes, now, only_pending=True)
    for outcome in outcomes:
        _count(report, outcome)


def _anything_due(app: Flask, now: datetime) -> bool:
    with app.app_context(), database().session() as session:
        return session.exec(select(OutboxMail.id).where(*_due(now)).limit(1)).first() is not None


def send_pending(app: Flask, now: datetime | None = None) -> SendReport:
    """Send the due mails of the outbox over one connection (or as files in demo)."""
    settings: Settings = app.config["SETTINGS"]
    now = now or utcnow()
    report = SendReport(uncertain=mark_interrupted(app, settings, now))
    compose_pending(app)
    if not _anything_due(app, now):
        _log_report(report)
        return report

    transport: Transport
    if settings.mail_write_eml_files:
        transport = EmlFiles(settings.instance_path)
    else:
        connection = SmtpConnection(settings)
        report.connections = 1
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            log.warning("mail server unreachable error=%s", type(error).__name__)
            _connection_failed(app, settings, error, now, report)
            _log_report(report)
            return report
        transport = connection
    try:
        _send_due(app, settings, transport, now, report)
    finally:
        transport.close()
    _log_report(report)
    return report


def _log_report(report: SendReport) -> None:
    # Every 10 s: a run that found nothing to do is only worth a debug line.
    idle = not (report.sent or report.retried or report.failed or report.uncertain)
    log.log(
        logging.DEBUG if idle else logging.INFO,
        "job send-outbox sent=%d retried=%d failed=%d uncertain=%d connections=%d",
        report.sent,
        report.retried,
        report.failed,
        report.uncertain,
        report.connections,
    )


def send_outbox(app: Flask) -> None:
    """The scheduled job."""
    send_pending(app)
