"""The coordinator's review: the aanmelding beside the proposal, audited; approval re-checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import GetCsrf, LoginAs
from werkzeug.test import TestResponse

from niemand_alleen.geo import LocationPrecision
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    OproepStatus,
    Resident,
    Role,
)

PROPOSAL = "Een weduwe in de 80 zoekt gezelschap om te kaarten."


@pytest.fixture
def oproep(db_session: Session) -> Oproep:
    resident = Resident(
        first_name="Wilhelmina",
        last_name="Jansen",
        street="Groenedijk",
        house_number="12a",
        postcode="3311AB",
        phone="+31612345678",
        email="w.jansen@example.org",
        birth_date="1941-03-12",
        situation="Mevrouw Jansen is weduwe en houdt van kaarten.",
        help_wished="bezoekje",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
        pc4="3311",
    )
    db_session.add(resident)
    db_session.flush()
    oproep = Oproep(
        resident_id=resident.id,
        pc4="3311",
        deadline=date.today() + timedelta(days=14),
        proposed_text=PROPOSAL,
        proposal_checked_at=datetime.now(UTC),
        proposal_warnings="[]",
    )
    db_session.add(oproep)
    db_session.commit()
    return oproep


def review_path(oproep: Oproep) -> str:
    return f"/oproepen/{oproep.id}"


def approve(
    client: FlaskClient, get_csrf: GetCsrf, oproep: Oproep, text: str, **extra: str
) -> TestResponse:
    path = review_path(oproep)
    return client.post(path, data={"text": text, "csrf_token": get_csrf(client, path), **extra})


def fresh(db_session: Session, oproep: Oproep) -> Oproep:
    db_session.rollback()
    found = db_session.get(Oproep, oproep.id)
    assert found is not None
    db_session.refresh(found)
    return found


def test_review_shows_aanmelding_beside_proposal_and_audits_the_view(
    client: FlaskClient, login_as: LoginAs, oproep: Oproep, db_session: Session
) -> None:
    coordinator = login_as(Role.COORDINATOR)
    page = client.get(review_path(oproep)).get_data(as_text=True)
    assert "Wilhelmina Jansen" in page
    assert "12 maart 1941" in page
    assert "Een weduwe in de 80 zoekt gezelschap" in page
    views = db_session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW)).all()
    assert [(event.actor_user_id, event.record_type) for event in views] == [
        (coordinator.id, "resident")
    ]
    assert str(oproep.resident_id) == views[0].record_id


def test_proposal_not_ready_says_it_is_being_prepared(
    client: FlaskClient, login_as: LoginAs, oproep: Oproep, db_session: Session
) -> None:
    oproep.proposed_text = None
    db_session.add(oproep)
    db_session.commit()
    login_as(Role.COORDINATOR)
    assert "wordt voorbereid" in client.get(review_path(oproep)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Mevrouw JANSEN zoekt gezelschap.", "achternaam"),
        ("Wilhelmina zoekt gezelschap.", "voornaam"),
        ("Zij woont aan de groenedijk.", "straat"),
        ("Postcode 3311 ab, bel 06-12 34 56 78.", "telefoonnummer"),
        ("Geboren 12-03-1941, houdt van kaarten.", "geboortedatum"),
        ("Mail w.jansen@example.org voor contact.", "e-mailadres"),
    ],
)
def test_own_fields_block_approval_and_say_what_and_where(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    oproep: Oproep,
    db_session: Session,
    text: str,
    label: str,
) -> None:
    login_as(Role.COORDINATOR)
    response = approve(client, get_csrf, oproep, text)
    page = response.get_data(as_text=True)
    assert "Gevonden gegevens van de bewoner" in page
    assert label in page
    assert "in zin 1" in page
    assert fresh(db_session, oproep).status == OproepStatus.DRAFT


def test_checked_text_is_approved_and_ready_for_distribution(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, oproep: Oproep, db_session: Session
) -> None:
    coordinator = login_as(Role.COORDINATOR)
    response = approve(client, get_csrf, oproep, PROPOSAL)
    assert response.status_code == 302
    approved = fresh(db_session, oproep)
    assert approved.status == OproepStatus.APPROVED
    assert approved.text == PROPOSAL
    assert approved.approved_by_id == coordinator.id
    page = client.get(review_path(oproep)).get_data(as_text=True)
    assert "Klaar voor verzending" in page
    assert 'name="text"' not in page, "an approved oproep can no longer be edited here"


def test_an_edited_text_is_checked_by_the_worker_before_approval(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, oproep: Oproep, db_session: Session
) -> None:
    login_as(Role.COORDINATOR)
    edited = "Een weduwe in de 80 zoekt iemand om samen te kaarten, liefst op dinsdagmiddag."
    response = approve(client, get_csrf, oproep, edited)
    assert response.status_code == 302
    waiting = fresh(db_session, oproep)
    assert waiting.status == OproepStatus.DRAFT
    assert waiting.proposed_text == edited
    assert waiting.proposal_checked_at is None
    page = client.get(review_path(oproep)).get_data(as_text=True)
    assert "wordt nagekeken" in page
    # Until the worker has checked it, approving the same text again only re-queues it.
    approve(client, get_csrf, oproep, edited)
    assert fresh(db_session, oproep).status == OproepStatus.DRAFT


def test_warnings_need_an_explicit_confirmation(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, oproep: Oproep, db_session: Session
) -> None:
    start = PROPOSAL.index("80")
    oproep.proposal_warnings = (
        f'[{{"category": "leeftijd", "start": {start}, "end": {start + 2}, "sentence": 1}}]'
    )
    db_session.add(oproep)
    db_session.commit()
    login_as(Role.COORDINATOR)
    page = client.get(review_path(oproep)).get_data(as_text=True)
    assert "Controleer deze gegevens" in page
    assert "leeftijd: “80” in zin 1" in page
    refused = approve(client, get_csrf, oproep, PROPOSAL).get_data(as_text=True)
    assert "vink aan" in refused
    assert fresh(db_session, oproep).status == OproepStatus.DRAFT
    approve(client, get_csrf, oproep, PROPOSAL, warnings_checked="y")
    assert fresh(db_session, oproep).status == OproepStatus.APPROVED


def test_empty_text_cannot_be_approved(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, oproep: Oproep, db_session: Session
) -> None:
    login_as(Role.COORDINATOR)
    page = approve(client, get_csrf, oproep, "   ").get_data(as_text=True)
    assert "Vul de tekst van de oproep in" in page
    assert fresh(db_session, oproep).status == OproepStatus.DRAFT


def test_buurtwerker_cannot_review(client: FlaskClient, login_as: LoginAs, oproep: Oproep) -> None:
    login_as(Role.BUURTWERKER)
    assert client.get(review_path(oproep)).status_code == 403
    assert client.get("/oproepen").status_code == 403


def test_oproepen_list_shows_status_labels(
    client: FlaskClient, login_as: LoginAs, oproep: Oproep
) -> None:
    login_as(Role.COORDINATOR)
    page = client.get("/oproepen").get_data(as_text=True)
    assert "Concept" in page
    assert "3311" in page


def test_an_oproep_outside_the_service_area_cannot_be_approved(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, oproep: Oproep, db_session: Session
) -> None:
    """An aanmelding stored before the form refused a postcode outside the service area
    (here Rotterdam's 3011) never reaches sending."""
    oproep = fresh(db_session, oproep)
    oproep.pc4 = "3011"
    db_session.add(oproep)
    db_session.commit()
    login_as(Role.COORDINATOR)
    response = approve(client, get_csrf, oproep, PROPOSAL)
    assert response.status_code == 200
    assert "buiten het werkgebied van Niemand Alleen" in response.get_data(as_text=True)
    refused = fresh(db_session, oproep)
    assert refused.status == OproepStatus.DRAFT
    assert refused.text is None


def test_the_residents_location_precision_reads_without_double_brackets(
    client: FlaskClient, login_as: LoginAs, oproep: Oproep, db_session: Session
) -> None:
    resident = db_session.get(Resident, oproep.resident_id)
    assert resident is not None
    resident.location_precision = LocationPrecision.PC4
    db_session.add(resident)
    db_session.commit()
    login_as(Role.COORDINATOR)
    page = client.get(review_path(oproep)).get_data(as_text=True)
    assert "locatie bij benadering (postcodegebied)</span>" in page
    assert "))" not in page
