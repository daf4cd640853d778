"""The six-week check: offered from day 42 after the match (MATCH_FOLLOWUP_DAYS), earlier
only with a reason; the reminder comes on day 42."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from oproep_support import OpenScenario, Scenario
from sqlmodel import Session, col, select
from support import csrf_token, login
from werkzeug.test import TestResponse

from niemand_alleen.models import AuditEvent, Oproep, OproepStatus, utcnow


def matched(session: Session, scenario: Scenario, days_ago: int) -> Oproep:
    session.rollback()
    oproep = session.get_one(Oproep, scenario.oproep.id)
    oproep.status = OproepStatus.MATCHED  # a fixture, not a move
    oproep.matched_at = utcnow() - timedelta(days=days_ago)
    session.add(oproep)
    session.commit()
    return oproep


def followup(app: Flask, scenario: OpenScenario, **data: str) -> tuple[str, TestResponse]:
    """The matching page as shown, and the answer to posting the six-week check."""
    client = app.test_client()
    login(client, scenario.coordinator_email)
    page = f"/oproepen/{scenario.oproep.id}/koppelen"
    shown = client.get(page).get_data(as_text=True)
    response = client.post(
        f"{page}/nacontrole", data={"csrf_token": csrf_token(client, page), **data}
    )
    return shown, response


def recorded(session: Session, scenario: Scenario) -> Oproep:
    session.rollback()
    session.expire_all()
    found = session.exec(select(Oproep).where(Oproep.id == scenario.oproep.id)).one()
    session.refresh(found)
    return found


def test_on_day_0_the_check_needs_a_reason(
    app: Flask, db_session: Session, open_scenario: OpenScenario
) -> None:
    matched(db_session, open_scenario, days_ago=0)
    shown, refused = followup(app, open_scenario, outcome="active")
    assert "De zes weken zijn nog niet om." in shown
    assert refused.status_code == 409
    assert "De nacontrole is pas vanaf" in refused.get_data(as_text=True)
    assert recorded(db_session, open_scenario).followup_outcome is None
    _, accepted = followup(app, open_scenario, outcome="ended", early_reason="ended")
    assert accepted.status_code == 302
    assert recorded(db_session, open_scenario).followup_outcome == "ended"
    details = db_session.exec(
        select(AuditEvent.detail).where(col(AuditEvent.detail).startswith("nacontrole:"))
    ).all()
    assert details == ["nacontrole: netwerk gestopt; eerder vastgelegd: netwerk was al gestopt"]


def test_from_day_42_no_reason_is_asked(
    app: Flask, db_session: Session, open_scenario: OpenScenario
) -> None:
    matched(db_session, open_scenario, days_ago=42)
    shown, response = followup(app, open_scenario, outcome="active")
    assert "De zes weken zijn nog niet om." not in shown
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/koppelen")
    assert recorded(db_session, open_scenario).followup_outcome == "active"


def test_a_made_up_reason_is_refused(
    app: Flask, db_session: Session, open_scenario: OpenScenario
) -> None:
    matched(db_session, open_scenario, days_ago=1)
    _, response = followup(app, open_scenario, outcome="active", early_reason="zomaar")
    assert response.status_code == 422
    assert recorded(db_session, open_scenario).followup_outcome is None
