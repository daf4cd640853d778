"""End to end: an open oproep, sign-ups, closing, the coordinator's outcomes, real mails; and
two coordinators confirming at the same moment.

The sign-ups are created as rows (confirmed, rounded location) rather than through the public
form, to keep this test about matching; the sign-up form has its own tests.
"""

from __future__ import annotations

import threading

from flask import Flask
from oproep_support import OpenScenario
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import AddNeighbour, MakeUser, csrf_token, login

from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import AuditEvent, Match, MatchStatus, Oproep, OproepStatus


def _matches(session: Session, oproep_id: object) -> list[Match]:
    session.rollback()  # a new snapshot: the requests committed meanwhile
    return list(
        session.exec(select(Match).where(Match.oproep_id == oproep_id).order_by(col(Match.rank)))
    )


def test_from_open_oproep_to_confirmed_match_with_real_mails(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    smtp_server: TestSmtpServer,
) -> None:
    oproep = open_scenario.oproep
    send_pending(app)  # the oproep mail to the organisation
    smtp_server.reset()
    neighbours = [add_neighbour(oproep.id, 150 * i, email=f"buur{i}@example.org") for i in range(5)]
    client = app.test_client()
    login(client, open_scenario.coordinator_email)
    page = f"/oproepen/{oproep.id}/koppelen"
    token = csrf_token(client, page)
    assert client.post(f"{page}/sluiten", data={"csrf_token": token}).status_code == 302

    html = client.get(page).get_data(as_text=True)
    assert "Nummer 1" in html
    assert "<svg" in html
    assert "CBS" in html  # attribution on the map
    # The coordinator calls: the number the Dutch way, the link dials the stored one.
    assert '<a href="tel:+31600000000">06 0000 0000</a>' in html
    views = db_session.exec(
        select(AuditEvent).where(AuditEvent.record_type == "volunteer", AuditEvent.action == "view")
    ).all()
    assert len(views) == 3  # one audited read per neighbour shown

    first, second, third = _matches(db_session, oproep.id)
    post = lambda match, **data: client.post(  # noqa: E731
        f"{page}/{match.id}", data={"csrf_token": csrf_token(client, page), **data}
    )
    assert post(first, action="approached").status_code == 302
    assert post(first, action="confirmed").status_code == 302
    assert post(second, action="declined", decline_code="no_time").status_code == 302
    known = {first.id, second.id, third.id}
    fourth = next(m for m in _matches(db_session, oproep.id) if m.id not in known)
    assert fourth.volunteer_id == neighbours[3].id  # the next closest, proposed at once
    assert "volgende kandidaat" in client.get(page).get_data(as_text=True)
    assert post(third, action="confirmed").status_code == 302
    assert post(fourth, action="confirmed").status_code == 302

    db_session.rollback()
    assert db_session.get_one(Oproep, oproep.id).status == OproepStatus.MATCHED
    send_pending(app)
    mails = smtp_server.messages
    subjects = {tuple(m.recipients): str(m.message["Subject"]) for m in mails}
    for confirmed in (neighbours[0], neighbours[2], neighbours[3]):
        assert "zo gaat het verder" in subjects[(confirmed.email,)]
        body = smtp_server.to(confirmed.email)[0].text
        assert "Hulplijn" in body
    for other in (neighbours[1], neighbours[4]):
        assert subjects[(other.email,)] == "Dank u wel voor uw aanmelding als goede buur"
    assert any("info@buurtkerk-sterrenburg.example.org" in m.recipients for m in mails)
    # Nothing about the resident leaves in any of these mails.
    resident = open_scenario.resident
    for mail in mails:
        text = mail.text + mail.html
        for field in (resident.last_name, resident.street, resident.phone, resident.postcode):
            assert field not in text


def test_two_coordinators_confirming_at_once_make_one_confirmation(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    make_user: MakeUser,
) -> None:
    oproep = open_scenario.oproep
    for i in range(4):
        add_neighbour(oproep.id, 100 * i)
    clients = []
    for name in ("Een", "Twee"):
        coordinator = make_user(email=f"{name.lower()}@example.org", name=name)
        client = app.test_client()
        login(client, coordinator.email)
        clients.append(client)
    page = f"/oproepen/{oproep.id}/koppelen"
    clients[0].post(f"{page}/sluiten", data={"csrf_token": csrf_token(clients[0], page)})
    target = _matches(db_session, oproep.id)[0]
    tokens = [csrf_token(client, page) for client in clients]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def confirm(index: int, action: str) -> None:
        barrier.wait()
        response = clients[index].post(
            f"{page}/{target.id}", data={"csrf_token": tokens[index], "action": action}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=confirm, args=(i, "declined")) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409]
    matches = _matches(db_session, oproep.id)
    # One decline, so exactly one next candidate: never two proposals for one place.
    assert [m.status for m in matches].count(MatchStatus.DECLINED) == 1
    assert len(matches) == 4

    statuses.clear()
    target = matches[1]
    tokens = [csrf_token(client, page) for client in clients]
    threads = [threading.Thread(target=confirm, args=(i, "confirmed")) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409]
    matches = _matches(db_session, oproep.id)
    assert [m.status for m in matches].count(MatchStatus.CONFIRMED) == 1
    confirmations = db_session.exec(
        select(AuditEvent).where(AuditEvent.detail == "bevestigd")
    ).all()
    assert len(confirmations) == 1
