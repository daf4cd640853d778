"""In Chromium: a proposed good neighbour withdraws through the link in their mail, and the
coordinator's matching page shows that card as withdrawn, without buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import factories
from sqlmodel import Session

from niemand_alleen.db import make_engine
from niemand_alleen.models import Match, OproepStatus, Role, utcnow
from niemand_alleen.signup.tokens import withdraw_token


def test_a_withdrawn_neighbour_shows_as_withdrawn_on_the_matching_page(
    live_server: Any, open_site: Callable[..., Any]
) -> None:
    engine = make_engine(live_server.settings.database_url, immediate_writes=False)
    try:
        with Session(engine, expire_on_commit=False) as session:
            oproep = factories.oproep(
                session, status=OproepStatus.CLOSED, closed_at=utcnow() - timedelta(hours=1)
            )
            staying = factories.signup(session, oproep, first_name="Blijvende", last_name="Buur")
            leaving = factories.signup(
                session,
                oproep,
                first_name="Vertrekkende",
                last_name="Buur",
                email="weg@example.org",
            )
            for rank, volunteer in enumerate((staying, leaving), start=1):
                session.add(Match(oproep_id=oproep.id, volunteer_id=volunteer.id, rank=rank))
            session.commit()
    finally:
        engine.dispose()

    neighbour = open_site()
    neighbour.goto(
        f"/aanmelden/intrekken/{withdraw_token(live_server.settings.secret_key, leaving.id)}"
    )
    neighbour.page.get_by_role("button", name="Ja, trek mijn aanmelding in").click()
    neighbour.page.wait_for_load_state()

    site = open_site()
    site.login(Role.COORDINATOR)
    site.goto(f"/oproepen/{oproep.id}/koppelen")
    cards = site.page.locator("article.proposal")
    withdrawn = cards.filter(has_text="Heeft zich teruggetrokken op")
    assert withdrawn.count() == 1
    assert withdrawn.get_by_role("button").count() == 0
    assert "Vertrekkende" not in site.page.content()
    kept = cards.filter(has_text="Blijvende Buur")
    assert kept.get_by_role("button", name="Bevestigd").count() == 1
    assert withdrawn.locator(".tag").inner_text() == "Teruggetrokken"
