"""The coordinator's matching page shows what the oproep asks beside the candidates: the help
asked and the resident's preferences, each neighbour's languages and availability, a flag
when a neighbour speaks a language of the preferences (and a warning when none does), and
the distance of every proposal, also of those who declined or could not be reached."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenScenario, Scenario
from sqlmodel import Session, col, select
from support import AddNeighbour, csrf_token, login

from niemand_alleen.models import AuditEvent, Match, Resident, Volunteer


def _page(scenario: Scenario) -> str:
    return f"/oproepen/{scenario.oproep.id}/koppelen"


def _set_wishes(session: Session, scenario: Scenario, **fields: str | None) -> None:
    resident = session.get(Resident, scenario.resident.id)
    assert resident is not None
    for name, value in fields.items():
        setattr(resident, name, value)
    session.add(resident)
    session.commit()


def _set_languages(session: Session, volunteer: Volunteer, languages: str | None) -> None:
    volunteer.languages = languages
    session.add(volunteer)
    session.commit()


def _closed(client: FlaskClient, scenario: OpenScenario) -> str:
    """Log in as the coordinator, close the oproep (three proposals), return the page."""
    login(client, scenario.coordinator_email)
    page = _page(scenario)
    response = client.post(f"{page}/sluiten", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    return client.get(page).get_data(as_text=True)


def _matches(session: Session, oproep_id: uuid.UUID) -> list[Match]:
    session.rollback()
    return list(
        session.exec(select(Match).where(Match.oproep_id == oproep_id).order_by(col(Match.rank)))
    )


def _article(html: str, match: Match) -> str:
    found = re.search(
        rf'<article class="proposal" aria-labelledby="voorstel-{match.id}">(.*?)</article>',
        html,
        re.S,
    )
    assert found, f"no proposal for match {match.id}"
    return found.group(1)


def _wishes_panel(html: str) -> str:
    found = re.search(r'<section class="wishes".*?</section>', html, re.S)
    assert found, "no wishes panel"
    return found.group(0)


def _distance(article: str) -> str:
    found = re.search(r"<dt>Afstand</dt><dd>([^<]*)</dd>", article)
    assert found
    return found.group(1)


def test_the_wishes_panel_shows_the_help_and_preferences_and_nothing_else_personal(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    _set_wishes(
        db_session,
        open_scenario,
        help_wished="bezoekje,wandelen",
        help_other="Samen naar de markt op zaterdag",
        preferences="Liever een vrouw, spreekt Turks en Nederlands",
    )
    for i in range(3):
        add_neighbour(open_scenario.oproep.id, 150 * i)
    html = _closed(client, open_scenario)

    panel = _wishes_panel(html)
    assert "Wat de oproep vraagt" in panel
    assert "Een bezoekje, een praatje, Samen wandelen; Samen naar de markt op zaterdag" in panel
    assert "Liever een vrouw, spreekt Turks en Nederlands" in panel
    assert "<dt>Talen in de voorkeuren</dt><dd>Turks, Nederlands</dd>" in panel
    assert "Ze zoekt iemand die af en toe een kopje koffie komt drinken" in panel  # oproep text
    # Only what the calls need: never the resident's name, address, phone, birth date or
    # situation on this page.
    resident = open_scenario.resident
    for private in (
        resident.first_name,
        resident.last_name,
        resident.street,
        resident.phone,
        resident.postcode,
        "06 1234 5678",
        "12-03-1941",
        "12 maart 1941",
        resident.situation,
    ):
        assert private not in html, private
    # Seeing the wishes is an audited read of the resident's data.
    db_session.rollback()
    views = db_session.exec(
        select(AuditEvent).where(
            AuditEvent.record_type == "resident",
            AuditEvent.action == "view",
            AuditEvent.record_id == str(resident.id),
        )
    ).all()
    # One per view of the page: the one that gave the form's token, and this one.
    assert [event.detail for event in views] == ["bekeken op de pagina koppelen"] * 2


def test_the_panel_says_so_when_the_resident_is_deleted(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    add_neighbour(open_scenario.oproep.id, 100)
    oproep = open_scenario.oproep
    oproep.resident_id = None
    db_session.add(oproep)
    db_session.commit()
    html = _closed(client, open_scenario)
    panel = _wishes_panel(html)
    assert "De gegevens van de bewoner zijn verwijderd." in panel
    assert "Ze zoekt iemand die af en toe een kopje koffie komt drinken" in panel


def test_each_proposal_shows_languages_and_availability_with_the_language_flag(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    _set_wishes(db_session, open_scenario, preferences="Liever een vrouw. Spreekt Turks.")
    speaker, other, silent = (add_neighbour(open_scenario.oproep.id, 150 * i) for i in range(3))
    _set_languages(db_session, speaker, "Nederlands, turks")
    _set_languages(db_session, other, "Engels en Nederlands")
    _set_languages(db_session, silent, None)
    html = _closed(client, open_scenario)
    first, second, third = _matches(db_session, open_scenario.oproep.id)
    assert (first.volunteer_id, second.volunteer_id, third.volunteer_id) == (
        speaker.id,
        other.id,
        silent.id,
    )

    match_flag = '<span class="flag flag-match">Spreekt Turks, taal uit de voorkeuren</span>'
    none_flag = '<span class="flag flag-none">Geen taal uit de voorkeuren</span>'
    speaking = _article(html, first)
    assert "<dt>Talen</dt><dd>Nederlands, turks " + match_flag in speaking
    assert '<dt>Beschikbaar</dt><dd class="preserve-lines">Dinsdagmiddag</dd>' in speaking
    assert "<dt>Talen</dt><dd>Engels en Nederlands " + none_flag in _article(html, second)
    unknown = _article(html, third)
    assert "<dt>Talen</dt><dd>niet ingevuld</dd>" in unknown
    assert "flag-" not in unknown  # no languages given: no claim either way
    panel = _wishes_panel(html)
    assert "<strong>Taal klopt:</strong> Buur1 Test spreekt Turks." in panel
    assert "Let op de taal" not in panel


def test_a_warning_when_no_proposed_neighbour_speaks_a_language_of_the_preferences(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    _set_wishes(db_session, open_scenario, preferences="Spreekt alleen Arabisch of Berbers")
    for i in range(3):
        volunteer = add_neighbour(open_scenario.oproep.id, 150 * i)
        _set_languages(db_session, volunteer, "Nederlands")
    html = _closed(client, open_scenario)
    panel = _wishes_panel(html)
    assert (
        "<strong>Let op de taal:</strong> geen van de voorgestelde goede buren spreekt "
        "Arabisch of Berbers." in panel
    )
    assert "Taal klopt" not in panel


def test_no_language_flag_when_the_preferences_name_no_language(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    _set_wishes(db_session, open_scenario, preferences="Liever een vrouw")
    volunteer = add_neighbour(open_scenario.oproep.id, 100)
    _set_languages(db_session, volunteer, "Turks")
    html = _closed(client, open_scenario)
    assert "<dt>Talen in de voorkeuren</dt><dd>geen genoemd</dd>" in html
    assert "flag-" not in html
    assert "Let op de taal" not in html


def test_declined_and_unreachable_proposals_keep_their_distance(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    # From 1 km: the resident's place is a PC4 centre, and closer than that reads "minder
    # dan 1 km" for everyone.
    for i in range(5):
        add_neighbour(open_scenario.oproep.id, 1000 + 400 * i)
    before = _closed(client, open_scenario)
    first, second, _third = _matches(db_session, open_scenario.oproep.id)
    shown = {match.id: _distance(_article(before, match)) for match in (first, second)}
    assert all(label.endswith(" m") or label.endswith(" km") for label in shown.values())
    assert shown[first.id] != shown[second.id]

    page = _page(open_scenario)
    for match, outcome in ((first, "declined"), (second, "unreachable")):
        data = {"csrf_token": csrf_token(client, page), "action": outcome}
        if outcome == "declined":
            data["decline_code"] = "no_time"
        assert client.post(f"{page}/{match.id}", data=data).status_code == 302

    after = client.get(page).get_data(as_text=True)
    for match in (first, second):
        article = _article(after, match)
        assert _distance(article) == shown[match.id]  # measured as before, not "onbekend"
        assert "onbekend" not in article


def test_a_declined_neighbour_without_a_location_shows_an_unknown_distance(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    volunteers = [add_neighbour(open_scenario.oproep.id, 100 * i) for i in range(4)]
    _closed(client, open_scenario)
    first = _matches(db_session, open_scenario.oproep.id)[0]
    assert first.volunteer_id == volunteers[0].id
    page = _page(open_scenario)
    data = {"csrf_token": csrf_token(client, page), "action": "declined", "decline_code": "no_time"}
    assert client.post(f"{page}/{first.id}", data=data).status_code == 302
    db_session.rollback()  # a new snapshot: the request committed meanwhile
    volunteer = db_session.get(Volunteer, volunteers[0].id)
    assert volunteer is not None
    volunteer.lat = volunteer.lon = None
    db_session.add(volunteer)
    db_session.commit()
    article = _article(client.get(page).get_data(as_text=True), first)
    assert _distance(article) == "onbekend"


def test_a_short_distance_from_a_postcode_area_is_shown_as_less_than_a_km(
    app: Flask,
    db_session: Session,
    open_scenario: OpenScenario,
    add_neighbour: AddNeighbour,
    client: FlaskClient,
) -> None:
    """Two neighbours placed at the centre of the resident's PC4 are not "50 m" away: all
    that is known is that they live in the same postcode area."""
    from niemand_alleen.geo import LocationPrecision

    near = [add_neighbour(open_scenario.oproep.id, offset) for offset in (0, 0, 600)]
    far = add_neighbour(open_scenario.oproep.id, 1500)
    for volunteer in (*near, far):
        row = db_session.get(Volunteer, volunteer.id)
        assert row is not None
        row.location_precision = LocationPrecision.PC4
        db_session.add(row)
    db_session.commit()
    html = _closed(client, open_scenario)
    shown = [
        _distance(_article(html, match)) for match in _matches(db_session, open_scenario.oproep.id)
    ]
    assert shown == ["minder dan 1 km (bij benadering)"] * 3
    assert "bij benadering 1,5 km" in html  # the reserve: further off, still a distance
    assert "<dd>0 m</dd>" not in html
    assert "<dd>50 m</dd>" not in html
