"""One oproep from aanmelding to confirmed match, the way the people involved do it.

A buurtwerker registers the resident; the worker writes the proposal with the real
anonymiser; a coordinator approves it and mails the organisation; three neighbours sign up
through the link in the mail the organisation received and confirm through the link in their
own mail; the coordinator closes the oproep, confirms the three proposals, and the mails of a
filled oproep go out. Every mail travels through the real SMTP server, and none of them holds
anything of the resident; the application log, at DEBUG, holds no value anyone typed.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import STERRENBURG, add_organisation, load_geography
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import MakeUser, csrf_token, login, without_random_ids
from werkzeug.test import TestResponse

from niemand_alleen import jobs
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Match, Oproep, OproepStatus, Role, Volunteer, VolunteerStatus

SITUATION = (
    "Mevrouw Verbrugge woont sinds de dood van haar man alleen. Haar dochter Karin woont "
    "in Groningen. Ze houdt van kaarten en van een wandeling langs de Merwede."
)
RESIDENT = {
    "first_name": "Wilhelmina",
    "last_name": "Verbrugge",
    "street": "Sterrenburgerweg",
    "house_number": "41",
    "postcode": "3328 AB",
    "phone": "06-12 34 56 78",
    "email": "",
    "birth_date": "12-03-1941",
    "situation": SITUATION,
    "help_wished": ["bezoekje", "wandelen"],
    "help_other": "",
    "preferences": "",
    "lawful_basis_art6": "public_task",
    "lawful_basis_art9": "explicit_consent",
}
NEIGHBOURS = [
    ("Fatma", "Özdemir", "fatma@example.org", "3328 AC", "3"),
    ("Jan-Willem", "de Groot", "janwillem@example.org", "3328 AD", "17"),
    ("Aïcha", "N'Diaye", "aicha@example.org", "3328 AE", "8"),
]


def dutch(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def link_in(text: str, path: str) -> str:
    """The path of the first link in a mail that contains ``path``."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", text)
    assert found is not None, f"no {path} link in the mail"
    return found.group(1)


def post(client: FlaskClient, path: str, **data: object) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


@pytest.fixture
def worker_anonymiser(anonymiser: Anonymiser, monkeypatch: pytest.MonkeyPatch) -> Anonymiser:
    """The worker's anonymiser is the test session's (loaded once, not per test)."""
    monkeypatch.setattr(jobs, "_anonymiser", anonymiser)
    return anonymiser


def test_one_oproep_from_aanmelding_to_confirmed_match(
    app: Flask,
    db_session: Session,
    make_user: MakeUser,
    smtp_server: TestSmtpServer,
    worker_anonymiser: Anonymiser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, as verbose as it gets
    load_geography(db_session)
    organisation = add_organisation(
        db_session, "Buurtkerk Sterrenburg", STERRENBURG, emails=("info@buurtkerk.example.org",)
    )
    buurtwerker = make_user(Role.BUURTWERKER)
    coordinator = make_user(Role.COORDINATOR, name="Cor de Coördinator")

    # 1. The buurtwerker registers the resident.
    staff = app.test_client()
    login(staff, buurtwerker.email)
    today = date.today()
    registered = post(
        staff,
        "/aanmeldingen/nieuw",
        **RESIDENT,
        consent_date=dutch(today),
        deadline=dutch(today + timedelta(days=14)),
    )
    assert registered.status_code == 302
    oproep = db_session.exec(select(Oproep)).one()
    assert oproep.wijk_code == STERRENBURG

    # 2. The worker writes and checks the proposal with the real anonymiser.
    assert jobs.run_job(app, "prepare-proposals")
    db_session.rollback()
    db_session.refresh(oproep)
    proposal = oproep.proposed_text or ""
    assert "Verbrugge" not in proposal
    assert "Karin" not in proposal

    # 3. The coordinator approves the text and mails the organisation.
    coordination = app.test_client()
    login(coordination, coordinator.email)
    review = f"/oproepen/{oproep.id}"
    approved = post(coordination, review, text=proposal, warnings_checked="y")
    assert approved.status_code == 302
    sent = post(
        coordination, f"/oproepen/{oproep.id}/verspreiding", organisation=str(organisation.id)
    )
    assert sent.status_code == 302
    send_pending(app)
    received = smtp_server.wait_for(3)
    (organisation_mail,) = [m for m in received if m.recipients == ["info@buurtkerk.example.org"]]
    # The buurtwerker hears that the oproep was approved and sent.
    assert [m.recipients for m in received].count([buurtwerker.email]) == 2
    signup_path = link_in(organisation_mail.text, "/aanmelden/")

    # 4. Three neighbours sign up through the forwarded link and confirm their address.
    for number, (first, last, email, postcode, house) in enumerate(NEIGHBOURS):
        neighbour = app.test_client()
        address = {"REMOTE_ADDR": f"198.51.100.{number + 10}"}
        form = neighbour.get(signup_path, environ_base=address).get_data(as_text=True)
        assert "Sterrenburg" in form
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert token is not None
        signed_up = neighbour.post(
            signup_path,
            environ_base=address,
            data={
                "csrf_token": token.group(1),
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": f"06 1234567{number}",
                "postcode": postcode,
                "house_number": house,
                "consent": "y",
            },
        )
        assert signed_up.status_code == 302
        send_pending(app)
        confirm_mail = smtp_server.to(email)[0]
        confirm_path = link_in(confirm_mail.text, "/aanmelden/bevestigen/")
        assert post(neighbour, confirm_path).status_code == 200
    db_session.rollback()
    volunteers = db_session.exec(select(Volunteer)).all()
    assert sorted(v.status for v in volunteers) == [VolunteerStatus.CONFIRMED] * 3
    assert {v.dispatch_id for v in volunteers} != {None}  # counted for the organisation

    # 5. The coordinator closes the oproep and confirms the three proposals.
    matching = f"/oproepen/{oproep.id}/koppelen"
    assert post(coordination, f"{matching}/sluiten").status_code == 302
    db_session.rollback()
    proposals = db_session.exec(
        select(Match).where(Match.oproep_id == oproep.id).order_by(col(Match.rank))
    ).all()
    assert len(proposals) == 3
    for match in proposals:
        assert post(coordination, f"{matching}/{match.id}", action="approached").status_code == 302
        assert post(coordination, f"{matching}/{match.id}", action="confirmed").status_code == 302
    db_session.rollback()
    db_session.refresh(oproep)
    assert oproep.status == OproepStatus.MATCHED

    # 6. The mails of a filled oproep: each neighbour hears what happens next, the
    #    organisation that nothing needs forwarding any more.
    send_pending(app)
    for _, _, email, _, _ in NEIGHBOURS:
        subjects = [str(mail.message["Subject"]) for mail in smtp_server.to(email)]
        assert len(subjects) == 2  # the confirm mail and what happens next
    organisation_subjects = [
        str(mail.message["Subject"]) for mail in smtp_server.to("info@buurtkerk.example.org")
    ]
    assert any("vervuld" in subject.lower() for subject in organisation_subjects)

    # Nothing of the resident in any mail that left.
    resident_values = ["Wilhelmina", "Verbrugge", "Sterrenburgerweg", "3328AB", "3328 AB"]
    resident_values += ["0612345678", "06-12 34 56 78", "+31612345678", "1941", "Karin"]
    for mail in smtp_server.messages:
        content = without_random_ids("\n".join([str(mail.message.items()), mail.text, mail.html]))
        for value in resident_values:
            assert value not in content, f"{value!r} left in a mail to {mail.recipients}"

    # The application log, at DEBUG, holds ids and events only: no value anyone typed.
    # (aiosmtpd's own "mail.log" is the receiving mail server's, not ours.)
    log_text = without_random_ids(
        "\n".join(
            f"{record.name}: {record.getMessage()}"
            for record in caplog.records
            if not record.name.startswith("mail.log")
        )
    )
    assert "job send-outbox" in log_text  # the log was captured
    assert "sign-up stored" in log_text
    personal = [*resident_values, SITUATION[:30], "Merwede"]
    for first, last, email, postcode, _ in NEIGHBOURS:
        personal += [first, last, email, postcode, postcode.replace(" ", "")]
    for value in personal:
        assert value not in log_text, f"{value!r} in the log"
