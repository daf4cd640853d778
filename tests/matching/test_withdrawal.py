"""A proposed or confirmed good neighbour withdraws their sign-up (the link in their mail):
the coordinator's page shows it, the withdrawal blocks nothing and is no refusal, a matched
oproep that lost a confirmed neighbour reaches the coordinator by mail, and the mails at the
match say how many places were filled."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenScenario
from sqlmodel import Session, col, select
from support import AddNeighbour, MakeUser, csrf_token, login

from niemand_alleen.intake.updates import matched_text
from niemand_alleen.matching.evaluation import evaluate, load_rows
from niemand_alleen.models import (
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    Resident,
    Role,
    Volunteer,
    utcnow,
)
from niemand_alleen.signup import tokens
from niemand_alleen.signup.service import withdraw_volunteer


def _matches(session: Session, oproep_id: uuid.UUID) -> list[Match]:
    session.rollback()  # a new snapshot: the requests committed meanwhile
    return list(
        session.exec(select(Match).where(Match.oproep_id == oproep_id).order_by(col(Match.rank)))
    )


def _mails(session: Session, kind: str) -> list[OutboxMail]:
    session.rollback()
    return list(
        session.exec(
            select(OutboxMail).where(OutboxMail.kind == kind).order_by(col(OutboxMail.id))
        ).all()
    )


def _withdraw(app: Flask, volunteer_id: uuid.UUID) -> None:
    """The neighbour clicks the withdraw link in their mail and confirms."""
    public = app.test_client()
    path = f"/aanmelden/intrekken/{tokens.withdraw_token(app.config['SECRET_KEY'], volunteer_id)}"
    response = public.post(path, data={"csrf_token": csrf_token(public, path)})
    assert response.status_code == 200, response.get_data(as_text=True)


class Page:
    def __init__(self, app: Flask, scenario: OpenScenario) -> None:
        self.client: FlaskClient = app.test_client()
        login(self.client, scenario.coordinator_email)
        self.path = f"/oproepen/{scenario.oproep.id}/koppelen"

    def html(self) -> str:
        return self.client.get(self.path).get_data(as_text=True)

    def post(self, suffix: str, **data: str) -> int:
        token = csrf_token(self.client, self.path)
        return self.client.post(
            f"{self.path}{suffix}", data={"csrf_token": token, **data}
        ).status_code

    def decide(self, match: Match, action: str, **data: str) -> int:
        return self.post(f"/{match.id}", action=action, **data)


def test_a_withdrawn_proposal_shows_as_withdrawn_and_the_next_one_is_proposed(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(4)]
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    first = _matches(db_session, oproep.id)[0]
    assert first.volunteer_id == neighbours[0].id

    _withdraw(app, neighbours[0].id)

    matches = _matches(db_session, oproep.id)
    assert [m.status for m in matches if m.id == first.id] == [MatchStatus.WITHDRAWN]
    # The place is open again: the next closest is proposed at once, as after a refusal.
    assert neighbours[3].id in {m.volunteer_id for m in matches}
    html = page.html()
    assert "Heeft zich teruggetrokken op" in html
    assert "Afstand onbekend" not in html
    # No buttons for the withdrawn card: three forms for the three open proposals.
    assert f"/koppelen/{first.id}" not in html
    assert html.count('class="form decision-form"') == 3
    # Confirming it anyway (an old tab) is refused, and nothing changes.
    assert page.decide(first, "confirmed") == 409
    assert _matches(db_session, oproep.id)[0].status == MatchStatus.WITHDRAWN
    # In the evaluation the withdrawal is no refusal.
    totals = evaluate(load_rows(db_session)).totals
    assert (totals.matches_declined, totals.matches_withdrawn) == (0, 1)


def test_a_withdrawal_does_not_block_finishing_with_fewer(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    assert oproep.places == 3
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(3)]  # nobody in reserve
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    first, second, third = _matches(db_session, oproep.id)
    assert page.decide(first, "confirmed") == 302
    assert page.decide(second, "declined", decline_code="no_time") == 302
    _withdraw(app, neighbours[2].id)

    html = page.html()
    assert "Afronden met 1" in html
    assert "3 plaatsen, 1 bevestigd" in html
    assert page.post("/afronden") == 302
    db_session.rollback()
    assert db_session.get_one(Oproep, oproep.id).status == OproepStatus.MATCHED
    assert {m.id: m.status for m in _matches(db_session, oproep.id)}[third.id] == (
        MatchStatus.WITHDRAWN
    )


def test_the_coordinator_hears_when_a_confirmed_neighbour_withdraws_after_the_match(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(3)]
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    first, second, third = _matches(db_session, oproep.id)
    assert page.decide(first, "confirmed") == 302
    assert page.decide(second, "unreachable") == 302
    assert page.decide(third, "declined", decline_code="no_time") == 302
    assert page.post("/afronden") == 302
    assert _mails(db_session, "match_withdrawn") == []
    name = neighbours[0].first_name

    _withdraw(app, neighbours[0].id)

    mails = _mails(db_session, "match_withdrawn")
    assert [mail.recipient for mail in mails] == [open_scenario.coordinator_email]
    text = mails[0].body_text or ""
    assert "bevestigd" in text
    assert "ingetrokken" in text
    assert "geen goede buur meer" in text
    assert f"/oproepen/{oproep.id}/koppelen" in text
    assert name not in text + (mails[0].body_html or "")  # nothing about the neighbour
    html = page.html()
    assert "Een goede buur heeft zich teruggetrokken" in html
    assert "De bewoner heeft nu geen goede buur meer" in html
    assert "3 plaatsen, 0 bevestigd" in html
    # Withdrawing twice (a second tab) sends no second mail.
    secret = app.config["SECRET_KEY"]
    path = f"/aanmelden/intrekken/{tokens.withdraw_token(secret, neighbours[0].id)}"
    assert app.test_client().get(path).status_code in (200, 404, 410)
    assert len(_mails(db_session, "match_withdrawn")) == 1


def test_the_mails_at_the_match_follow_the_counts(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    make_user: MakeUser,
) -> None:
    oproep = open_scenario.oproep
    buurtwerker = make_user(Role.BUURTWERKER, name="Bea Buurtwerker")
    resident = db_session.get_one(Resident, open_scenario.resident.id)
    resident.registered_by_id = buurtwerker.id
    db_session.add(resident)
    db_session.commit()
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(3)]
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    first, second, third = _matches(db_session, oproep.id)
    assert page.decide(first, "confirmed") == 302
    assert page.decide(second, "unreachable") == 302
    assert page.decide(third, "unreachable") == 302
    assert page.post("/afronden") == 302  # one of three places filled

    confirmed = [
        mail
        for mail in _mails(db_session, "match_confirmed")
        if mail.recipient == neighbours[0].email
    ]
    assert len(confirmed) == 1
    assert "Alle plaatsen zijn nu gevuld" not in (confirmed[0].body_text or "")
    assert "Alle plaatsen zijn nu gevuld" not in (confirmed[0].body_html or "")
    updates = [
        mail
        for mail in _mails(db_session, "buurtwerker_update")
        if mail.recipient == buurtwerker.email
    ]
    matched = [mail for mail in updates if "gevonden" in (mail.body_text or "")]
    assert len(matched) == 1
    assert "Er is een goede buur gevonden" in (matched[0].body_text or "")
    assert "goede buren gevonden" not in (matched[0].body_text or "")


def test_the_confirmed_mail_says_all_places_are_filled_when_they_are(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(3)]
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    for match in _matches(db_session, oproep.id):
        assert page.decide(match, "confirmed") == 302
    db_session.rollback()
    assert db_session.get_one(Oproep, oproep.id).status == OproepStatus.MATCHED
    mails = _mails(db_session, "match_confirmed")
    assert {mail.recipient for mail in mails} == {v.email for v in neighbours}
    for mail in mails:
        assert "Alle plaatsen zijn nu gevuld" in (mail.body_text or "")


def test_the_buurtwerker_reads_the_number_found() -> None:
    assert matched_text(1).startswith("Er is een goede buur gevonden.")
    assert matched_text(2).startswith("Er zijn 2 goede buren gevonden.")


def test_a_withdrawal_from_before_this_rule_is_settled_when_the_page_opens(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    neighbours = [add_neighbour(oproep.id, 150 * i) for i in range(4)]
    page = Page(app, open_scenario)
    assert page.post("/sluiten") == 302
    first = _matches(db_session, oproep.id)[0]
    # Withdrawn the old way: the sign-up blanked, its proposal left as it was.
    with app.app_context():
        withdraw_volunteer(db_session, db_session.get_one(Volunteer, neighbours[0].id), utcnow())
    db_session.commit()
    assert _matches(db_session, oproep.id)[0].status == MatchStatus.PROPOSED

    html = page.html()
    assert "Heeft zich teruggetrokken op" in html
    matches = _matches(db_session, oproep.id)
    assert {m.id: m.status for m in matches}[first.id] == MatchStatus.WITHDRAWN
    assert neighbours[3].id in {m.volunteer_id for m in matches}
    assert html.count('class="form decision-form"') == 3
