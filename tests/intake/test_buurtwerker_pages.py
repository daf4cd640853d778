"""What the buurtwerker sees of the oproep of a resident they registered: plain words for
its status, no sign-up deadline once it is over, how many good neighbours were found, the
six-week check's outcome; never a neighbour's contact details. One menu entry for their
overview."""

from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from flask.testing import FlaskClient
from sqlmodel import Session
from support import LoginAs

from niemand_alleen.models import (
    FollowupOutcome,
    Match,
    MatchStatus,
    OproepStatus,
    Role,
    local_today,
    utcnow,
)


@pytest.mark.parametrize(
    ("confirmed", "found"), [(1, "1 goede buur gevonden"), (2, "2 goede buren gevonden")]
)
def test_a_matched_oproep_shows_the_neighbours_found_and_no_deadline(
    client: FlaskClient, login_as: LoginAs, db_session: Session, confirmed: int, found: str
) -> None:
    buurtwerker = login_as(Role.BUURTWERKER)
    resident = factories.resident(db_session, registered_by_id=buurtwerker.id)
    oproep = factories.oproep(
        db_session,
        status=OproepStatus.MATCHED,
        of=resident,
        deadline=local_today() + timedelta(days=7),
        matched_at=utcnow(),
    )
    for number in range(3):
        neighbour = factories.signup(
            db_session, oproep, email=f"buur{number}@example.org", phone=f"+3161234567{number}"
        )
        status = MatchStatus.CONFIRMED if number < confirmed else MatchStatus.DECLINED
        db_session.add(
            Match(oproep_id=oproep.id, volunteer_id=neighbour.id, rank=number + 1, status=status)
        )
    db_session.commit()
    page = client.get(f"/aanmeldingen/{resident.id}").get_data(as_text=True)
    assert "<strong>Goede buur gevonden</strong>" in page
    assert "Gematcht" not in page
    assert f"{found}." in page
    assert "aanmelden kan tot en met" not in page
    for number in range(3):
        assert f"buur{number}@example.org" not in page
        assert f"1234567{number}" not in page
    assert "nagevraagd" not in page, "no six-week check recorded yet"
    listing = client.get("/aanmeldingen").get_data(as_text=True)
    assert "Goede buur gevonden" in listing
    assert "Gematcht" not in listing


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (FollowupOutcome.ACTIVE, "Het contact tussen de bewoner en de goede buren loopt nog."),
        (FollowupOutcome.ENDED, "Het contact tussen de bewoner en de goede buren is gestopt."),
        (FollowupOutcome.UNKNOWN, "Het is niet bekend of het contact nog loopt."),
    ],
)
def test_the_six_week_check_shows_its_outcome(
    client: FlaskClient,
    login_as: LoginAs,
    db_session: Session,
    outcome: FollowupOutcome,
    text: str,
) -> None:
    buurtwerker = login_as(Role.BUURTWERKER)
    resident = factories.resident(db_session, registered_by_id=buurtwerker.id)
    factories.oproep(
        db_session,
        status=OproepStatus.MATCHED,
        of=resident,
        matched_at=utcnow(),
        followup_outcome=outcome,
        followup_recorded_at=utcnow(),
    )
    page = client.get(f"/aanmeldingen/{resident.id}").get_data(as_text=True)
    assert "nagevraagd hoe het contact gaat" in page
    assert text in page


@pytest.mark.parametrize(
    ("status", "label", "deadline_shown"),
    [
        (OproepStatus.DRAFT, "Wacht op de coördinator", True),
        (OproepStatus.OPEN, "Goede buren kunnen zich aanmelden", True),
        (OproepStatus.CLOSED, "Aanmelden gesloten", False),
        (OproepStatus.CANCELLED, "Gestopt", False),
    ],
)
def test_the_status_is_in_plain_words_and_the_deadline_only_while_it_counts(
    client: FlaskClient,
    login_as: LoginAs,
    db_session: Session,
    status: OproepStatus,
    label: str,
    deadline_shown: bool,
) -> None:
    buurtwerker = login_as(Role.BUURTWERKER)
    resident = factories.resident(db_session, registered_by_id=buurtwerker.id)
    factories.oproep(db_session, status=status, of=resident)
    page = client.get(f"/aanmeldingen/{resident.id}").get_data(as_text=True)
    assert f"<strong>{label}" in page
    assert ("aanmelden kan tot en met" in page) is deadline_shown
    assert "goede buur gevonden" not in page
    assert "goede buren gevonden" not in page


def test_the_buurtwerker_has_one_menu_entry_for_their_overview(
    client: FlaskClient, login_as: LoginAs
) -> None:
    """ "Overzicht" would open the same list as "Mijn aanmeldingen"."""
    login_as(Role.BUURTWERKER)
    page = client.get("/aanmeldingen").get_data(as_text=True)
    menu = page[page.index('<nav aria-label="Hoofdmenu">') :]
    menu = menu[: menu.index("</nav>")]
    assert ">Mijn aanmeldingen</a>" in menu
    assert ">Overzicht</a>" not in menu
    assert client.get("/").headers["Location"].endswith("/aanmeldingen")


def test_other_staff_keep_their_overview_entry(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.COORDINATOR)
    page = client.get("/").get_data(as_text=True)
    assert ">Overzicht</a>" in page
