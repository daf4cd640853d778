"""Sending the outbox against a real SMTP server on 127.0.0.1 (tests/smtp.py)."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import stat
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from smtp import SilentServer, TestSmtpServer
from sqlmodel import Session, col, select
from support import QueueMail

from niemand_alleen import create_app
from niemand_alleen.config import Settings
from niemand_alleen.distribution.links import one_click_unsubscribe_url, unsubscribe_url
from niemand_alleen.jobs import JOBS
from niemand_alleen.mail.sender import INTERRUPTED_MESSAGE, message_id, send_pending
from niemand_alleen.models import (
    Dispatch,
    DispatchStatus,
    MailStatus,
    OutboxMail,
    utcnow,
)


def reload(session: Session, row: Any) -> Any:
    """The row as the database has it now (the test session may hold an older snapshot)."""
    session.rollback()
    session.expire_all()
    return session.get(type(row), row.id)


def all_mails(session: Session) -> list[OutboxMail]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def other_app(settings: Settings, **overrides: Any) -> Flask:
    """A second worker on the same database, with its own settings."""
    return create_app(settings.with_overrides(**overrides))


def dispose(app: Flask) -> None:
    app.extensions["database"].engine.dispose()


def test_the_job_is_scheduled_every_ten_seconds() -> None:
    assert JOBS["send-outbox"].every_seconds == 10


def test_mails_arrive_with_their_headers_over_one_connection(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
    caplog: pytest.LogCaptureFixture,
) -> None:
    organisation_mail = queue(1, organisation=True, recipient="celik.muller@example.org")
    plain_mails = [queue(number) for number in (2, 3)]
    now = utcnow() + timedelta(seconds=1)
    with caplog.at_level(logging.DEBUG):
        report = send_pending(app, now)

    assert (report.sent, report.retried, report.failed, report.uncertain) == (3, 0, 0, 0)
    assert report.connections == 1
    received = smtp_server.wait_for(3)
    assert smtp_server.connections == 1, "one SMTP connection for the whole batch"

    by_id = {mail.message["Message-ID"].strip(): mail for mail in received}
    first = by_id[message_id(organisation_mail.idempotency_key, settings.mail_sender)]
    assert first.recipients == ["celik.muller@example.org"]
    assert first.message["From"] == settings.mail_sender
    assert first.message["Subject"] == "Oproep 1: een goede buur gezocht in 3311"
    assert first.message["Content-Language"] == "nl"
    assert "Oproep nummer 1." in first.text
    assert "<p>Oproep nummer 1.</p>" in first.html
    dispatch = db_session.get_one(Dispatch, organisation_mail.dispatch_id)
    expected = one_click_unsubscribe_url(
        settings.public_base_url, settings.secret_key, dispatch.organisation_id
    )
    assert first.message["List-Unsubscribe"] == f"<{expected}>"
    # Not the body's link, which a forwarded mail carries and which never unsubscribes.
    body_link = unsubscribe_url(
        settings.public_base_url, settings.secret_key, dispatch.organisation_id
    )
    assert body_link not in first.message["List-Unsubscribe"]
    assert first.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for plain in plain_mails:
        mail = by_id[message_id(plain.idempotency_key, settings.mail_sender)]
        assert mail.message["List-Unsubscribe"] is None, "only organisation mails"
        assert mail.message["Content-Language"] == "nl"

    for row in all_mails(db_session):
        assert row.status == MailStatus.SENT
        assert row.sent_at == now
        assert row.attempts == 0
    dispatch = reload(db_session, dispatch)
    assert (dispatch.status, dispatch.sent_at) == (DispatchStatus.SENT, now)

    # Logs: ids, kinds and counts; never addresses, subjects or bodies.
    ours = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith("niemand")
    )
    assert "sent=3" in ours
    for secret in ("example.org", "Oproep 1", "Oproep nummer", "celik"):
        assert secret not in ours

    # Nothing due: the next run does not even connect.
    assert send_pending(app, now + timedelta(seconds=10)).connections == 0
    assert smtp_server.connections == 1
    assert len(smtp_server.messages) == 3


def test_mails_not_yet_due_wait_and_nothing_connects(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    later = utcnow() + timedelta(minutes=5)
    row = queue(1, next_attempt_at=later)
    report = send_pending(app, later - timedelta(seconds=1))
    assert report.connections == 0
    assert smtp_server.connections == 0
    assert reload(db_session, row).status == MailStatus.PENDING
    assert send_pending(app, later).sent == 1


def _worker_environment(settings: Settings, tmp_path: Path, smtp_port: int) -> dict[str, str]:
    """The environment of a separately started worker on the same database and keys."""
    return {
        **os.environ,
        "NIEMAND_ALLEEN_PRESET": "demo",
        "INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
        "HASH_KEY": settings.hash_key,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_WRITE_EML_FILES": "false",
    }


@pytest.mark.skipif(sys.platform != "linux", reason="processes as on the servers")
def test_smtp_down_loses_nothing_and_a_restarted_worker_sends_each_mail_once(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
    tmp_path: Path,
) -> None:
    first_run = utcnow() - timedelta(minutes=10)
    rows = [
        queue(number, organisation=number % 5 == 0, next_attempt_at=first_run)
        for number in range(50)
    ]
    smtp_server.stop()
    report = send_pending(app, first_run)
    assert (report.sent, report.retried, report.failed) == (0, 50, 0)
    for row in all_mails(db_session):
        assert row.status == MailStatus.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at == first_run + timedelta(seconds=settings.mail_retry_seconds)
        assert row.last_error is not None
        assert "niet bereikbaar" in row.last_error
    # Not due yet within the back-off: the next run neither connects nor counts an attempt.
    report = send_pending(app, first_run + timedelta(seconds=30))
    assert report.connections == 0
    assert {row.attempts for row in all_mails(db_session)} == {1}

    # The server comes back; the worker process is a new one (restarted in between).
    smtp_server.start()
    smtp_server.reset()  # starting makes one readiness connection of its own
    dispose(app)
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "jobs", "run", "send-outbox"]
    result = subprocess.run(
        command,
        env=_worker_environment(settings, tmp_path, smtp_server.port),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    received = smtp_server.wait_for(50)
    assert smtp_server.connections == 1
    per_message_id = Counter(mail.message["Message-ID"].strip() for mail in received)
    expected = {message_id(row.idempotency_key, settings.mail_sender) for row in rows}
    assert set(per_message_id) == expected
    assert set(per_message_id.values()) == {1}, "each mail exactly once"

    # And again, by this process: nothing more goes out.
    assert send_pending(app).sent == 0
    time.sleep(0.2)
    assert len(smtp_server.messages) == 50
    assert {row.status for row in all_mails(db_session)} == {MailStatus.SENT}
    dispatches = db_session.exec(select(Dispatch)).all()
    assert len(dispatches) == 10
    assert {dispatch.status for dispatch in dispatches} == {DispatchStatus.SENT}


def test_a_mail_left_in_sending_becomes_uncertain_and_is_not_resent(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    now = utcnow() + timedelta(seconds=1)
    crashed = queue(1, organisation=True)
    busy = queue(2)
    claims = ((crashed, now - timedelta(minutes=30)), (busy, now - timedelta(seconds=5)))
    for row, claimed in claims:
        row.status, row.claimed_at = MailStatus.SENDING, claimed
        db_session.add(row)
    db_session.commit()

    report = send_pending(app, now)
    assert report.uncertain == 1
    assert report.connections == 0, "nothing pending: no connection"
    crashed = reload(db_session, crashed)
    assert crashed.status == MailStatus.UNCERTAIN
    assert crashed.last_error == INTERRUPTED_MESSAGE
    assert reload(db_session, busy).status == MailStatus.SENDING, "a fresh claim is left alone"
    dispatch = db_session.get_one(Dispatch, crashed.dispatch_id)
    assert dispatch.status == DispatchStatus.FAILED

    send_pending(app, now + timedelta(hours=1))
    assert reload(db_session, crashed).status == MailStatus.UNCERTAIN
    assert smtp_server.messages == [], "an uncertain mail is never resent by itself"


def test_after_the_last_attempt_a_mail_fails_with_its_reason(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
) -> None:
    worker = other_app(settings, mail_max_attempts=3, mail_retry_seconds=10)
    row = queue(1, organisation=True)
    smtp_server.stop()
    now = utcnow() + timedelta(seconds=1)
    waits = []
    for _ in range(3):
        report = send_pending(worker, now)
        row = reload(db_session, row)
        waits.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at
    dispose(worker)
    assert report.failed == 1
    assert row.status == MailStatus.FAILED
    assert row.attempts == 3
    assert waits[:2] == [10, 20], "back-off doubles"
    assert row.last_error is not None
    assert "niet bereikbaar" in row.last_error
    assert "Opgegeven na 3 pogingen" in row.last_error
    assert db_session.get_one(Dispatch, row.dispatch_id).status == DispatchStatus.FAILED


def test_a_header_injection_never_reaches_the_server(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    """Rows that slipped past queue_mail (written directly) are checked again at sending."""
    injected_recipient = queue(1)
    injected_recipient.recipient = "ontvanger@example.org\r\nBcc: buit@example.net"
    injected_subject = queue(2)
    injected_subject.subject = "Oproep\r\nBcc: buit@example.net"
    for row in (injected_recipient, injected_subject):
        db_session.add(row)
    db_session.commit()
    good = queue(3)

    report = send_pending(app, utcnow() + timedelta(seconds=1))
    assert (report.sent, report.failed) == (1, 2)
    received = smtp_server.wait_for(1)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1
    assert received[0].recipients == ["ontvanger3@example.org"]
    assert all("buit@example.net" not in mail.recipients for mail in received)
    for row, field in ((injected_recipient, "e-mailadres"), (injected_subject, "onderwerp")):
        row = reload(db_session, row)
        assert row.status == MailStatus.FAILED
        assert field in row.last_error
        assert "regelovergang" in row.last_error
    assert reload(db_session, good).status == MailStatus.SENT


def test_permanent_refusal_fails_at_once_and_a_temporary_one_backs_off(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
) -> None:
    smtp_server.refused_recipients["weg@example.org"] = "550 5.1.1 Onbekende ontvanger"
    smtp_server.refused_recipients["vol@example.org"] = "452 4.2.2 Postbus vol"
    refused = queue(1, organisation=True, recipient="weg@example.org")
    busy = queue(2, recipient="vol@example.org")
    fine = queue(3)
    now = utcnow() + timedelta(seconds=1)

    report = send_pending(app, now)
    assert (report.sent, report.retried, report.failed) == (1, 1, 0 + 1)
    assert report.connections == 1
    refused = reload(db_session, refused)
    assert refused.status == MailStatus.FAILED
    assert refused.attempts == 0
    assert "550" in refused.last_error
    assert "Onbekende ontvanger" in refused.last_error
    assert db_session.get_one(Dispatch, refused.dispatch_id).status == DispatchStatus.FAILED
    busy = reload(db_session, busy)
    assert busy.status == MailStatus.PENDING
    assert busy.attempts == 1
    assert busy.next_attempt_at == now + timedelta(seconds=settings.mail_retry_seconds)
    assert "452" in busy.last_error
    assert reload(db_session, fine).status == MailStatus.SENT
    assert [mail.recipients for mail in smtp_server.wait_for(1)] == [["ontvanger3@example.org"]]


def test_a_server_that_never_answers_fails_within_the_timeout(
    settings: Settings, db_session: Session, queue: QueueMail
) -> None:
    silent = SilentServer()
    worker = other_app(settings, mail_port=silent.port, mail_timeout_seconds=0.5)
    row = queue(1)
    try:
        started = time.monotonic()
        report = send_pending(worker, utcnow() + timedelta(seconds=1))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
        dispose(worker)
    assert elapsed < 3, f"took {elapsed:.1f} s"
    assert report.retried == 1
    row = reload(db_session, row)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert "niet bereikbaar" in row.last_error


def test_demo_writes_eml_files_only_the_service_can_read(
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
    tmp_path: Path,
) -> None:
    instance = tmp_path / "demo-instance"
    worker = other_app(settings, mail_write_eml_files=True, instance_path=instance)
    row = queue(1, organisation=True)
    report = send_pending(worker, utcnow() + timedelta(seconds=1))
    dispose(worker)
    assert (report.sent, report.connections) == (1, 0)
    assert smtp_server.connections == 0
    folder = instance / "mail"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [path] = list(folder.iterdir())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Message-ID"].strip() == message_id(row.idempotency_key, settings.mail_sender)
    assert message["To"] == "ontvanger1@example.org"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reload(db_session, row).status == MailStatus.SENT


def test_an_address_with_accents_before_the_at_fails_clearly(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    """The sender does not speak SMTPUTF8: such a mail fails with a reason, the batch goes on."""
    accented = queue(1, recipient="çelik.müller@example.org")
    plain = queue(2)
    report = send_pending(app, utcnow() + timedelta(seconds=1))
    assert (report.sent, report.failed) == (1, 1)
    accented = reload(db_session, accented)
    assert accented.status == MailStatus.FAILED
    assert "accenten" in accented.last_error
    assert reload(db_session, plain).status == MailStatus.SENT


def test_a_dispatch_is_sent_when_one_of_its_addresses_got_the_oproep(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    """An organisation with two contact addresses: one refused, one delivered."""
    smtp_server.refused_recipients["weg@example.org"] = "550 5.1.1 Onbekende ontvanger"
    refused = queue(1, organisation=True, recipient="weg@example.org")
    queue(2, dispatch_id=refused.dispatch_id, recipient="info@example.org")
    now = utcnow() + timedelta(seconds=1)
    assert send_pending(app, now).failed == 1
    dispatch = reload(db_session, db_session.get(Dispatch, refused.dispatch_id))
    assert (dispatch.status, dispatch.sent_at) == (DispatchStatus.SENT, now)
