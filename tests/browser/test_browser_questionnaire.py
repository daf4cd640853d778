"""A good neighbour fills in the evaluation questionnaire in a real browser (Chromium) on a
phone, is told what is missing first, and cannot answer twice; a coordinator then sees the
answers in the charts on /evaluatie. axe finds nothing on either page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import factories
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, select

from niemand_alleen.db import make_engine
from niemand_alleen.models import QuestionnaireAnswer, Role

MOBILE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """A session on the live server's database (its keys: the token hash needs them)."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def _no_violations(axe: Axe, page: Any) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def _answers_with(session: Session, text: str) -> list[QuestionnaireAnswer]:
    session.rollback()
    return [a for a in session.exec(select(QuestionnaireAnswer)).all() if a.open_answer == text]


def test_a_neighbour_answers_and_the_coordinator_sees_the_chart(
    open_site: Callable[..., Any], database: Session
) -> None:
    axe = Axe()
    _invitation, token = factories.questionnaire_invitation(database)
    remark = f"Het contact is fijn, we drinken elke week koffie ({uuid.uuid4().hex[:6]})."
    site = open_site(MOBILE)
    page = site.page
    assert site.goto(f"/vragenlijst/{token}").status == 200
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Een paar vragen over Niemand Alleen"
    )
    _no_violations(axe, page)
    assert site.scroll_width() <= MOBILE["width"]

    # Each scale is a group named by its question; one answer is left out first.
    first = page.get_by_role("group", name="Vraag 1. Hoe gaat het contact met de bewoner?")
    first.get_by_label("5 – Heel goed").check()
    page.get_by_role("group", name="Vraag 3. Hoe goed hielp de coördinator u op weg?").get_by_label(
        "4 – Goed"
    ).check()
    page.get_by_label("Wilt u nog iets kwijt over Niemand Alleen?", exact=False).fill(remark)
    page.get_by_role("button", name="Antwoorden versturen").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Kies een antwoord bij vraag 2." in summary.inner_text()
    assert _answers_with(database, remark) == []
    _no_violations(axe, page)
    # What was chosen and typed is still there.
    assert first.get_by_label("5 – Heel goed").is_checked()
    assert remark in page.get_by_label("Wilt u nog iets kwijt", exact=False).input_value()

    page.get_by_role("group", name="Vraag 2.", exact=False).get_by_label(
        "3 – Niet goed, niet slecht"
    ).check()
    page.get_by_role("button", name="Antwoorden versturen").click()
    page.wait_for_url("**/vragenlijst/bedankt")
    assert page.get_by_role("heading", level=1).inner_text() == "Dank u wel voor uw antwoorden"
    _no_violations(axe, page)
    (answer,) = _answers_with(database, remark)
    assert (answer.score_1, answer.score_2, answer.score_3) == (5, 3, 4)

    # The link works once.
    assert site.goto(f"/vragenlijst/{token}").status == 404
    assert "Deze link werkt niet (meer)" in page.get_by_role("heading", level=1).inner_text()

    coordinator = open_site(DESKTOP)
    coordinator.login(Role.COORDINATOR)
    coordinator.goto("/evaluatie")
    chart = coordinator.page.get_by_role("img", name="Hoe gaat het contact met de bewoner?")
    assert chart.count() == 1
    assert chart.is_visible()
    assert "5 – Heel goed" in chart.inner_html()
    assert coordinator.page.get_by_text(remark).is_visible()
    _no_violations(axe, coordinator.page)
