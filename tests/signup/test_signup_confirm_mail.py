"""The confirm mail is queued without its text and written by the sender just before sending."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import PostSignup

from niemand_alleen.mail.kinds import MailKind, register_mail_kind
from niemand_alleen.mail.outbox import (
    RenderedMail,
    outbox_values,
    queue_mail,
    render_mail,
)
from niemand_alleen.mail.sender import NOT_COMPOSED, send_pending
from niemand_alleen.models import MailStatus, OutboxMail, Volunteer, utcnow
from niemand_alleen.retention import BLANK_VOLUNTEER


def mails(session: Session) -> list[OutboxMail]:
    session.rollback()
    session.expire_all()  # as the sender left them, not as this session last saw them
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def a_written_mail() -> RenderedMail:
    """Any mail with its text (app context)."""
    return render_mail(
        "signup_again",
        first_name="Fatma",
        general=True,
        wijk_name="Sterrenburg",
        deadline=None,
        confirmed=False,
        signed_up_on=utcnow(),
        confirm_days=7,
        confirm_url="https://example.org/c",
        withdraw_url="https://example.org/w",
        privacy_url="https://example.org/privacy",
    )


def test_a_signup_gone_before_its_mail_is_written_gets_no_mail(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    smtp_server: TestSmtpServer,
) -> None:
    post_signup(client, scenario.path)
    (volunteer,) = db_session.exec(select(Volunteer)).all()
    # Blanked as the retention purge and erasure do, before the sender ran.
    for name, value in BLANK_VOLUNTEER.items():
        setattr(volunteer, name, value)
    volunteer.purged_at = utcnow()
    db_session.add(volunteer)
    db_session.commit()

    report = send_pending(app)

    assert report.sent == 0
    assert smtp_server.messages == []
    (mail,) = mails(db_session)
    assert mail.status == MailStatus.FAILED
    assert mail.last_error == NOT_COMPOSED
    assert (mail.subject, mail.body_text, mail.body_html) == (None, None, None)


def test_a_mail_that_cannot_be_written_fails_alone_and_the_others_are_sent(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("template missing")

    register_mail_kind(MailKind("test_broken", "Kapot", "goede buur", compose=broken))
    with app.app_context():
        db_session.add(
            OutboxMail.model_validate(
                outbox_values(
                    idempotency_key="test-broken:1",
                    kind="test_broken",
                    recipient="buur@example.org",
                    mail=None,
                )
            )
        )
        queue_mail(
            db_session,
            idempotency_key="test-ready:1",
            kind="signup_again",
            recipient="ander@example.org",
            mail=a_written_mail(),
        )
    db_session.commit()

    report = send_pending(app)

    assert report.sent == 1
    assert [mail.recipients for mail in smtp_server.wait_for(1)] == [["ander@example.org"]]
    broken_mail, ready = mails(db_session)
    assert broken_mail.status == MailStatus.FAILED
    assert broken_mail.last_error == "De mail kon niet worden geschreven (RuntimeError)."
    assert ready.status == MailStatus.SENT


def test_a_pending_mail_emptied_by_an_erasure_fails_instead_of_waiting(
    app: Flask, db_session: Session, smtp_server: TestSmtpServer
) -> None:
    with app.app_context():
        mail = queue_mail(
            db_session,
            idempotency_key="test-erased:1",
            kind="organisation_reminder",
            recipient="info@example.org",
            mail=a_written_mail(),
        )
    for column in ("recipient", "subject", "body_text", "body_html"):
        setattr(mail, column, None)  # as privacy erase leaves it
    db_session.add(mail)
    db_session.commit()

    assert send_pending(app).sent == 0

    assert smtp_server.messages == []
    (erased,) = mails(db_session)
    assert (erased.status, erased.last_error) == (MailStatus.FAILED, NOT_COMPOSED)
