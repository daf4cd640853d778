"""A coordinator reviews a proposal in a real browser: the marked words, then the approval
that needs the explicit confirmation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from niemand_alleen.db import make_engine
from niemand_alleen.models import (
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    OproepStatus,
    Resident,
    Role,
    local_today,
)

OPROEP_ID = uuid.UUID("00000000-0000-4000-8000-0000000e0a01")
PROPOSAL = "Een weduwe gaat op zondag met de bus naar Brussel, om 10.30 uur. Ze houdt van kaarten."


@pytest.fixture
def database(live_server: Any, _live_server_state: None) -> Iterator[Session]:
    """The live server's database with a resident and a checked proposal that has marks."""
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Oproep, OPROEP_ID) is None:
            resident = Resident(
                first_name="Wilhelmina", last_name="Jansen", street="Groenedijk",
                house_number="12a", postcode="3311AB", phone="+31612345678", email=None,
                birth_date="1941-03-12", situation="Mevrouw Jansen is weduwe.",
                help_wished="bezoekje", lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
                lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE, pc4="3311",
            )  # fmt: skip
            session.add(resident)
            session.flush()
            session.add(
                Oproep(
                    id=OPROEP_ID,
                    resident_id=resident.id,
                    pc4="3311",
                    deadline=local_today() + timedelta(days=14),
                    proposed_text=PROPOSAL,
                    proposal_checked_at=datetime.now(UTC),
                    proposal_warnings="[]",
                )  # fmt: skip
            )
        session.commit()
        yield session
    engine.dispose()


def status(database: Session) -> OproepStatus:
    database.rollback()  # a new read transaction sees what the server committed
    oproep = database.get(Oproep, OPROEP_ID)
    assert oproep is not None
    database.refresh(oproep)
    return oproep.status


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
    assert status(database) == OproepStatus.DRAFT

    page.get_by_label("Ik heb de waarschuwingen en gemarkeerde woorden gecontroleerd").check()
    page.get_by_role("button", name="Goedkeuren").click()
    page.wait_for_load_state()
    assert "klaar voor verzending" in page.content()
    assert status(database) == OproepStatus.APPROVED
    assert not site.csp_errors()
