"""A coordinator reviews a proposal in a real browser: the marked words, then the approval
that needs the explicit confirmation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from oproep_support import checked_proposal, reloaded
from sqlmodel import Session

from niemand_alleen.db import make_engine
from niemand_alleen.models import Oproep, OproepStatus, Role

OPROEP_ID = uuid.UUID("00000000-0000-4000-8000-0000000e0a01")
PROPOSAL = "Een weduwe gaat op zondag met de bus naar Brussel, om 10.30 uur. Ze houdt van kaarten."


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """The live server's database with a resident and a checked proposal that has marks."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Oproep, OPROEP_ID) is None:
            checked_proposal(session, PROPOSAL, OPROEP_ID)
        yield session
    engine.dispose()


def _status(database: Session) -> OproepStatus:
    oproep = database.get(Oproep, OPROEP_ID)
    assert oproep is not None
    return reloaded(database, oproep).status


def test_marked_words_are_shown_and_approval_needs_the_confirmation(
    site: Any, database: Session
) -> None:
    page = site.page
    site.login(Role.COORDINATOR)
    site.goto(f"/oproepen/{OPROEP_ID}")

    marks = page.locator(".marked-text mark")
    assert marks.count() >= 2
    shown = [marks.nth(index).inner_text() for index in range(marks.count())]
    assert any(text.startswith("Brussel") for text in shown)
    assert any(text.startswith("10.30") for text in shown)
    assert page.get_by_role("heading", name="Lees deze woorden nog eens").is_visible()

    page.get_by_role("button", name="Goedkeuren").click()
    page.wait_for_load_state()
    assert "gemarkeerde woorden" in page.locator(".error-summary, [role=alert]").first.inner_text()
    page.locator(".error-summary a").first.click()  # the summary leads to the checkbox
    assert page.evaluate("location.hash") == "#warnings_checked"
    assert _status(database) == OproepStatus.DRAFT

    page.get_by_label("Ik heb de waarschuwingen en gemarkeerde woorden gecontroleerd").check()
    page.get_by_role("button", name="Goedkeuren").click()
    page.wait_for_load_state()
    assert "klaar voor verzending" in page.content()
    assert _status(database) == OproepStatus.APPROVED
    assert not site.csp_errors()
