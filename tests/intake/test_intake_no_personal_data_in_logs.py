"""R2.6: a whole intake flow, logged at DEBUG, never writes a personal value to the logs."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import GetCsrf, LoginAs, without_random_ids

from niemand_alleen import jobs
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.models import Oproep, OproepStatus, Role
from niemand_alleen.reference import import_shipped_reference

CANARIES = {
    "first_name": "Canarina",
    "last_name": "Kanarievogel",
    "street": "Kanariestraat",
    "house_number": "77b",
    "postcode": "3317 AB",
    "phone": "06 11 22 33 44",
    "email": "canarina@example.org",
    "birth_date": "05-06-1939",
    "situation": "Mevrouw Kanarievogel houdt van vogels; haar buurman Tjeerd Canaryman helpt.",
}
NEEDLES = [
    "Canarina",
    "Kanarievogel",
    "Kanariestraat",
    "77b",
    "3317 AB",
    "3317AB",
    "11 22 33 44",
    "611223344",
    "canarina@example.org",
    "1939",
    "Tjeerd",
    "Canaryman",
]


def test_intake_flow_logs_no_personal_values(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    anonymiser: Anonymiser,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import_shipped_reference(db_session)
    db_session.commit()
    monkeypatch.setattr(jobs, "_anonymiser", anonymiser)
    caplog.set_level(logging.DEBUG)

    login_as(Role.BUURTWERKER)
    form = {
        **CANARIES,
        "help_wished": ["bezoekje"],
        "lawful_basis_art6": "public_task",
        "lawful_basis_art9": "social_care",
        "deadline": (date.today() + timedelta(days=10)).strftime("%d-%m-%Y"),
    }
    path = "/aanmeldingen/nieuw"
    response = client.post(path, data={**form, "csrf_token": get_csrf(client, path)})
    assert response.status_code == 302
    client.get(response.headers["Location"])
    client.post("/uitloggen", data={"csrf_token": get_csrf(client, "/mijn-account")})

    jobs.run_job(app, "prepare-proposals")
    db_session.rollback()
    oproep = db_session.exec(select(Oproep)).one()
    assert oproep.proposed_text, "the worker prepared a proposal"

    login_as(Role.COORDINATOR)
    review = f"/oproepen/{oproep.id}"
    client.get(review)
    # A text with the resident's own name is refused (and the refusal is not logged with it).
    approved = client.post(
        review, data={"text": "Mevrouw Kanarievogel", "csrf_token": get_csrf(client, review)}
    )
    approved = client.post(
        review,
        data={
            "text": oproep.proposed_text,
            "warnings_checked": "y",
            "csrf_token": get_csrf(client, review),
        },
    )
    assert approved.status_code == 302
    db_session.refresh(oproep)
    assert oproep.status == OproepStatus.APPROVED

    logged = without_random_ids(
        "\n".join(
            f"{record.name} {record.getMessage()} {record.exc_text or ''}"
            for record in caplog.records
        )
    )
    assert logged, "the flow did log its events"
    for needle in NEEDLES:
        assert needle.lower() not in logged.lower(), f"{needle!r} appeared in the logs"
