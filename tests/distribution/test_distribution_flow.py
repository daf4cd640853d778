"""The coordinator sends an approved oproep to the organisations of the search area."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import (
    BINNENSTAD,
    DUBBELDAM,
    STERRENBURG,
    Scenario,
    add_organisation,
    add_volunteer,
    approved_oproep,
    outbox_of,
    reloaded,
)
from oproep_support import distribution_page as page
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import MakeUser, csrf_token, login
from werkzeug.test import TestResponse

from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    AuditEvent,
    Dispatch,
    MailStatus,
    Oproep,
    OproepStatus,
    Role,
    VolunteerStatus,
    local_today,
)


def send(client: FlaskClient, oproep: Oproep, *organisation_ids: object) -> TestResponse:
    return client.post(
        page(oproep),
        data={
            "csrf_token": csrf_token(client, page(oproep)),
            "organisation": [str(org_id) for org_id in organisation_ids],
        },
    )


def test_proposal_checks_the_organisations_of_the_search_area(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    near = add_organisation(geography, "Kerk Dubbeldam", DUBBELDAM)
    far = add_organisation(geography, "Binnenstadhuis", BINNENSTAD)
    add_organisation(geography, "Afgemelde Club", STERRENBURG, unsubscribed=True)
    add_organisation(geography, "Gestopte Stichting", STERRENBURG, active=False)
    login(client, scenario.coordinator.email)

    html = client.get(page(scenario.oproep)).get_data(as_text=True)

    assert f'value="{home.id}" id="org-{home.id}" checked' in html
    assert f'value="{near.id}" id="org-{near.id}" checked' in html  # Dubbeldam is within 1 km
    assert f'value="{far.id}" id="org-{far.id}">' in html  # may be added, not proposed
    assert "Afgemelde Club (afgemeld)" in html
    assert "Gestopte Stichting (niet actief)" in html
    assert "binnen 1000 meter" in html


def test_sending_queues_one_mail_per_address_with_its_own_referral_link(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(
        geography,
        "Wijkcentrum Sterrenburg",
        STERRENBURG,
        emails=("balie@wijkcentrum.example.org", "coordinatie@wijkcentrum.example.org"),
    )
    far = add_organisation(geography, "Binnenstadhuis", BINNENSTAD)
    login(client, scenario.coordinator.email)

    response = send(client, scenario.oproep, home.id, far.id)

    assert response.status_code == 302
    oproep = reloaded(geography, scenario.oproep)
    assert oproep.status == OproepStatus.OPEN
    assert oproep.sent_at is not None
    dispatches = geography.exec(select(Dispatch).where(Dispatch.oproep_id == oproep.id)).all()
    assert {d.organisation_id for d in dispatches} == {home.id, far.id}
    assert len({d.referral_code for d in dispatches}) == 2
    mails = outbox_of(geography, oproep)
    assert sorted(mail.recipient or "" for mail in mails) == [
        "balie@wijkcentrum.example.org",
        "coordinatie@wijkcentrum.example.org",
        "info@binnenstadhuis.example.org",
    ]
    for mail in mails:
        dispatch = next(d for d in dispatches if d.id == mail.dispatch_id)
        assert f"/aanmelden/{dispatch.referral_code}" in (mail.body_text or "")
        assert "/afmelden/organisatie/" in (mail.body_text or "")
        assert "Cor de Coördinator" in (mail.body_text or "")
        assert mail.status == MailStatus.PENDING
    events = geography.exec(select(AuditEvent).where(AuditEvent.record_id == str(oproep.id)))
    assert any(event.detail == "verstuurd naar 2 organisaties" for event in events)


def test_sending_twice_mails_each_organisation_once(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    near = add_organisation(geography, "Kerk Dubbeldam", DUBBELDAM)
    login(client, scenario.coordinator.email)
    assert send(client, scenario.oproep, home.id).status_code == 302

    again = send(client, scenario.oproep, home.id)
    assert again.status_code == 422
    assert "al ontvangen" in again.get_data(as_text=True)
    # Adding an organisation later reaches only the new one.
    assert send(client, scenario.oproep, home.id, near.id).status_code == 302

    mails = outbox_of(geography, scenario.oproep)
    assert len(mails) == 2
    assert len({mail.idempotency_key for mail in mails}) == 2


def test_no_organisation_chosen_is_refused_and_changes_nothing(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    login(client, scenario.coordinator.email)

    html = client.get(page(scenario.oproep)).get_data(as_text=True)
    assert "Er is geen organisatie actief in het zoekgebied" in html
    response = send(client, scenario.oproep)

    assert response.status_code == 422
    assert "Kies minstens één organisatie" in response.get_data(as_text=True)
    assert reloaded(geography, scenario.oproep).status == OproepStatus.APPROVED
    assert outbox_of(geography, scenario.oproep) == []


def test_unreachable_or_unknown_organisations_are_refused(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    gone = add_organisation(geography, "Afgemelde Club", STERRENBURG, unsubscribed=True)
    stopped = add_organisation(geography, "Gestopte Stichting", STERRENBURG, active=False)
    login(client, scenario.coordinator.email)

    for chosen in (gone.id, stopped.id, uuid.uuid4()):
        response = send(client, scenario.oproep, chosen)
        assert response.status_code == 422
        assert "ontvangt geen oproepen" in response.get_data(as_text=True)
    garbage = send(client, scenario.oproep, "niet-een-id")
    assert garbage.status_code == 422
    assert "Kies de organisaties uit de lijst" in garbage.get_data(as_text=True)
    assert outbox_of(geography, scenario.oproep) == []
    assert reloaded(geography, scenario.oproep).status == OproepStatus.APPROVED


def test_a_passed_deadline_or_unapproved_text_cannot_be_sent(
    app: Flask, client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    oproep = reloaded(geography, scenario.oproep)
    oproep.deadline = local_today() - timedelta(days=1)
    geography.add(oproep)
    geography.commit()
    login(client, scenario.coordinator.email)

    response = send(client, oproep, home.id)
    assert response.status_code == 422
    assert "einddatum van deze oproep is voorbij" in response.get_data(as_text=True)

    draft = reloaded(geography, oproep)
    draft.status, draft.deadline = OproepStatus.DRAFT, local_today() + timedelta(days=7)
    geography.add(draft)
    geography.commit()
    assert "nog niet goedgekeurd" in client.get(page(draft)).get_data(as_text=True)
    refused = send(client, draft, home.id)
    assert refused.status_code == 422
    assert "Alleen een goedgekeurde of lopende oproep" in refused.get_data(as_text=True)
    assert outbox_of(geography, draft) == []


def test_overview_counts_sign_ups_per_organisation_link(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    home = add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    near = add_organisation(geography, "Kerk Dubbeldam", DUBBELDAM)
    login(client, scenario.coordinator.email)
    send(client, scenario.oproep, home.id, near.id)
    geography.rollback()
    dispatch = geography.exec(select(Dispatch).where(Dispatch.organisation_id == home.id)).one()
    for status in (VolunteerStatus.CONFIRMED, VolunteerStatus.CONFIRMED):
        add_volunteer(geography, scenario.oproep, status, dispatch_id=dispatch.id)
    add_volunteer(geography, scenario.oproep, VolunteerStatus.UNCONFIRMED, dispatch.id)

    html = client.get(page(scenario.oproep)).get_data(as_text=True)

    home_row = html[
        html.index('<td data-label="Organisatie">Wijkcentrum Sterrenburg</td>') :
    ].split("</tr>")[0]
    near_row = html[html.index('<td data-label="Organisatie">Kerk Dubbeldam</td>') :].split(
        "</tr>"
    )[0]
    assert "3 (2 bevestigd)" in home_row
    assert "0 (0 bevestigd)" in near_row
    assert "Wacht op verzending" in home_row
    assert "Bevestigde aanmeldingen: 2" in html


def test_other_roles_cannot_reach_the_distribution_page(
    client: FlaskClient, scenario: Scenario, make_user: MakeUser
) -> None:
    buurtwerker = make_user(Role.BUURTWERKER)
    login(client, buurtwerker.email)
    assert client.get(page(scenario.oproep)).status_code in (403, 404)


def test_a_second_oproep_in_another_wijk_proposes_other_organisations(
    app: Flask, client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    add_organisation(geography, "Wijkcentrum Sterrenburg", STERRENBURG)
    centre = add_organisation(geography, "Binnenstadhuis", BINNENSTAD)
    _, oproep = approved_oproep(app, geography, scenario.coordinator, postcode="3311AB")
    login(client, scenario.coordinator.email)

    html = client.get(page(oproep)).get_data(as_text=True)

    assert oproep.wijk_code == BINNENSTAD
    assert f'value="{centre.id}" id="org-{centre.id}" checked' in html


def test_a_refused_mail_shows_its_reason_and_the_coordinator_can_send_it_again(
    app: Flask,
    client: FlaskClient,
    scenario: Scenario,
    geography: Session,
    smtp_server: TestSmtpServer,
) -> None:
    home = add_organisation(
        geography, "Wijkcentrum Sterrenburg", STERRENBURG, emails=("balie@wijk.example.org",)
    )
    smtp_server.refused_recipients["balie@wijk.example.org"] = "550 5.1.1 Onbekende ontvanger"
    login(client, scenario.coordinator.email)
    send(client, scenario.oproep, home.id)
    send_pending(app)

    html = client.get(page(scenario.oproep)).get_data(as_text=True)
    assert "Mislukt" in html
    assert "De mailserver weigerde de mail (550)" in html
    failed = outbox_of(geography, scenario.oproep)[0]
    assert failed.status == MailStatus.FAILED

    smtp_server.refused_recipients.clear()
    response = client.post(
        f"/oproepen/{scenario.oproep.id}/mail/{failed.id}/opnieuw-versturen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert response.status_code == 302
    send_pending(app)
    assert smtp_server.to("balie@wijk.example.org")
    assert outbox_of(geography, scenario.oproep)[0].status == MailStatus.SENT

    again = client.post(
        f"/oproepen/{scenario.oproep.id}/mail/{failed.id}/opnieuw-versturen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert again.status_code == 422
    assert "al verstuurd" in again.get_data(as_text=True)
    other = client.post(
        f"/oproepen/{uuid.uuid4()}/mail/{failed.id}/opnieuw-versturen",
        data={"csrf_token": csrf_token(client, page(scenario.oproep))},
    )
    assert other.status_code == 404
