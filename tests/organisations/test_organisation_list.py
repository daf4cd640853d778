"""The beheerder's list of organisations: a page at a time by name, filterable by status
(active, not active, unsubscribed), with a fixed number of queries whatever the number of
organisations; bad parameters get a Dutch error."""

from __future__ import annotations

import re

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import STERRENBURG, load_geography
from sqlmodel import Session
from support import LoginAs, count_statements, same_page

from niemand_alleen.models import Role, User
from niemand_alleen.pagination import PER_PAGE

LIST = "/beheer/organisaties"
ROW = re.compile(r'<td data-label="Naam"><a href="/beheer/organisaties/[0-9a-f-]{36}/wijzigen">')


@pytest.fixture
def beheerder(login_as: LoginAs) -> User:
    return login_as(Role.BEHEERDER)


def add(session: Session, count: int, prefix: str = "Buurthuis", **fields: object) -> None:
    for number in range(count):
        factories.organisation(session, f"{prefix} {number:03d}", **fields)  # type: ignore[arg-type]


def test_the_list_comes_a_page_at_a_time_by_name(
    client: FlaskClient, db_session: Session, beheerder: User
) -> None:
    add(db_session, PER_PAGE + 2)
    first = client.get(LIST).get_data(as_text=True)
    assert len(ROW.findall(first)) == PER_PAGE
    assert f"{PER_PAGE + 2} organisaties, pagina 1 van 2." in first
    assert first.index("Buurthuis 000") < first.index("Buurthuis 001")
    assert f"Buurthuis {PER_PAGE:03d}" not in first
    second = client.get(f"{LIST}?pagina=2").get_data(as_text=True)
    assert len(ROW.findall(second)) == 2
    assert f"Buurthuis {PER_PAGE + 1:03d}" in second
    assert "Vorige pagina" in second
    assert same_page(client.get(f"{LIST}?pagina=3").get_data(as_text=True)) == same_page(second)


def test_the_list_filters_by_status_and_counts_each(
    client: FlaskClient, db_session: Session, beheerder: User
) -> None:
    add(db_session, 3, "Actief")
    add(db_session, 2, "Uit", active=False)
    add(db_session, 1, "Weg", unsubscribed=True)
    page = client.get(f"{LIST}?status=inactive").get_data(as_text=True)
    assert len(ROW.findall(page)) == 2
    assert "Uit 000" in page
    assert "Actief 000" not in page
    assert "2 organisaties met status niet actief." in page
    assert "Alle organisaties (6)" in page
    assert "Actief (3)" in page
    assert "Afgemeld (1)" in page
    unsubscribed = client.get(f"{LIST}?status=unsubscribed").get_data(as_text=True)
    assert "Weg 000" in unsubscribed
    assert "Afgemeld op" in unsubscribed
    assert "Weer aanmelden" in unsubscribed


def test_an_empty_status_says_so(client: FlaskClient, db_session: Session, beheerder: User) -> None:
    add(db_session, 1)
    page = client.get(f"{LIST}?status=unsubscribed").get_data(as_text=True)
    assert "Er zijn geen organisaties met status afgemeld." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "actief"}, "Kies een status uit de lijst."),
        ({"pagina": "0"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "1.5"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "٣"}, "Dit paginanummer bestaat niet."),
    ],
)
def test_bad_parameters_get_a_dutch_error(
    client: FlaskClient,
    db_session: Session,
    beheerder: User,
    query: dict[str, str],
    message: str,
) -> None:
    add(db_session, 1)
    response = client.get(LIST, query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Buurthuis 000" in page


def test_the_number_of_queries_does_not_grow_with_the_organisations(
    app: Flask, client: FlaskClient, db_session: Session, beheerder: User
) -> None:
    """No query per row: their wijken come in one query for the page, the wijk names are
    read once per process."""
    load_geography(db_session)
    for number in range(5):
        factories.organisation(db_session, f"Kerk {number:03d}", STERRENBURG)
    client.get(LIST)  # the first page of a process reads the wijk names
    five = count_statements(app, lambda: client.get(LIST))
    add(db_session, 55, "Vereniging")
    sixty = count_statements(app, lambda: client.get(LIST))
    assert sixty == five
    page = client.get(LIST).get_data(as_text=True)
    assert page.count('<td data-label="Wijken">Sterrenburg</td>') == 5
    assert len(ROW.findall(page)) == PER_PAGE
