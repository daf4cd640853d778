"""The review page marks what the machine was unsure of, and approving then needs the tick."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from flask.testing import FlaskClient
from oproep_support import checked_proposal, reloaded
from sqlmodel import Session
from support import GetCsrf, LoginAs

from niemand_alleen.intake.review import has_marks, marked_text
from niemand_alleen.models import Oproep, OproepStatus, Role

MARKED = "Een weduwe in de 80 gaat op zondag met de bus naar Brussel, om 10.30 uur."
PLAIN = "Een weduwe in de 80 zoekt gezelschap om te kaarten."


def test_capitalised_known_names_and_numbers_are_marked() -> None:
    pieces = marked_text(MARKED, "Sterrenburg")
    marked = {piece.text: piece.reason for piece in pieces if piece.reason}
    assert set(marked) == {"Brussel", "10.30"}  # not "in de 80": that is the rewrite's own
    assert "".join(piece.text for piece in pieces) == MARKED  # nothing lost or added


def test_a_plain_text_and_the_wijk_are_not_marked() -> None:
    assert not has_marks(
        marked_text("Zij woont in Sterrenburg en zoekt gezelschap.", "Sterrenburg")
    )


def test_marked_text_never_loads_deduce() -> None:
    """The web worker computes the marks: that must not pull in deduce (1 GB)."""
    script = (
        "import sys\n"
        "from niemand_alleen.intake.review import marked_text\n"
        f"assert marked_text({MARKED!r}, None)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in "
        "{'deduce', 'docdeid'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


@pytest.fixture
def checked_oproep(db_session: Session) -> Oproep:
    return checked_proposal(db_session, MARKED)


def test_the_page_shows_the_marks(
    client: FlaskClient, login_as: LoginAs, checked_oproep: Oproep
) -> None:
    login_as(Role.COORDINATOR)
    page = client.get(f"/oproepen/{checked_oproep.id}").get_data(as_text=True)
    assert "Lees deze woorden nog eens" in page
    assert re.search(r'<mark title="[^"]+">Brussel<', page)
    assert 'name="warnings_checked"' in page
    assert '="None"' not in page  # no attribute without a value (aria-describedby)


def test_approving_a_marked_text_needs_the_confirmation(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    checked_oproep: Oproep,
    db_session: Session,
) -> None:
    login_as(Role.COORDINATOR)
    path = f"/oproepen/{checked_oproep.id}"
    refused = client.post(path, data={"text": MARKED, "csrf_token": get_csrf(client, path)})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "gemarkeerde woorden" in page
    assert 'href="#warnings_checked"' in page  # the summary leads to the checkbox
    assert 'aria-describedby="warnings_checked-error"' in page
    assert reloaded(db_session, checked_oproep).status == OproepStatus.DRAFT

    approved = client.post(
        path,
        data={"text": MARKED, "warnings_checked": "y", "csrf_token": get_csrf(client, path)},
    )
    assert approved.status_code == 302
    assert reloaded(db_session, checked_oproep).status == OproepStatus.APPROVED


def test_a_text_without_marks_is_approved_without_the_tick(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    checked_oproep: Oproep,
    db_session: Session,
) -> None:
    checked_oproep.proposed_text = PLAIN
    db_session.add(checked_oproep)
    db_session.commit()
    login_as(Role.COORDINATOR)
    path = f"/oproepen/{checked_oproep.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Lees deze woorden nog eens" not in page
    response = client.post(path, data={"text": PLAIN, "csrf_token": get_csrf(client, path)})
    assert response.status_code == 302
