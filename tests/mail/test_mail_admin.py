"""The beheerder's mail page: counts, mails that need attention, sending again."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import LoginAs, QueueMail, csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.mail.sender import INTERRUPTED_MESSAGE, send_pending
from niemand_alleen.mail.status import mail_status_for_oproep
from niemand_alleen.models import (
    AuditEvent,
    Dispatch,
    DispatchStatus,
    MailStatus,
    Oproep,
    OutboxMail,
    Role,
    utcnow,
)


def reload(session: Session, row: OutboxMail) -> OutboxMail:
    session.rollback()
    session.expire_all()
    fresh = session.get(OutboxMail, row.id)
    assert fresh is not None
    return fresh


def set_state(session: Session, row: OutboxMail, **changes: object) -> OutboxMail:
    for name, value in changes.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()
    return row


def retry(client: FlaskClient, row: OutboxMail, token: str | None = None) -> TestResponse:
    token = token if token is not None else csrf_token(client, "/beheer/mail")
    return client.post(
        f"/beheer/mail/{row.id}/opnieuw-versturen",
        data={"csrf_token": token},
        follow_redirects=True,
    )


def test_a_failed_mail_is_shown_and_sent_again(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    smtp_server: TestSmtpServer,
    login_as: LoginAs,
    queue: QueueMail,
) -> None:
    smtp_server.refused_recipients["weg@example.org"] = "550 5.1.1 Onbekende ontvanger"
    failed = queue(1, organisation=True, recipient="weg@example.org")
    queue(2)
    send_pending(app, utcnow() + timedelta(seconds=1))
    beheerder = login_as(Role.BEHEERDER)

    page = client.get("/beheer/mail").get_data(as_text=True)
    assert "Oproep aan organisatie" in page
    assert "Mislukt" in page
    assert "Onbekende ontvanger" in page, "the reason, decrypted"
    assert "Opnieuw versturen" in page
    assert "Herinnering aan coördinator" not in page, "sent mails are only counted"

    smtp_server.refused_recipients.clear()
    response = retry(client, failed)
    assert "weer in de wachtrij" in response.get_data(as_text=True)
    row = reload(db_session, failed)
    assert (row.status, row.attempts, row.last_error) == (MailStatus.PENDING, 0, None)
    assert db_session.get_one(Dispatch, row.dispatch_id).status == DispatchStatus.QUEUED
    event = db_session.exec(select(AuditEvent).where(AuditEvent.record_type == "outbox_mail")).one()
    assert (event.actor_user_id, event.record_id) == (beheerder.id, str(failed.id))

    send_pending(app, utcnow() + timedelta(seconds=1))
    assert reload(db_session, failed).status == MailStatus.SENT
    assert smtp_server.to("weg@example.org")


def test_sent_and_queued_mails_are_not_sent_again(
    app: Flask, client: FlaskClient, db_session: Session, login_as: LoginAs, queue: QueueMail
) -> None:
    sent = queue(1)
    send_pending(app, utcnow() + timedelta(seconds=1))
    pending = set_state(db_session, queue(2), last_error="De mailserver was niet bereikbaar.")
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/mail").get_data(as_text=True)
    assert "niet bereikbaar" in page, "pending mails that failed before are listed"

    for row, message in ((sent, "al verstuurd"), (pending, "al in de wachtrij")):
        before = reload(db_session, row)
        response = retry(client, row)
        assert message in response.get_data(as_text=True)
        after = reload(db_session, row)
        assert (after.status, after.attempts, after.sent_at, after.next_attempt_at) == (
            before.status,
            before.attempts,
            before.sent_at,
            before.next_attempt_at,
        )
    assert (
        db_session.exec(select(AuditEvent).where(AuditEvent.record_type == "outbox_mail")).all()
        == []
    )
    assert (
        client.post(
            "/beheer/mail/999999/opnieuw-versturen",
            data={"csrf_token": csrf_token(client, "/beheer/mail")},
        ).status_code
        == 404
    )


def test_an_uncertain_mail_can_be_sent_again_after_checking(
    client: FlaskClient, db_session: Session, login_as: LoginAs, queue: QueueMail
) -> None:
    row = set_state(
        db_session, queue(1), status=MailStatus.UNCERTAIN, last_error=INTERRUPTED_MESSAGE
    )
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/mail").get_data(as_text=True)
    assert "Onzeker" in page
    assert "mogelijk is de mail wel aangekomen" in page
    retry(client, row)
    assert reload(db_session, row).status == MailStatus.PENDING


def test_only_the_beheerder_and_only_with_a_token(
    client: FlaskClient, db_session: Session, login_as: LoginAs, queue: QueueMail
) -> None:
    row = set_state(db_session, queue(1), status=MailStatus.FAILED, last_error="Mislukt.")
    assert client.get("/beheer/mail").status_code == 302
    login_as(Role.COORDINATOR)
    assert client.get("/beheer/mail").status_code == 403
    token = csrf_token(client, "/mijn-account")
    assert (
        client.post(
            f"/beheer/mail/{row.id}/opnieuw-versturen", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert reload(db_session, row).status == MailStatus.FAILED

    login_as(Role.BEHEERDER)
    assert client.post(f"/beheer/mail/{row.id}/opnieuw-versturen").status_code == 400
    assert reload(db_session, row).status == MailStatus.FAILED


def test_mail_status_for_the_coordinators_view_of_an_oproep(
    app: Flask, db_session: Session, oproep: Oproep, queue: QueueMail
) -> None:
    first = queue(1, organisation=True)
    second = set_state(db_session, queue(2), status=MailStatus.FAILED, last_error="Weg.")
    send_pending(app, utcnow() + timedelta(seconds=1))
    db_session.rollback()
    db_session.expire_all()
    lines = mail_status_for_oproep(db_session, oproep.id)
    assert [line.id for line in lines] == [first.id, second.id]
    assert lines[0].status == MailStatus.SENT
    assert lines[0].sent_at is not None
    assert lines[0].dispatch_id == first.dispatch_id
    assert lines[0].kind == "oproep"
    assert (lines[1].status, lines[1].last_error, lines[1].attempts) == (
        MailStatus.FAILED,
        "Weg.",
        0,
    )
