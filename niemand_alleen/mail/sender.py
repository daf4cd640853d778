"""Send the outbox: one SMTP connection per batch, each mail at most once.

A mail is claimed (pending -> sending, committed) before its SMTP transaction and recorded
right after it. A worker that dies in between leaves the row in ``sending``; the next run
marks it ``uncertain`` instead of sending it again, and a person decides.

The sender is a job, so unlike a service it runs its own short transactions: one to claim a
mail, one to record how it went. Logs carry ids, kinds and counts, never addresses,
subjects, bodies or SMTP replies (which may quote the address).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_mail import BadHeaderError, Connection, Mail, Message
from sqlmodel import Session, col, select

from niemand_alleen.config import Settings
from niemand_alleen.db import database
from niemand_alleen.mail.kinds import after_outcome, mail_kind
from niemand_alleen.mail.outbox import (
    UnsafeMailError,
    safe_recipient,
    safe_subject,
)
from niemand_alleen.models import MailStatus, OutboxMail, utcnow

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = (
    "De verzending werd onderbroken; mogelijk is de mail wel aangekomen. "
    "Controleer dit en verstuur hem zo nodig opnieuw."
)
ERROR_MAX_LENGTH = 300


@dataclass
class SendReport:
    """Mails per outcome of one run; ``connections`` counts SMTP connections tried."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    connections: int = 0
    # (kind, dispatch id) of the mails sent: their features settle once, after the batch
    sent_dispatches: set[tuple[str, Any]] = field(default_factory=set)


# --- pure helpers ----------------------------------------------------------------------


def stale_claim_after(settings: Settings) -> timedelta:
    """How long a claim may last: well beyond one SMTP transaction (a few timed-out reads)."""
    return max(timedelta(minutes=5), timedelta(seconds=10 * settings.mail_timeout_seconds))


def next_attempt(now: datetime, attempts: int, retry_seconds: int) -> datetime:
    """Exponential back-off: retry_seconds after the first failure, doubling each time."""
    return now + timedelta(seconds=retry_seconds * 2 ** max(attempts - 1, 0))


def message_id(idempotency_key: str, sender: str) -> str:
    """The same mail always gets the same Message-ID, so duplicates can be recognised."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "niemand-alleen.invalid"
    return f"<{digest}@{domain}>"


def _short(text: str) -> str:
    return " ".join(text.split())[:ERROR_MAX_LENGTH]


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- SMTP --------------------------------------------------------------------------------


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


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a timeout on every socket operation.

    Flask-Mail 0.10 opens ``smtplib.SMTP(host, port)`` without one, so an unanswering
    server would block the worker for good.
    """

    def __init__(self, mail: Any, timeout: float) -> None:
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        host: smtplib.SMTP
        if self.mail.use_ssl:
            host = _SMTPSSL(self.mail.server, self.mail.port, timeout=self.timeout)
        else:
            host = _SMTP(self.mail.server, self.mail.port, timeout=self.timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A failing QUIT changes nothing about mails already accepted (flask-mail #98).
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.host.close()

    def reset_data_flag(self) -> None:
        if isinstance(self.host, _TracksData):
            self.host.data_started = False

    @property
    def data_started(self) -> bool:
        return isinstance(self.host, _TracksData) and self.host.data_started


def smtp_connection(settings: Settings) -> TimeoutConnection:
    """An unopened connection (``with`` opens it) configured from the settings."""
    state = Mail().init_mail(
        {
            "MAIL_SERVER": settings.mail_server,
            "MAIL_PORT": settings.mail_port,
            "MAIL_USE_TLS": settings.mail_use_tls,
            "MAIL_USE_SSL": settings.mail_use_ssl,
            "MAIL_USERNAME": settings.mail_username,
            "MAIL_PASSWORD": settings.mail_password,
            "MAIL_DEFAULT_SENDER": settings.mail_sender,
            "MAIL_SUPPRESS_SEND": False,
        }
    )
    return TimeoutConnection(state, settings.mail_timeout_seconds)


@dataclass(frozen=True)
class ClaimedMail:
    """What the sender needs of a claimed row, read inside the claiming transaction."""

    id: int
    idempotency_key: str
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    attempts: int
    dispatch_id: Any
    headers: dict[str, str]  # from the kind (e.g. List-Unsubscribe for organisations)


NON_ASCII_LOCAL_PART = (
    "Dit e-mailadres heeft letters met accenten vóór de @; die kan de mailserver niet "
    "bezorgen. Vraag om een ander adres."
)


def build_message(mail: ClaimedMail, settings: Settings) -> Message:
    """The Flask-Mail message (app context); header values are checked again here."""
    recipient = safe_recipient(mail.recipient)
    if not recipient.rpartition("@")[0].isascii():
        # Flask-Mail and smtplib send no SMTPUTF8 (flask-mail #156): refuse it clearly.
        raise UnsafeMailError(NON_ASCII_LOCAL_PART)
    headers = {"Content-Language": "nl", **mail.headers}
    message = Message(
        subject=safe_subject(mail.subject),
        recipients=[recipient],
        body=mail.body_text,
        html=mail.body_html,
        sender=settings.mail_sender,
        date=time.time(),
        extra_headers=headers,
    )
    message.msgId = message_id(mail.idempotency_key, settings.mail_sender)
    if message.has_bad_headers():  # Flask-Mail's own check, as a second line
        raise BadHeaderError
    return message


# --- recording outcomes ------------------------------------------------------------------


def _settle(session: Session, row: OutboxMail) -> None:
    after_outcome(session, row.kind, row.dispatch_id)


def _record(app: Flask, mail_id: int, *, settle: bool = True, **changes: Any) -> bool:
    """Write the outcome of one mail in its own short transaction.

    A plain UPDATE: loading the row would decrypt its address and bodies for nothing.
    ``settle=False`` leaves the dispatch status to the end of the batch (one pass).
    """
    with app.app_context(), database().session() as session:
        updated = session.connection().execute(
            sa.update(OutboxMail)
            .where(col(OutboxMail.id) == mail_id)
            .values(claimed_at=None, **changes)
        )
        if updated.rowcount != 1:  # erased meanwhile (privacy erase): nothing to record
            return False
        if settle:
            kind, dispatch_id = session.exec(
                select(OutboxMail.kind, OutboxMail.dispatch_id).where(OutboxMail.id == mail_id)
            ).one()
            after_outcome(session, kind, dispatch_id)
        return True


def _settle_batch(app: Flask, sent: set[tuple[str, Any]]) -> None:
    if not sent:
        return
    with app.app_context(), database().session() as session:
        for kind, dispatch_id in sent:
            after_outcome(session, kind, dispatch_id)


def _retry_or_fail(
    app: Flask, settings: Settings, mail_id: int, attempts: int, error: str, now: datetime
) -> MailStatus:
    """A temporary failure: back off, or give up after the configured attempts."""
    attempts += 1
    if attempts >= settings.mail_max_attempts:
        status = MailStatus.FAILED
        error = f"{error} Opgegeven na {attempts} pogingen."
    else:
        status = MailStatus.PENDING
    _record(
        app,
        mail_id,
        status=status,
        attempts=attempts,
        last_error=_short(error),
        next_attempt_at=next_attempt(now, attempts, settings.mail_retry_seconds),
    )
    return status


def mark_interrupted(app: Flask, settings: Settings, now: datetime) -> int:
    """Claims older than any SMTP transaction: the worker died mid-mail. Never resent."""
    cutoff = now - stale_claim_after(settings)
    with app.app_context(), database().session() as session:
        rows = session.exec(
            select(OutboxMail).where(
                OutboxMail.status == MailStatus.SENDING, col(OutboxMail.claimed_at) < cutoff
            )
        ).all()
        for row in rows:
            row.status, row.last_error, row.claimed_at = (
                MailStatus.UNCERTAIN,
                INTERRUPTED_MESSAGE,
                None,
            )
            session.add(row)
            _settle(session, row)
            log.warning("mail %d kind=%s interrupted while sending: uncertain", row.id, row.kind)
        return len(rows)


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


def _due_ids(app: Flask, settings: Settings, now: datetime) -> list[int]:
    return _pending_ids(
        app,
        settings,
        col(OutboxMail.next_attempt_at) <= now,
        col(OutboxMail.body_text).is_not(None),  # a mail still to be written waits
    )


NOT_COMPOSED = (
    "Deze mail is niet verstuurd: waar hij over ging, is ingetrokken of gewist voordat hij "
    "kon worden geschreven."
)


def compose_pending(app: Flask) -> int:
    """Write the text of pending mails queued without it (``outbox_values(mail=None)``), with
    their kind's composer, each in a short transaction of its own; returns how many."""
    settings: Settings = app.config["SETTINGS"]
    # Also a pending mail emptied by an erasure: it fails here instead of waiting forever.
    ids = _pending_ids(app, settings, col(OutboxMail.body_text).is_(None))
    composed = 0
    for mail_id in ids:
        try:
            composed += _compose_one(app, settings, mail_id)
        except UnsafeMailError as unsafe:
            _record(app, mail_id, settle=False, status=MailStatus.FAILED, last_error=str(unsafe))
        except Exception as error:  # one broken mail must not hold up the others
            log.error("mail %d not composed: %s", mail_id, type(error).__name__)
            reason = f"De mail kon niet worden geschreven ({type(error).__name__})."
            _record(app, mail_id, settle=False, status=MailStatus.FAILED, last_error=reason)
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
        session.add(row)
        return 1


def _claim(app: Flask, settings: Settings, mail_id: int, now: datetime) -> ClaimedMail | None:
    """pending -> sending, committed; ``None`` if another run took it or it changed."""
    with app.app_context(), database().session() as session:
        claimed = session.connection().execute(
            sa.update(OutboxMail)
            .where(col(OutboxMail.id) == mail_id, col(OutboxMail.status) == MailStatus.PENDING)
            .values(status=MailStatus.SENDING, claimed_at=now)
        )
        if claimed.rowcount != 1:
            return None
        row = session.get(OutboxMail, mail_id)
        assert row is not None
        kind = mail_kind(row.kind)
        headers = kind.headers(session, settings, row) if kind and kind.headers else {}
        return ClaimedMail(
            id=mail_id,
            idempotency_key=row.idempotency_key,
            kind=row.kind,
            recipient=row.recipient or "",
            subject=row.subject or "",
            body_text=row.body_text or "",
            body_html=row.body_html,
            attempts=row.attempts,
            dispatch_id=row.dispatch_id,
            headers=headers,
        )


# --- the job -----------------------------------------------------------------------------


def _write_eml(instance_path: Path, mail: ClaimedMail, message: Message) -> None:
    """Demo: the mail as a file only the service's user can read."""
    folder = instance_path / "mail"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    kind = re.sub(r"[^a-z0-9-]", "", mail.kind.lower()) or "mail"
    path = folder / f"{mail.id:08d}-{kind}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())


class _StopBatch(Exception):
    """The connection is gone: the rest of the batch waits for the next run."""


def _send_one(
    app: Flask,
    settings: Settings,
    connection: TimeoutConnection | None,
    mail: ClaimedMail,
    now: datetime,
    report: SendReport,
) -> None:
    try:
        message = build_message(mail, settings)
        if connection is None:
            _write_eml(settings.instance_path, mail, message)
        else:
            connection.reset_data_flag()
            # Flask-Mail encodes the whole message before talking to the server, so an
            # encoding error below means nothing was sent.
            connection.send(message)
    except (UnsafeMailError, BadHeaderError, UnicodeError) as unsafe:
        # Header injection or an address we cannot encode: never handed to SMTP, and
        # retrying would not change it.
        reason = (
            str(unsafe)
            if isinstance(unsafe, UnsafeMailError)
            else "De mail bevat een ongeldige kopregel of een adres dat niet te versturen is."
        )
        _record(app, mail.id, status=MailStatus.FAILED, last_error=_short(reason))
        report.failed += 1
        log.warning("mail %d kind=%s refused before sending: unsafe header", mail.id, mail.kind)
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()), (0, b""))
        _smtp_refusal(app, settings, mail, now, report, code, _reply_text(reply))
    except smtplib.SMTPResponseException as answered:
        _smtp_refusal(
            app, settings, mail, now, report, answered.smtp_code, _reply_text(answered.smtp_error)
        )
    except (smtplib.SMTPException, OSError) as lost:
        if connection is not None and connection.data_started:
            # The message went over the wire but no answer came back: it may have arrived.
            _record(app, mail.id, status=MailStatus.UNCERTAIN, last_error=INTERRUPTED_MESSAGE)
            report.uncertain += 1
            log.warning("mail %d kind=%s connection lost after DATA: uncertain", mail.id, mail.kind)
        else:
            status = _retry_or_fail(
                app,
                settings,
                mail.id,
                mail.attempts,
                f"De verbinding met de mailserver viel weg ({type(lost).__name__})."
                if connection is not None
                else f"Het mailbestand kon niet worden geschreven ({type(lost).__name__}).",
                now,
            )
            _count(report, status)
            log.warning("mail %d kind=%s connection lost: %s", mail.id, mail.kind, status.value)
        raise _StopBatch from None
    else:
        _record(app, mail.id, settle=False, status=MailStatus.SENT, sent_at=now, last_error=None)
        if mail.kind == "oproep" and mail.dispatch_id is not None:
            report.sent_dispatches.add((mail.kind, mail.dispatch_id))
        report.sent += 1


def _count(report: SendReport, status: MailStatus) -> None:
    if status == MailStatus.FAILED:
        report.failed += 1
    else:
        report.retried += 1


def _smtp_refusal(
    app: Flask,
    settings: Settings,
    mail: ClaimedMail,
    now: datetime,
    report: SendReport,
    code: int,
    reply: str,
) -> None:
    """5xx is final; anything else is worth another try later."""
    if code >= 500:
        reason = f"De mailserver weigerde de mail ({code}): {reply}"
        _record(app, mail.id, status=MailStatus.FAILED, last_error=_short(reason))
        report.failed += 1
        log.warning("mail %d kind=%s refused permanently code=%d", mail.id, mail.kind, code)
        return
    reason = f"De mailserver kon de mail nu niet aannemen ({code}): {reply}"
    status = _retry_or_fail(app, settings, mail.id, mail.attempts, reason, now)
    _count(report, status)
    log.warning("mail %d kind=%s refused for now code=%d: %s", mail.id, mail.kind, code, status)


def _connection_failed(
    app: Flask, settings: Settings, ids: list[int], error: BaseException, now: datetime
) -> SendReport:
    """No connection at all: every due mail backs off (or gives up); nothing is lost."""
    report = SendReport()
    reason = f"De mailserver was niet bereikbaar ({type(error).__name__})."
    for mail_id in ids:
        with app.app_context(), database().session() as session:
            row = session.get(OutboxMail, mail_id)
            if row is None or row.status != MailStatus.PENDING:
                continue
            attempts = row.attempts
        _count(report, _retry_or_fail(app, settings, mail_id, attempts, reason, now))
    return report


def send_pending(app: Flask, now: datetime | None = None) -> SendReport:
    """Send the due mails of the outbox over one connection (or as files in demo)."""
    settings: Settings = app.config["SETTINGS"]
    now = now or utcnow()
    interrupted = mark_interrupted(app, settings, now)
    compose_pending(app)
    ids = _due_ids(app, settings, now)
    if not ids:
        report = SendReport(uncertain=interrupted)
        _log_report(report)
        return report

    with app.app_context():
        if settings.mail_write_eml_files:
            report = SendReport(uncertain=interrupted)
            for mail_id in ids:
                mail = _claim(app, settings, mail_id, now)
                if mail is not None:
                    _send_one(app, settings, None, mail, now, report)
            _settle_batch(app, report.sent_dispatches)
            _log_report(report)
            return report

        connection = smtp_connection(settings)
        try:
            connection.__enter__()
        except (smtplib.SMTPException, OSError) as error:
            log.warning("mail server unreachable error=%s due=%d", type(error).__name__, len(ids))
            report = _connection_failed(app, settings, ids, error, now)
            report.uncertain += interrupted
            report.connections = 1
            _log_report(report)
            return report

        report = SendReport(uncertain=interrupted, connections=1)
        try:
            for mail_id in ids:
                mail = _claim(app, settings, mail_id, now)
                if mail is not None:
                    _send_one(app, settings, connection, mail, now, report)
        except _StopBatch:
            pass
        finally:
            connection.__exit__(None, None, None)
            _settle_batch(app, report.sent_dispatches)
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
