"""The Verspreiding page's words about the search area match what the map shows, and its
advice when no organisation is active reads as proper Dutch."""

from __future__ import annotations

import factories
from flask.testing import FlaskClient
from oproep_support import BINNENSTAD, Scenario, add_organisation
from oproep_support import distribution_page as page
from sqlmodel import Session
from support import MakeUser, login

from niemand_alleen.models import LocationPrecision, OproepStatus, Role

UNGRAMMATICAL = "of de beheerder een organisatie"


def test_a_located_resident_is_the_dot_on_the_map(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    login(client, scenario.coordinator.email)
    html = client.get(page(scenario.oproep)).get_data(as_text=True)
    assert "De stip is de plek van de bewoner" in html
    assert "map-marker-resident" in html
    assert "Vraag de beheerder om een organisatie aan deze wijk toe te voegen." in html
    assert UNGRAMMATICAL not in html


def test_other_wijken_to_choose_from_are_offered_in_a_proper_sentence(
    client: FlaskClient, scenario: Scenario, geography: Session
) -> None:
    add_organisation(geography, "Binnenstadhuis", BINNENSTAD)
    login(client, scenario.coordinator.email)
    html = client.get(page(scenario.oproep)).get_data(as_text=True)
    assert (
        "U kunt zelf organisaties uit andere wijken kiezen. "
        "Of vraag de beheerder om een organisatie aan deze wijk toe te voegen."
    ) in html
    assert UNGRAMMATICAL not in html


def test_an_unknown_wijk_speaks_of_no_dot(
    client: FlaskClient, geography: Session, make_user: MakeUser
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    resident = factories.resident(
        geography, wijk_code=None, location=None, location_precision=LocationPrecision.UNKNOWN
    )
    oproep = factories.oproep(
        geography, status=OproepStatus.APPROVED, of=resident, text="Een oproep.", wijk_code=None
    )
    login(client, coordinator.email)
    response = client.get(page(oproep))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "De stip" not in html
    assert "map-marker-resident" not in html
    assert "daarom staat er geen stip op de kaart" in html
    assert "De wijk van de bewoner is niet bekend." in html
    assert "Overleg met de buurtwerker over het adres" in html
    assert "aan deze wijk" not in html
    assert UNGRAMMATICAL not in html
