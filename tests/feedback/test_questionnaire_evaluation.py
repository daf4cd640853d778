"""The answers on /evaluatie: figures and SVG charts per question, for neighbours and
organisations apart, the open answers newest first, the CSV, and the retention purge of the
open answers (both databases)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select
from support import MakeUser, login

from niemand_alleen.config import Settings
from niemand_alleen.models import (
    AuditEvent,
    QuestionnaireAnswer,
    QuestionnaireAudience,
    Role,
    local_today,
    utcnow,
)
from niemand_alleen.retention import purge_expired

NEIGHBOUR, ORGANISATION = QuestionnaireAudience.NEIGHBOUR, QuestionnaireAudience.ORGANISATION


def _answer(
    session: Session,
    audience: QuestionnaireAudience,
    scores: tuple[int, int, int],
    text: str | None = None,
    on: date | None = None,
) -> None:
    session.add(
        QuestionnaireAnswer(
            audience=audience,
            answered_on=on or local_today(),
            score_1=scores[0],
            score_2=scores[1],
            score_3=scores[2],
            open_answer=text,
        )
    )
    session.commit()


@pytest.fixture
def answered(app: Flask, db_session: Session) -> None:
    today = local_today()
    _answer(db_session, NEIGHBOUR, (5, 4, 2), "Oudste antwoord", today - timedelta(days=3))
    _answer(db_session, NEIGHBOUR, (4, 4, 3), "Nieuwste antwoord", today)
    _answer(db_session, NEIGHBOUR, (5, 2, 3))
    _answer(db_session, ORGANISATION, (1, 3, 5), "=SOM(A1) doorsturen ging lastig")


def test_the_page_shows_figures_and_a_chart_per_question(
    app: Flask, make_user: MakeUser, answered: None
) -> None:
    client = app.test_client()
    login(client, make_user(Role.COORDINATOR).email)
    html = client.get("/evaluatie").get_data(as_text=True)
    assert '<h2 id="vragenlijsten">Vragenlijsten</h2>' in html
    # Neighbours, question 1: scores 5, 4, 5 → three answers, mean 4,7.
    assert "Vraag 1: 3 antwoorden, gemiddeld 4,7." in html
    # Each cell names its column for the stacked layout on a phone.
    assert '<td data-label="Score 4">1</td>' in html
    cells = re.sub(r' data-label="[^"]*"', "", html)
    assert (
        '<th scope="row">1. Hoe gaat het contact met de bewoner?</th><td>3</td><td>4,7</td>'
        "<td>0</td><td>0</td><td>0</td><td>1</td><td>2</td>" in cells
    )
    # Organisations apart: one answer.
    assert (
        '<th scope="row">3. Hoe tevreden bent u over de samenwerking met Niemand Alleen?</th>'
        "<td>1</td><td>5</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>" in cells
    )
    assert 'id="grafiek-neighbour-1-titel">Hoe gaat het contact met de bewoner?</title>' in html
    assert 'id="grafiek-organisation-3-titel"' in html
    assert "5 – Heel goed: 2" in html  # in the chart's description
    # Open answers, newest first.
    assert html.index("Nieuwste antwoord") < html.index("Oudste antwoord")
    assert 'href="/evaluatie/vragenlijsten.csv"' in html
    assert "style=" not in html


def test_the_csv_holds_figures_and_open_answers_for_dutch_excel(
    app: Flask, db_session: Session, make_user: MakeUser, answered: None
) -> None:
    client = app.test_client()
    login(client, make_user(Role.COORDINATOR).email)
    response = client.get("/evaluatie/vragenlijsten.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "evaluatie-vragenlijsten-" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffgroep;vraag;antwoorden;gemiddelde;cijfer_1;")
    lines = body.splitlines()
    assert "Goede buren;Hoe gaat het contact met de bewoner?;3;4,67;0;0;0;1;2;;" in lines
    assert "Organisaties;Hoe duidelijk was de oproep?;1;1;1;0;0;0;0;;" in lines
    assert f"Goede buren;open vraag;;;;;;;;{local_today().isoformat()};Nieuwste antwoord" in lines
    # A formula is written as text.
    assert "'=SOM(A1) doorsturen ging lastig" in body
    exports = db_session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [event.record_type for event in exports] == ["evaluation"]


@pytest.mark.parametrize("role", [Role.BUURTWERKER, Role.BEHEERDER])
def test_only_coordinators_download_the_answers(
    app: Flask, make_user: MakeUser, role: Role
) -> None:
    assert app.test_client().get("/evaluatie/vragenlijsten.csv").status_code == 302
    client = app.test_client()
    login(client, make_user(role).email)
    assert client.get("/evaluatie/vragenlijsten.csv").status_code == 403


def test_open_answers_go_after_the_retention_period_scores_stay(
    app: Flask, db_session: Session, settings: Settings
) -> None:
    days = settings.retention_questionnaire_days
    today = local_today()
    _answer(db_session, NEIGHBOUR, (2, 2, 2), "Te oud", today - timedelta(days=days + 2))
    _answer(db_session, NEIGHBOUR, (3, 3, 3), "Nog binnen de termijn", today - timedelta(days=2))
    with app.app_context():
        counts = purge_expired(db_session, settings, utcnow())
        db_session.commit()
    assert counts.open_answers == 1
    db_session.expire_all()
    rows = {row.score_1: row for row in db_session.exec(select(QuestionnaireAnswer)).all()}
    assert rows[2].open_answer is None
    assert rows[2].open_answer_purged_at is not None
    assert rows[3].open_answer == "Nog binnen de termijn"
    events = db_session.exec(
        select(AuditEvent).where(AuditEvent.record_type == "questionnaire_answer")
    ).all()
    assert len(events) == 1
    with app.app_context():
        assert purge_expired(db_session, settings, utcnow()).open_answers == 0, "idempotent"
