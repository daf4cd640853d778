"""The buurtwerker hears back: a mail when the oproep of the resident they registered is
approved, sent, closed, matched and checked after six weeks, and the latest step on their
own list; never the resident's name or a neighbour's contact details in the mail."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import STERRENBURG, add_organisation, approved_oproep, load_geography
from sqlmodel import Session, col, select
from support import MakeUser, login

from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.lifecycle import Move, move_oproep
from niemand_alleen.matching.service import EarlyFollowupReason, record_followup
from niemand_alleen.models import (
    FollowupOutcome,
    OutboxMail,
    Resident,
    Role,
    local_today,
    utcnow,
)


def updates(session: Session) -> list[OutboxMail]:
    session.rollback()
    return list(
        session.exec(
            select(OutboxMail)
            .where(col(OutboxMail.kind) == "buurtwerker_update")
            .order_by(col(OutboxMail.id))
        ).all()
    )


def test_each_step_of_the_oproep_reaches_the_buurtwerker(
    app: Flask, db_session: Session, make_user: MakeUser
) -> None:
    load_geography(db_session)
    buurtwerker = make_user(Role.BUURTWERKER, name="Bea Buurtwerker")
    coordinator = make_user(Role.COORDINATOR)
    resident, oproep = approved_oproep(app, db_session, coordinator)
    resident.registered_by_id = buurtwerker.id  # registered by this buurtwerker
    db_session.add(resident)
    db_session.commit()
    settings = app.config["SETTINGS"]
    organisation = add_organisation(db_session, "Buurtkerk", STERRENBURG)
    with app.app_context():
        send_oproep(db_session, settings, oproep, [organisation.id], coordinator.id, local_today())
        move_oproep(db_session, settings, oproep, Move.CLOSE, actor_id=coordinator.id)
        move_oproep(db_session, settings, oproep, Move.MATCH, actor_id=coordinator.id)
        record_followup(
            db_session,
            settings,
            oproep.id,
            FollowupOutcome.ACTIVE,
            coordinator.id,
            now=utcnow() + timedelta(days=settings.match_followup_days),
        )
    db_session.commit()
    # The approval went to whoever registered the resident then (the fixture's coordinator);
    # the four later steps reach the buurtwerker set since.
    mails = [mail for mail in updates(db_session) if mail.recipient == buurtwerker.email]
    assert len(mails) == 4
    texts = [mail.body_text or "" for mail in mails]
    assert "naar de organisaties in de wijk gestuurd" in texts[0]
    assert "Aanmelden kan niet meer" in texts[1]
    assert "Er zijn goede buren gevonden" in texts[2]
    assert "nagevraagd hoe het contact gaat" in texts[3]
    assert "Het contact tussen de bewoner en de goede buren loopt nog." in texts[3]
    for text in texts:
        assert "Wilhelmina" not in text
        assert "Berg" not in text
        assert f"/aanmeldingen/{resident.id}" in text


def test_the_buurtwerkers_list_shows_the_latest_step(
    app: Flask, client: FlaskClient, db_session: Session, make_user: MakeUser
) -> None:
    load_geography(db_session)
    buurtwerker = make_user(Role.BUURTWERKER)
    coordinator = make_user(Role.COORDINATOR)
    resident, _ = approved_oproep(app, db_session, coordinator)
    stored = db_session.get_one(Resident, resident.id)
    stored.registered_by_id = buurtwerker.id
    db_session.add(stored)
    db_session.commit()
    login(client, buurtwerker.email)
    page = client.get("/aanmeldingen").get_data(as_text=True)
    assert '<th scope="col">Laatste stap</th>' in page
    assert "Goedgekeurd (" in page


def test_an_early_six_week_check_is_told_truthfully_with_its_outcome(
    app: Flask, db_session: Session, make_user: MakeUser
) -> None:
    """Recorded on the day of the match (allowed with a reason): the mail does not claim six
    weeks went by, and it names the outcome in plain words."""
    load_geography(db_session)
    buurtwerker = make_user(Role.BUURTWERKER)
    coordinator = make_user(Role.COORDINATOR)
    resident, oproep = approved_oproep(app, db_session, coordinator)
    resident.registered_by_id = buurtwerker.id
    db_session.add(resident)
    db_session.commit()
    settings = app.config["SETTINGS"]
    organisation = add_organisation(db_session, "Buurtkerk", STERRENBURG)
    with app.app_context():
        send_oproep(db_session, settings, oproep, [organisation.id], coordinator.id, local_today())
        move_oproep(db_session, settings, oproep, Move.CLOSE, actor_id=coordinator.id)
        move_oproep(db_session, settings, oproep, Move.MATCH, actor_id=coordinator.id)
        record_followup(
            db_session,
            settings,
            oproep.id,
            FollowupOutcome.ENDED,
            coordinator.id,
            early_reason=EarlyFollowupReason.ENDED,
        )
    db_session.commit()
    last = [mail for mail in updates(db_session) if mail.recipient == buurtwerker.email][-1]
    text = last.body_text or ""
    assert "nagevraagd hoe het contact gaat" in text
    assert "Het contact tussen de bewoner en de goede buren is gestopt." in text
    assert "zes weken" not in text
    assert "zes weken" not in (last.body_html or "")
