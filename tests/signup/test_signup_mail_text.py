"""A sign-up's confirm mail gets its final text when the sender writes it, not in the
request, and goes out exactly as written then (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import PostSignup

from niemand_alleen.mail.sender import compose_pending, send_pending
from niemand_alleen.models import MailStatus, OutboxMail, utcnow


def mails(session: Session) -> list[OutboxMail]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def test_the_confirm_mail_is_rendered_when_written_and_sent_as_rendered(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    post_signup(client, scenario.path)
    [queued] = mails(db_session)
    # The request stores neither text nor message: known and new addresses cost the same.
    assert (queued.body_text, queued.message) == (None, None)

    assert compose_pending(app) == 1
    [written] = mails(db_session)
    assert written.message is not None
    assert written.body_text is not None
    assert "Content-Language: nl" in written.message

    assert send_pending(app, utcnow() + timedelta(seconds=1)).sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.raw == written.message.encode("ascii")
    assert received.text.replace("\r\n", "\n").strip() == written.body_text.strip()
    [sent] = mails(db_session)
    assert sent.status == MailStatus.SENT
