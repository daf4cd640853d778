"""After sending: stop ("niet meer doorsturen"), filled, and reminders when sign-ups lag."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import (
    DUBBELDAM,
    STERRENBURG,
    Scenario,
    add_organisation,
    add_volunteer,
    outbox_of,
    reloaded,
)
from oproep_support import distribution_page as page
from smtp import TestSmtpServer
from sqlmodel import Session
from support import MakeUser, csrf_token, login

from niemand_alleen.distribution.service import (
    cancel_oproep,
    oproep_filled,
    remind_coordinators,
    send_oproep,
)
from niemand_alleen.jobs import run_job
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    MailStatus,
    Oproep,
    OproepStatus,
    Role,
    local_today,
)


def sent_to(app: Flask, session: Session, scenario: Scenario, *organisations: uuid.UUID) -> None:
    with app.app_context():
        send_oproep(
            session,
            app.config["SETTINGS"],
            scenario.oproep,
            list(organisations),
            scenario.coordinator.id,
            local_today(),
        )
    session.commit()


def add_signups(session: Session, oproep: Oproep, count: int) -> None:
    for _ in range(count):
        add_volunteer(session, oproep)


def test_stopping_tells_the_organisations_that_received_it(
    app: Flask,
    client: FlaskClient,
    scenario: Scenario,
    geography: Session,
    smtp_server: TestSmtpServer,
) -> None:
    received = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    not_yet = add_organisation(geography, "Kerk Dubbeldam", DUBBELDAM)
    sent_to(app, geography, scenario, received.id)
    send_pending(app)
    sent_to(app, geography, scenario, not_yet.id)  # still in the outbox when stopped
    login(client, scenario.coordinator.email)

    unconfirmed = client.post(
        f"/oproepen/{scenario.oproep.id}/stoppen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert unconfirmed.status_code == 422
    assert "Vink aan dat u de oproep wilt stoppen" in unconfirmed.get_data(as_text=True)
    assert reloaded(geography, scenario.oproep).status == OproepStatus.OPEN

    response = client.post(
        f"/oproepen/{scenario.oproep.id}/stoppen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep)), "confirm": "y"},
    )
    assert response.status_code == 302
    assert reloaded(geography, scenario.oproep).status == OproepStatus.CANCELLED
    withdrawn = [
        mail
        for mail in outbox_of(geography, scenario.oproep, "oproep")
        if mail.status == MailStatus.FAILED
    ]
    assert [mail.recipient for mail in withdrawn] == ["info@kerk-dubbeldam.example.org"]
    send_pending(app)
    mails = smtp_server.wait_for(2)
    assert [mail.recipients for mail in mails] == [
        ["info@wijkcentrum-sterrenburg.example.org"],
        ["info@wijkcentrum-sterrenburg.example.org"],
    ]
    assert "niet meer doorsturen" in mails[1].message["Subject"]
    assert "Deze oproep is gestopt" in mails[1].text

    again = client.post(
        f"/oproepen/{scenario.oproep.id}/stoppen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep)), "confirm": "y"},
    )
    assert again.status_code == 422
    assert len(outbox_of(geography, scenario.oproep, "oproep_cancelled")) == 1


def test_a_filled_oproep_sends_the_vervuld_mail_once(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    sent_to(app, geography, scenario, home.id)
    send_pending(app)

    with app.app_context():
        oproep_filled(geography, app.config["SETTINGS"], scenario.oproep)
        oproep_filled(geography, app.config["SETTINGS"], scenario.oproep)
    geography.commit()
    send_pending(app)

    mails = smtp_server.wait_for(2)
    assert len(mails) == 2
    assert "Oproep vervuld" in mails[1].message["Subject"]
    assert "heeft de coördinator een goede buur gevonden" in mails[1].text


def test_coordinator_is_reminded_once_when_sign_ups_lag_before_the_deadline(
    app: Flask, scenario: Scenario, geography: Session, smtp_server: TestSmtpServer
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    sent_to(app, geography, scenario, home.id)
    settings = app.config["SETTINGS"]  # reminders 3 days before, fewer than 3 sign-ups
    deadline = reloaded(geography, scenario.oproep).deadline
    assert deadline is not None

    with app.app_context():
        assert remind_coordinators(geography, settings, deadline - timedelta(days=4)) == 0
        assert remind_coordinators(geography, settings, deadline - timedelta(days=3)) == 1
        assert remind_coordinators(geography, settings, deadline - timedelta(days=2)) == 0
    geography.commit()
    send_pending(app)

    mail = smtp_server.to(scenario.coordinator.email)
    assert len(mail) == 1
    assert "Weinig aanmeldingen" in mail[0].message["Subject"]
    assert "nu 0 bevestigde aanmeldingen" in mail[0].text
    assert f"/oproepen/{scenario.oproep.id}/verspreiding" in mail[0].text


def test_enough_sign_ups_or_a_passed_deadline_means_no_reminder(
    app: Flask, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    sent_to(app, geography, scenario, home.id)
    deadline = reloaded(geography, scenario.oproep).deadline
    assert deadline is not None
    settings = app.config["SETTINGS"]
    with app.app_context():
        assert remind_coordinators(geography, settings, deadline + timedelta(days=1)) == 0
        add_signups(geography, scenario.oproep, 3)
        assert remind_coordinators(geography, settings, deadline - timedelta(days=1)) == 0
    assert outbox_of(geography, scenario.oproep, "coordinator_reminder") == []


def test_the_reminder_job_runs_on_todays_date(
    app: Flask, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    sent_to(app, geography, scenario, home.id)
    oproep = reloaded(geography, scenario.oproep)
    oproep.deadline = local_today() + timedelta(days=1)
    geography.add(oproep)
    geography.commit()

    assert run_job(app, "remind-coordinators")

    assert len(outbox_of(geography, scenario.oproep, "coordinator_reminder")) == 1
    assert reloaded(geography, scenario.oproep).coordinator_reminded_at is not None


def test_one_click_reminds_every_organisation_once(
    app: Flask,
    client: FlaskClient,
    scenario: Scenario,
    geography: Session,
    smtp_server: TestSmtpServer,
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    near = add_organisation(geography, "Kerk Dubbeldam", DUBBELDAM)
    sent_to(app, geography, scenario, home.id, near.id)
    login(client, scenario.coordinator.email)

    response = client.post(
        f"/oproepen/{scenario.oproep.id}/herinnering",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert response.status_code == 302
    reminders = outbox_of(geography, scenario.oproep, "oproep_reminder")
    assert len(reminders) == 2
    assert "kregen een herinnering op" in client.get(page(scenario.oproep)).get_data(as_text=True)

    again = client.post(
        f"/oproepen/{scenario.oproep.id}/herinnering",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert again.status_code == 422
    assert "al een herinnering gekregen" in again.get_data(as_text=True)
    assert len(outbox_of(geography, scenario.oproep, "oproep_reminder")) == 2
    send_pending(app)
    subjects = {mail.message["Subject"] for mail in smtp_server.wait_for(4)}
    assert any(subject.startswith("Herinnering: nog goede buren gezocht") for subject in subjects)


def test_a_reminder_needs_an_open_oproep(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    login(client, scenario.coordinator.email)  # approved, not sent yet
    response = client.post(
        f"/oproepen/{scenario.oproep.id}/herinnering",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert response.status_code == 422
    assert "Alleen bij een lopende oproep" in response.get_data(as_text=True)
    assert outbox_of(geography, scenario.oproep, "oproep_reminder") == []


def test_a_withdrawn_oproep_mail_is_not_sent_again_after_stopping(
    app: Flask, client: FlaskClient, scenario: Scenario, geography: Session, make_user: MakeUser
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    sent_to(app, geography, scenario, home.id)
    with app.app_context():
        cancel_oproep(geography, app.config["SETTINGS"], scenario.oproep, scenario.coordinator.id)
    geography.commit()
    withdrawn = outbox_of(geography, scenario.oproep, "oproep")[0]
    assert withdrawn.status == MailStatus.FAILED
    beheerder = make_user(Role.BEHEERDER)
    login(client, beheerder.email)

    response = client.post(
        f"/beheer/mail/{withdrawn.id}/opnieuw-versturen",
        data={"csrf_token": csrf_token(client, "/beheer/mail")},
        follow_redirects=True,
    )

    assert "Deze oproep loopt niet meer" in response.get_data(as_text=True)
    assert outbox_of(geography, scenario.oproep, "oproep")[0].status == MailStatus.FAILED
