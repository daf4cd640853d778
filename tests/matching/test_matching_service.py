"""Closing an oproep, proposals, the next candidate, and the ``match`` command."""

from __future__ import annotations

import json
import uuid

from flask import Flask
from oproep_support import Scenario
from sqlmodel import Session, col, select
from support import AddNeighbour

from niemand_alleen.cli import main
from niemand_alleen.matching.service import (
    Action,
    close_due_oproepen,
    close_oproep,
    decide,
    reopen_oproep,
)
from niemand_alleen.models import (
    Match,
    MatchStatus,
    OproepStatus,
    OutboxMail,
    ResidentVeto,
    VolunteerStatus,
    local_today,
)


def _matches(session: Session, oproep_id: uuid.UUID) -> list[Match]:
    session.expire_all()
    return list(
        session.exec(select(Match).where(Match.oproep_id == oproep_id).order_by(col(Match.rank)))
    )


def test_closing_proposes_the_closest_three_and_explains_the_rest(
    app: Flask, db_session: Session, open_scenario: Scenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    far = add_neighbour(oproep.id, 900)
    late = add_neighbour(oproep.id, 300, minutes=30)
    early = add_neighbour(oproep.id, 300, minutes=10)
    closest = add_neighbour(oproep.id, 0)
    add_neighbour(oproep.id, 6000)  # beyond 3 km
    add_neighbour(oproep.id, 0, status=VolunteerStatus.UNCONFIRMED)
    add_neighbour(oproep.id, located=False)
    again = add_neighbour(None, 600, contact_again=True)  # from earlier: asked again
    with app.app_context():
        settings = app.config["SETTINGS"]
        result = close_oproep(db_session, settings, oproep.id, None)
        db_session.commit()
    assert result.confirmed_signups == 6
    matches = _matches(db_session, oproep.id)
    assert [m.volunteer_id for m in matches] == [closest.id, early.id, late.id]
    assert {m.status for m in matches} == {MatchStatus.PROPOSED}
    mails = db_session.exec(select(OutboxMail.kind).where(OutboxMail.oproep_id == oproep.id))
    assert "match_proposals" in list(mails)

    cli_result = app.test_cli_runner().invoke(main, ["match", str(oproep.id), "--json"])
    assert cli_result.exit_code == 0, cli_result.output
    report = json.loads(cli_result.output)
    assert [e["volunteer_id"] for e in report["proposed"]] == [
        str(closest.id),
        str(early.id),
        str(late.id),
    ]
    assert [e["volunteer_id"] for e in report["reserve"]] == [str(again.id), str(far.id)]
    assert report["reserve"][0]["source"] == "contact_again"
    assert sorted(e["reason"] for e in report["excluded"]) == [
        "no_location",
        "too_far",
        "unconfirmed",
    ]
    assert "Eliza" not in cli_result.output
    assert "Buur" not in cli_result.output
    text = app.test_cli_runner().invoke(main, ["match", str(oproep.id)])
    assert "Voorgesteld:" in text.output
    assert "Valt af:" in text.output


def test_match_command_refuses_unknown_and_malformed_ids(app: Flask) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(main, ["match", str(uuid.uuid4())])
    assert unknown.exit_code == 2
    assert "Onbekende oproep" in unknown.output
    malformed = runner.invoke(main, ["match", "12; drop"])
    assert malformed.exit_code == 2
    assert "Geen geldig oproepnummer" in malformed.output


def test_declined_brings_the_next_and_a_veto_is_remembered(
    app: Flask, db_session: Session, open_scenario: Scenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    neighbours = [add_neighbour(oproep.id, 100 * i) for i in range(5)]
    actor = open_scenario.coordinator.id
    with app.app_context():
        settings = app.config["SETTINGS"]
        close_oproep(db_session, settings, oproep.id, actor)
        db_session.commit()
        first = _matches(db_session, oproep.id)[0]
        decision = decide(
            db_session, settings, oproep.id, first.id, Action.DECLINED, actor, veto=True
        )
        db_session.commit()
        assert [m.volunteer_id for m in decision.new_proposals] == [neighbours[3].id]
        second = _matches(db_session, oproep.id)[1]
        decision = decide(db_session, settings, oproep.id, second.id, Action.UNREACHABLE, actor)
        db_session.commit()
        assert [m.volunteer_id for m in decision.new_proposals] == [neighbours[4].id]
    assert db_session.exec(select(ResidentVeto)).one().email_hash == neighbours[0].email_hash


def test_closing_without_candidates_says_what_to_do_and_can_reopen(
    app: Flask, db_session: Session, open_scenario: Scenario
) -> None:
    oproep = open_scenario.oproep
    oproep.deadline = local_today().replace(year=local_today().year - 1)
    db_session.add(oproep)
    db_session.commit()
    with app.app_context():
        settings = app.config["SETTINGS"]
        assert close_due_oproepen(db_session, settings, local_today()) == 1
        db_session.commit()
        assert close_due_oproepen(db_session, settings, local_today()) == 0  # idempotent
    db_session.refresh(oproep)
    assert oproep.status == OproepStatus.CLOSED
    assert oproep.no_candidates_at is not None
    mail = db_session.exec(select(OutboxMail).where(OutboxMail.kind == "match_no_candidates")).one()
    assert "latere einddatum" in (mail.body_text or "")
    with app.app_context():
        reopen_oproep(
            db_session,
            app.config["SETTINGS"],
            oproep.id,
            local_today().replace(year=local_today().year + 1),
            open_scenario.coordinator.id,
            local_today(),
        )
        db_session.commit()
    db_session.refresh(oproep)
    assert oproep.status == OproepStatus.OPEN
    assert oproep.no_candidates_at is None
