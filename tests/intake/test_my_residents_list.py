"""The buurtwerker's own aanmeldingen: a page at a time, newest first, filterable by the
status of the oproep, only their own, with a fixed number of queries whatever their number;
bad parameters get a Dutch error."""

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

from niemand_alleen.models import OproepStatus, Role, User, utcnow
from niemand_alleen.pagination import PER_PAGE

ROW = re.compile(r'<a href="/aanmeldingen/[0-9a-f-]{36}">')


def register(
    session: Session,
    buurtwerker: User,
    count: int,
    status: OproepStatus = OproepStatus.OPEN,
    *,
    first_name: str = "Wilhelmina",
    wijk_code: str | None = None,
) -> None:
    start = utcnow() - timedelta(days=count + 1)
    for number in range(count):
        resident = factories.resident(
            session,
            registered_by_id=buurtwerker.id,
            first_name=f"{first_name}{number}",
            created_at=start + timedelta(minutes=number),
            wijk_code=wijk_code,
        )
        factories.oproep(session, of=resident, status=status)


@pytest.fixture
def buurtwerker(login_as: LoginAs) -> User:
    return login_as(Role.BUURTWERKER)


def test_the_list_comes_a_page_at_a_time_newest_first(
    client: FlaskClient, db_session: Session, buurtwerker: User
) -> None:
    register(db_session, buurtwerker, PER_PAGE + 3)
    first = client.get("/aanmeldingen").get_data(as_text=True)
    assert len(ROW.findall(first)) == PER_PAGE
    assert f"{PER_PAGE + 3} aanmeldingen, pagina 1 van 2." in first
    assert first.index(f"Wilhelmina{PER_PAGE + 2} ") < first.index(f"Wilhelmina{PER_PAGE + 1} ")
    assert "Volgende pagina" in first
    assert "Vorige pagina" not in first
    second = client.get("/aanmeldingen?pagina=2").get_data(as_text=True)
    assert len(ROW.findall(second)) == 3
    assert "Wilhelmina0 " in second
    assert "Vorige pagina" in second
    # A page past the end shows the last one.
    assert same_page(client.get("/aanmeldingen?pagina=7").get_data(as_text=True)) == same_page(
        second
    )


def test_the_list_filters_by_the_status_of_the_oproep(
    client: FlaskClient, db_session: Session, buurtwerker: User
) -> None:
    register(db_session, buurtwerker, 3, OproepStatus.OPEN)
    register(db_session, buurtwerker, 2, OproepStatus.MATCHED, first_name="Gerrit")
    page = client.get("/aanmeldingen?status=matched").get_data(as_text=True)
    assert len(ROW.findall(page)) == 2
    assert "Gerrit0" in page
    assert "Wilhelmina0" not in page
    assert "2 aanmeldingen met status goede buur gevonden." in page
    assert "Alle aanmeldingen (5)" in page
    assert "Goede buren kunnen zich aanmelden (3)" in page
    assert '<option value="matched" selected>' in page
    empty = client.get("/aanmeldingen?status=cancelled").get_data(as_text=True)
    assert "U heeft geen aanmeldingen met status gestopt." in empty


def test_a_colleagues_aanmeldingen_are_neither_shown_nor_counted(
    client: FlaskClient, db_session: Session, buurtwerker: User
) -> None:
    colleague = factories.user(db_session, Role.BUURTWERKER)
    register(db_session, colleague, 4, first_name="Anders")
    register(db_session, buurtwerker, 1)
    page = client.get("/aanmeldingen").get_data(as_text=True)
    assert "Anders" not in page
    assert "1 aanmelding." in page
    assert "Alle aanmeldingen (1)" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "bestaat-niet"}, "Kies een status uit de lijst."),
        ({"pagina": "0"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "-1"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "twee"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "99999999999999999999"}, "Dit paginanummer bestaat niet."),
    ],
)
def test_bad_parameters_get_a_dutch_error(
    client: FlaskClient,
    db_session: Session,
    buurtwerker: User,
    query: dict[str, str],
    message: str,
) -> None:
    register(db_session, buurtwerker, 1)
    response = client.get("/aanmeldingen", query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Wilhelmina0" in page  # the first page of everything, as without the parameter


def test_the_number_of_queries_does_not_grow_with_the_aanmeldingen(
    app: Flask, client: FlaskClient, db_session: Session, buurtwerker: User
) -> None:
    """No query per row: the wijk names are read once per process, the latest step comes
    with the row."""
    load_geography(db_session)
    register(db_session, buurtwerker, 5, wijk_code=STERRENBURG)
    client.get("/aanmeldingen")  # the first page of a process reads the wijk names
    five = count_statements(app, lambda: client.get("/aanmeldingen"))
    register(db_session, buurtwerker, 55, OproepStatus.MATCHED, wijk_code=STERRENBURG)
    sixty = count_statements(app, lambda: client.get("/aanmeldingen"))
    assert sixty == five
    page = client.get("/aanmeldingen").get_data(as_text=True)
    assert "Sterrenburg" in page
    assert len(ROW.findall(page)) == PER_PAGE
