"""Opening a closed oproep again: the new deadline is typed as dd-mm-jjjj (no date picker),
a bad one is refused with a Dutch message and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenScenario, reloaded
from sqlmodel import Session
from support import csrf_token, login

from niemand_alleen.models import OproepStatus, local_today


def _closed_page(app: Flask, open_scenario: OpenScenario) -> tuple[FlaskClient, str]:
    """The coordinator on the page of the oproep, closed without candidates."""
    client = app.test_client()
    login(client, open_scenario.coordinator_email)
    page = f"/oproepen/{open_scenario.oproep.id}/koppelen"
    closed = client.post(f"{page}/sluiten", data={"csrf_token": csrf_token(client, page)})
    assert closed.status_code == 302
    return client, page


@pytest.mark.parametrize("written", ["{d}-{m}-{y}", "{d:02}-{m:02}-{y}", "{y}-{m:02}-{d:02}"])
def test_a_typed_dutch_date_reopens_the_oproep(
    app: Flask, db_session: Session, open_scenario: OpenScenario, written: str
) -> None:
    client, page = _closed_page(app, open_scenario)
    html = client.get(page).get_data(as_text=True)
    assert 'type="date"' not in html
    assert '<p class="hint" id="heropenen-hint">dd-mm-jjjj' in html
    assert 'aria-describedby="heropenen-hint"' in html
    deadline = local_today() + timedelta(days=10)
    typed = written.format(d=deadline.day, m=deadline.month, y=deadline.year)
    response = client.post(
        f"{page}/heropenen", data={"csrf_token": csrf_token(client, page), "deadline": typed}
    )
    assert response.status_code == 302
    oproep = reloaded(db_session, open_scenario.oproep)
    assert oproep.status == OproepStatus.OPEN
    assert oproep.deadline == deadline


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vul de nieuwe einddatum in."),
        ("31-02-2027", "Vul de nieuwe einddatum in als dag-maand-jaar"),
        ("02/28/2027", "Vul de nieuwe einddatum in als dag-maand-jaar"),
        ("1-1-2999", "Kijk het jaar van de nieuwe einddatum na"),
    ],
)
def test_a_bad_date_is_refused_in_dutch_and_changes_nothing(
    app: Flask, db_session: Session, open_scenario: OpenScenario, typed: str, message: str
) -> None:
    client, page = _closed_page(app, open_scenario)
    response = client.post(
        f"{page}/heropenen", data={"csrf_token": csrf_token(client, page), "deadline": typed}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reloaded(db_session, open_scenario.oproep).status == OproepStatus.CLOSED
