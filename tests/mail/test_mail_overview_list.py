"""The mails that need the beheerder's attention: a page at a time, newest first, filterable
by status (failed, uncertain, back in the queue after an error), with a fixed number of
queries whatever the size of the outbox; bad parameters get a Dutch error."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session
from support import LoginAs, QueueMail, count_statements

from niemand_alleen.models import MailStatus, Role, User
from niemand_alleen.pagination import PER_PAGE

PAGE = "/beheer/mail"
RETRY = re.compile(r'action="/beheer/mail/(\d+)/opnieuw-versturen"')


@pytest.fixture
def beheerder(login_as: LoginAs) -> User:
    return login_as(Role.BEHEERDER)


def add(
    session: Session,
    queue: QueueMail,
    count: int,
    status: MailStatus,
    *,
    error: bool = True,
    first: int = 0,
) -> list[int]:
    """``count`` mails in ``status``; each failed attempt's reason names its number."""
    ids = []
    for number in range(first, first + count):
        row = queue(number)
        row.status = status
        row.attempts = number
        row.last_error = f"fout {number}" if error else None
        session.add(row)
        session.commit()
        assert row.id is not None
        ids.append(row.id)
    return ids


def test_the_mails_come_a_page_at_a_time_newest_first(
    client: FlaskClient, db_session: Session, queue: QueueMail, beheerder: User
) -> None:
    ids = add(db_session, queue, PER_PAGE + 4, MailStatus.FAILED)
    first = client.get(PAGE).get_data(as_text=True)
    assert [int(i) for i in RETRY.findall(first)] == ids[::-1][:PER_PAGE]
    assert f"{PER_PAGE + 4} mails, pagina 1 van 2, nieuwste eerst." in first
    assert "Volgende pagina" in first
    second = client.get(f"{PAGE}?pagina=2").get_data(as_text=True)
    assert [int(i) for i in RETRY.findall(second)] == ids[::-1][PER_PAGE:]
    assert "Vorige pagina" in second
    # The counts per status are over the whole outbox, on every page.
    assert f"<dt>Mislukt</dt><dd>{PER_PAGE + 4}</dd>" in second


def test_the_mails_filter_by_status_and_count_each(
    client: FlaskClient, db_session: Session, queue: QueueMail, beheerder: User
) -> None:
    add(db_session, queue, 2, MailStatus.FAILED)
    add(db_session, queue, 1, MailStatus.UNCERTAIN, first=10)
    add(db_session, queue, 3, MailStatus.PENDING, first=20)  # back in the queue after an error
    add(db_session, queue, 4, MailStatus.PENDING, error=False, first=30)  # never failed
    add(db_session, queue, 5, MailStatus.SENT, error=False, first=40)
    everything = client.get(PAGE).get_data(as_text=True)
    assert "6 mails, nieuwste eerst." in everything
    assert "Alle mails die aandacht vragen (6)" in everything
    assert "In de wachtrij na een fout (3)" in everything
    assert "<dt>In de wachtrij</dt><dd>7</dd>" in everything
    retrying = client.get(f"{PAGE}?status=pending").get_data(as_text=True)
    assert "3 mails met stand in de wachtrij na een fout, nieuwste eerst." in retrying
    assert "fout 20" in retrying
    assert "fout 0" not in retrying
    assert '<option value="pending" selected>' in retrying
    uncertain = client.get(f"{PAGE}?status=uncertain").get_data(as_text=True)
    assert "fout 10" in uncertain
    assert "1 mail met stand onzeker" in uncertain


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "sent"}, "Kies een status uit de lijst."),  # sent mails need no attention
        ({"status": "mislukt"}, "Kies een status uit de lijst."),
        ({"pagina": "0"}, "Dit paginanummer bestaat niet."),
        ({"pagina": "1e3"}, "Dit paginanummer bestaat niet."),
    ],
)
def test_bad_parameters_get_a_dutch_error(
    client: FlaskClient,
    db_session: Session,
    queue: QueueMail,
    beheerder: User,
    query: dict[str, str],
    message: str,
) -> None:
    add(db_session, queue, 1, MailStatus.FAILED)
    response = client.get(PAGE, query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "fout 0" in page


def test_the_number_of_queries_does_not_grow_with_the_outbox(
    app: Flask, client: FlaskClient, db_session: Session, queue: QueueMail, beheerder: User
) -> None:
    """No query per mail, and no message body read."""
    add(db_session, queue, 5, MailStatus.FAILED)
    client.get(PAGE)
    five = count_statements(app, lambda: client.get(PAGE))
    add(db_session, queue, 55, MailStatus.UNCERTAIN, first=5)
    sixty = count_statements(app, lambda: client.get(PAGE))
    assert sixty == five
    assert len(RETRY.findall(client.get(PAGE).get_data(as_text=True))) == PER_PAGE
