"""The sender sends each mail's stored text as it was rendered, claims due mails in chunks
and records them in batches, and still sends every mail at most once: with two senders at
once, when the server drops the connection mid-batch, and when the worker dies between
sending and recording (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories
import pytest
import sqlalchemy as sa
from flask import Flask
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import QueueMail

from niemand_alleen import create_app
from niemand_alleen.config import Settings
from niemand_alleen.mail import sender
from niemand_alleen.mail.outbox import RenderedMail, queue_mail
from niemand_alleen.mail.sender import (
    INTERRUPTED_MESSAGE,
    SETTLE_EVERY,
    message_id,
    send_pending,
    stale_claim_after,
)
from niemand_alleen.models import Dispatch, DispatchStatus, MailStatus, OutboxMail, utcnow
from niemand_alleen.privacy.service import SubjectKind, SubjectRef, erase_volunteer
from niemand_alleen.retention import purge_mail_bodies
from niemand_alleen.signup.service import CONFIRM_KEY_PREFIX, withdraw_volunteer


def all_mails(session: Session) -> list[OutboxMail]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def stored_text(app: Flask, mail_id: int | None) -> bytes:
    """The message column as the sender reads it (decrypted)."""
    engine = app.extensions["database"].engine
    with Session(engine) as session:
        text = session.exec(select(OutboxMail.message).where(OutboxMail.id == mail_id)).one()
    assert text is not None
    return text.encode("ascii")


def other_app(settings: Settings, **overrides: Any) -> Flask:
    return create_app(settings.with_overrides(**overrides))


def queue_many(app: Flask, queue: QueueMail, count: int) -> list[OutboxMail]:
    """Queued as the services do, inside the app: each with its final text."""
    with app.app_context():
        return [queue(number, organisation=number % 4 == 0) for number in range(count)]


def test_the_text_stored_at_queueing_is_encrypted_and_arrives_byte_for_byte(
    app: Flask, settings: Settings, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    with app.app_context():
        row = queue(1, organisation=True, recipient="celik.muller@example.org")
    engine = app.extensions["database"].engine
    with engine.connect() as connection:
        at_rest = connection.execute(
            sa.text("SELECT message FROM outbox_mail WHERE id = :id"), {"id": row.id}
        ).scalar_one()
    assert at_rest.startswith("gAAAAA"), "a Fernet token, like the address and the bodies"
    for secret in ("celik", "example.org", "Oproep", "List-Unsubscribe"):
        assert secret not in at_rest
    queued_text = stored_text(app, row.id)

    assert send_pending(app, utcnow() + timedelta(seconds=1)).sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.raw == queued_text, "sent as it was rendered when queued"
    assert received.recipients == ["celik.muller@example.org"]
    assert received.message["Message-ID"] == message_id(row.idempotency_key, settings.mail_sender)
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mail_is_rendered_once_and_a_retry_sends_the_same_text(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
) -> None:
    # Queued outside the app (as by a script): it gets its text at its first send, and keeps it.
    row = queue(1, recipient="vol@example.org")
    assert row.message is None
    smtp_server.refused_recipients["vol@example.org"] = "452 4.2.2 Postbus vol"
    now = utcnow() + timedelta(seconds=1)
    assert send_pending(app, now).retried == 1
    first_text = stored_text(app, row.id)

    smtp_server.refused_recipients.clear()
    later = now + timedelta(seconds=settings.mail_retry_seconds)
    assert send_pending(app, later).sent == 1
    [received] = smtp_server.wait_for(1)
    # Rendered again, it would differ: its parts' boundary is random.
    assert received.raw == first_text
    [row] = all_mails(db_session)
    assert (row.status, row.attempts) == (MailStatus.SENT, 1)


def _send_until_done(app: Flask, reports: list[Any], start: threading.Barrier) -> None:
    start.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = send_pending(app, utcnow() + timedelta(seconds=1))
        reports.append(report)
        if not report.sent and not report.retried and not report.failed:
            return


def test_two_senders_at_once_send_every_mail_exactly_once(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
) -> None:
    rows = queue_many(app, queue, 3 * SETTLE_EVERY + 7)
    workers = [other_app(settings, mail_batch_size=SETTLE_EVERY + 5) for _ in range(2)]
    reports: list[list[Any]] = [[], []]
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_send_until_done, args=(worker, mine, start))
        for worker, mine in zip(workers, reports, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    for worker in workers:
        worker.extensions["database"].engine.dispose()

    received = smtp_server.wait_for(len(rows))
    time.sleep(0.2)
    per_message_id = Counter(mail.message["Message-ID"] for mail in smtp_server.messages)
    expected = {message_id(row.idempotency_key, settings.mail_sender) for row in rows}
    assert set(per_message_id) == expected
    assert set(per_message_id.values()) == {1}, "no mail sent twice"
    assert len(received) == len(rows)
    runs = [report.sent for mine in reports for report in mine]
    assert max(runs) <= SETTLE_EVERY + 5, "no run sends more than its batch size"
    assert sum(runs) == len(rows)
    assert {row.status for row in all_mails(db_session)} == {MailStatus.SENT}
    dispatches = db_session.exec(select(Dispatch)).all()
    assert {dispatch.status for dispatch in dispatches} == {DispatchStatus.SENT}


def test_a_connection_dropped_mid_batch_sends_nothing_twice_and_loses_nothing(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
) -> None:
    rows = queue_many(app, queue, SETTLE_EVERY + 10)
    dropped = rows[SETTLE_EVERY + 3]  # in the second chunk
    assert dropped.recipient is not None
    smtp_server.drop_during_data.add(dropped.recipient)
    now = utcnow() + timedelta(seconds=1)

    report = send_pending(app, now)
    assert (report.sent, report.uncertain, report.retried) == (SETTLE_EVERY + 3, 1, 0)
    by_id = {row.id: row for row in all_mails(db_session)}
    for position, row in enumerate(rows):
        stored = by_id[row.id]
        if position < SETTLE_EVERY + 3:
            assert stored.status == MailStatus.SENT
        elif row.id == dropped.id:
            # The message went over the wire; no answer came: it may have arrived.
            assert (stored.status, stored.last_error) == (MailStatus.UNCERTAIN, INTERRUPTED_MESSAGE)
        else:
            # Claimed but never started: back in the queue as it was, no attempt counted.
            assert (stored.status, stored.attempts, stored.last_error, stored.claimed_at) == (
                MailStatus.PENDING,
                0,
                None,
                None,
            )

    smtp_server.drop_during_data.clear()
    assert send_pending(app, now + timedelta(seconds=10)).sent == 6
    time.sleep(0.2)
    per_message_id = Counter(mail.message["Message-ID"] for mail in smtp_server.messages)
    assert set(per_message_id.values()) == {1}
    assert len(per_message_id) == len(rows) - 1, "all but the uncertain one, each once"
    assert message_id(dropped.idempotency_key, settings.mail_sender) not in per_message_id


def test_a_slow_server_hands_back_what_a_run_cannot_start_in_time(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run stops starting mails long before its claims could look stale (and so become
    uncertain): the rest of its chunk goes back to the queue and the next run sends it."""
    rows = queue_many(app, queue, SETTLE_EVERY)
    monkeypatch.setattr(sender, "claim_budget", lambda _settings: 0.3)
    send = sender.SmtpConnection.send

    def slow_send(self: sender.SmtpConnection, *args: Any) -> None:
        time.sleep(0.1)
        send(self, *args)

    monkeypatch.setattr(sender.SmtpConnection, "send", slow_send)
    now = utcnow() + timedelta(seconds=1)
    first = send_pending(app, now).sent
    assert 1 <= first < SETTLE_EVERY
    statuses = Counter((row.status, row.attempts, row.claimed_at) for row in all_mails(db_session))
    assert statuses == {
        (MailStatus.SENT, 0, None): first,
        (MailStatus.PENDING, 0, None): SETTLE_EVERY - first,
    }

    monkeypatch.setattr(sender.SmtpConnection, "send", send)
    assert send_pending(app, now + timedelta(seconds=10)).sent == SETTLE_EVERY - first
    time.sleep(0.2)
    per_message_id = Counter(mail.message["Message-ID"] for mail in smtp_server.messages)
    assert len(per_message_id) == len(rows)
    assert set(per_message_id.values()) == {1}


DIE_AFTER_SENDING = """
import json, os, sys
from pathlib import Path
from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.mail import sender

overrides = json.loads(sys.argv[2])
overrides["encryption_keys"] = tuple(overrides["encryption_keys"])
settings = load_settings("test", environ={}, instance_path=Path(sys.argv[1]))
app = create_app(settings.with_overrides(**overrides))
send, sent = sender.SmtpConnection.send, []

def send_then_die(self, *args):
    send(self, *args)
    sent.append(1)
    if len(sent) == int(sys.argv[3]):
        os._exit(3)  # the server said 250; the worker dies before recording it

sender.SmtpConnection.send = send_then_die
sender.send_pending(app)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="processes as on the servers")
def test_a_worker_dying_between_sending_and_recording_never_sends_a_mail_twice(
    app: Flask,
    settings: Settings,
    db_session: Session,
    smtp_server: TestSmtpServer,
    queue: QueueMail,
    tmp_path: Path,
) -> None:
    rows = queue_many(app, queue, 2 * SETTLE_EVERY + 10)
    overrides = {
        "database_url": settings.database_url,
        "mail_port": smtp_server.port,
        "secret_key": settings.secret_key,
        "encryption_keys": list(settings.encryption_keys),
        "hash_key": settings.hash_key,
    }
    died_after = SETTLE_EVERY + 5  # five mails into the second chunk
    result = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_SENDING, str(tmp_path), json.dumps(overrides)]
        + [str(died_after)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr[-2000:]
    smtp_server.wait_for(died_after)

    statuses = Counter(row.status for row in all_mails(db_session))
    assert statuses == {
        MailStatus.SENT: SETTLE_EVERY,  # the first chunk, recorded with the claim of the next
        MailStatus.SENDING: SETTLE_EVERY,  # the chunk it died in: five of them went out
        MailStatus.PENDING: 10,  # never claimed
    }
    # The next run sends what was never claimed and leaves the fresh claims alone.
    now = utcnow() + timedelta(seconds=1)
    report = send_pending(app, now)
    assert (report.sent, report.uncertain) == (10, 0)
    # Once the claims are older than any run can last, a person decides: never resent.
    report = send_pending(app, now + stale_claim_after(settings) + timedelta(seconds=1))
    assert (report.sent, report.uncertain) == (0, SETTLE_EVERY)
    assert send_pending(app, now + timedelta(hours=2)).sent == 0

    time.sleep(0.2)
    per_message_id = Counter(mail.message["Message-ID"] for mail in smtp_server.messages)
    assert set(per_message_id.values()) == {1}, "no mail sent twice"
    assert len(per_message_id) == died_after + 10
    final = Counter(row.status for row in all_mails(db_session))
    assert final == {MailStatus.SENT: SETTLE_EVERY + 10, MailStatus.UNCERTAIN: SETTLE_EVERY}
    sent_ids = {
        message_id(row.idempotency_key, settings.mail_sender)
        for row in all_mails(db_session)
        if row.status == MailStatus.SENT
    }
    assert sent_ids <= set(per_message_id)
    assert len(rows) == 2 * SETTLE_EVERY + 10


def _contents(session: Session, mail_id: int | None) -> tuple[object, ...]:
    session.rollback()
    session.expire_all()
    row = session.get_one(OutboxMail, mail_id)
    return (row.recipient, row.subject, row.body_text, row.body_html, row.message)


def test_the_stored_text_goes_with_the_other_contents(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer, queue: QueueMail
) -> None:
    """Retention purge, erasure and a withdrawn sign-up blank it like the address and bodies."""
    erased_one = factories.signup(db_session, email="sam@example.org")
    withdrawing = factories.signup(db_session, email="kim@example.org")
    first = utcnow() + timedelta(seconds=1)
    with app.app_context():
        purged = queue(1)
    assert send_pending(app, first).sent == 1
    with app.app_context():
        erased = queue(2, recipient="sam@example.org")
        withdrawn = queue_mail(
            db_session,
            idempotency_key=f"{CONFIRM_KEY_PREFIX}{withdrawing.id}",
            kind="signup_confirm",
            recipient="kim@example.org",
            mail=RenderedMail("Bevestig uw aanmelding", "Beste Kim,\n", "<p>Beste Kim,</p>"),
        )
        db_session.commit()
    later = first + timedelta(minutes=1)
    assert send_pending(app, later).sent == 2
    for row in (purged, erased, withdrawn):
        assert all(value is not None for value in _contents(db_session, row.id))

    purge_mail_bodies(db_session, first + timedelta(seconds=1))
    db_session.commit()
    assert _contents(db_session, purged.id) == (None,) * 5

    erase_volunteer(db_session, SubjectRef(SubjectKind.VOLUNTEER, str(erased_one.id)), None)
    db_session.commit()
    assert _contents(db_session, erased.id) == (None,) * 5
    assert _contents(db_session, withdrawn.id)[4] is not None

    withdraw_volunteer(db_session, withdrawing, later)
    db_session.commit()
    assert _contents(db_session, withdrawn.id) == (None,) * 5
