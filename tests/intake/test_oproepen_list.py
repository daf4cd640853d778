"""The coordinator's list of oproepen: a page at a time, filterable by status, with a fixed
number of queries whatever the number of oproepen; bad parameters get a Dutch error."""

from __future__ import annotations

import re
from datetime import timedelta

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import STERRENBURG, load_geography
from sqlmodel import Session
from support import LoginAs, count_statements, same_page

from niemand_alleen.intake.service import OPROEPEN_PER_PAGE
from niemand_alleen.models import OproepStatus, Role, VolunteerStatus, utcnow

ROW = re.compile(r'<a href="/oproepen/[0-9a-f-]{36}">')


def add_oproepen(session: Session, count: int, status: OproepStatus) -> None:
    owner = factories.resident(session)
    start = utcnow() - timedelta(days=count)
    for number in range(count):
        factories.oproep(
            session, status=status, of=owner, created_at=start + timedelta(minutes=number)
        )


@pytest.fixture
def coordinator_client(client: FlaskClient, login_as: LoginAs) -> FlaskClient:
    login_as(Role.COORDINATOR)
    return client


def test_the_list_comes_a_page_at_a_time_newest_first(
    coordinator_client: FlaskClient, db_session: Session
) -> None:
    add_oproepen(db_session, OPROEPEN_PER_PAGE + 20, OproepStatus.OPEN)
    first = coordinator_client.get("/oproepen").get_data(as_text=True)
    assert len(ROW.findall(first)) == OPROEPEN_PER_PAGE
    assert f"{OPROEPEN_PER_PAGE + 20} oproepen, pagina 1 van 2." in first
    assert "Volgende pagina" in first
    assert "Vorige pagina" not in first
    second = coordinator_client.get("/oproepen?pagina=2").get_data(as_text=True)
    assert len(ROW.findall(second)) == 20
    assert "Vorige pagina" in second
    # A page past the end shows the last one.
    assert same_page(coordinator_client.get("/oproepen?pagina=9").get_data(as_text=True)) == (
        same_page(second)
    )


def test_the_list_filters_by_status_and_counts_each(
    coordinator_client: FlaskClient, db_session: Session
) -> None:
    add_oproepen(db_session, 3, OproepStatus.OPEN)
    add_oproepen(db_session, 2, OproepStatus.MATCHED)
    page = coordinator_client.get("/oproepen?status=matched").get_data(as_text=True)
    assert len(ROW.findall(page)) == 2
    assert "2 oproepen met status gematcht." in page
    assert "Verzonden (3)" in page
    assert "Alle oproepen (5)" in page
    assert '<option value="matched" selected>' in page
    empty = coordinator_client.get("/oproepen?status=cancelled").get_data(as_text=True)
    assert "Er zijn geen oproepen met status geannuleerd." in empty


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "bestaat-niet"}, "Kies een status uit de lijst."),
        ({"pagina": "0"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "twee"}, "Dit paginanummer bestaat niet."),
    ],
)
def test_bad_parameters_get_a_dutch_error(
    coordinator_client: FlaskClient, query: dict[str, str], message: str
) -> None:
    response = coordinator_client.get("/oproepen", query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_number_of_queries_does_not_grow_with_the_oproepen(
    app: Flask, coordinator_client: FlaskClient, db_session: Session
) -> None:
    """No query per row (the wijk names come from the geography cached per process)."""
    load_geography(db_session)
    owner = factories.resident(db_session)
    factories.oproep(db_session, of=owner, wijk_code=STERRENBURG, status=OproepStatus.OPEN)
    coordinator_client.get("/oproepen")  # the first page of a process reads the geography
    few = count_statements(app, lambda: coordinator_client.get("/oproepen"))
    for _ in range(60):
        more = factories.oproep(
            db_session, of=owner, wijk_code=STERRENBURG, status=OproepStatus.OPEN
        )
        factories.signup(db_session, more)  # the sign-up counts come in the same statement
    many = count_statements(app, lambda: coordinator_client.get("/oproepen"))
    assert many == few
    assert "Sterrenburg" in coordinator_client.get("/oproepen").get_data(as_text=True)


def _row_of(page: str, oproep_id: object) -> str:
    """The table row of one oproep."""
    start = page.index(f'<a href="/oproepen/{oproep_id}">')
    return page[page.rindex("<tr>", 0, start) : page.index("</tr>", start)]


def test_the_list_shows_confirmed_signups_and_links_to_matching(
    coordinator_client: FlaskClient, db_session: Session
) -> None:
    owner = factories.resident(db_session)
    busy = factories.oproep(db_session, of=owner, status=OproepStatus.OPEN)
    for _ in range(3):
        factories.signup(db_session, busy)
    factories.signup(db_session, busy, status=VolunteerStatus.UNCONFIRMED)
    factories.signup(db_session, busy, status=VolunteerStatus.WITHDRAWN)
    quiet = factories.oproep(db_session, of=owner, status=OproepStatus.OPEN)
    closed = factories.oproep(db_session, of=owner, status=OproepStatus.CLOSED)
    draft = factories.oproep(db_session, of=owner, status=OproepStatus.DRAFT)
    page = coordinator_client.get("/oproepen").get_data(as_text=True)
    assert '<th scope="col">Bevestigde aanmeldingen</th>' in page
    matching = 'href="/oproepen/{}/koppelen"'
    busy_row = _row_of(page, busy.id)
    assert '<td data-label="Bevestigde aanmeldingen">3 · ' in busy_row
    assert matching.format(busy.id) in busy_row
    # Open without sign-ups: nothing to match yet.
    quiet_row = _row_of(page, quiet.id)
    assert '<td data-label="Bevestigde aanmeldingen">0</td>' in quiet_row
    assert "koppelen" not in quiet_row
    # Closed: the coordinator matches (or sees there is no one), whatever the count.
    assert matching.format(closed.id) in _row_of(page, closed.id)
    assert "koppelen" not in _row_of(page, draft.id)


def test_the_oproep_pages_link_to_matching_once_there_are_signups(
    coordinator_client: FlaskClient, db_session: Session
) -> None:
    owner = factories.resident(db_session)
    oproep = factories.oproep(db_session, of=owner, status=OproepStatus.OPEN)
    link = f'href="/oproepen/{oproep.id}/koppelen"'
    pages = (f"/oproepen/{oproep.id}", f"/oproepen/{oproep.id}/verspreiding")
    for path in pages:
        assert 'id="koppelen"' not in coordinator_client.get(path).get_data(as_text=True)
    factories.signup(db_session, oproep)
    factories.signup(db_session, oproep)
    for path in pages:
        body = coordinator_client.get(path).get_data(as_text=True)
        notice = body[
            body.index('id="koppelen"') : body.index("</div>", body.index('id="koppelen"'))
        ]
        assert "2 bevestigde aanmeldingen." in notice
        assert link in notice
        assert "Goede buren koppelen" in notice


def test_a_closed_oproep_links_to_matching_without_signups(
    coordinator_client: FlaskClient, db_session: Session
) -> None:
    owner = factories.resident(db_session)
    oproep = factories.oproep(db_session, of=owner, status=OproepStatus.CLOSED)
    body = coordinator_client.get(f"/oproepen/{oproep.id}").get_data(as_text=True)
    notice = body[body.index('id="koppelen"') :]
    assert "0 bevestigde aanmeldingen; de oproep is gesloten." in notice
    assert f'href="/oproepen/{oproep.id}/koppelen"' in notice
