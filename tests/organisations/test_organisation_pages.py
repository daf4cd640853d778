"""The beheerder's organisation pages: list, new, edit with the map, (de)activate, resubscribe."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.models import AuditAction, AuditEvent, Organisation, Role, User, utcnow
from niemand_alleen.organisations.service import organisation_wijken

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STERRENBURG, DUBBELDAM = "WK050509", "WK050510"
NEW = "/beheer/organisaties/nieuw"


def _form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Buurthuis De Buut",
        "contact_emails": "info@debuut.example.org\nhelp@debuut.example.org",
        "wijken": [STERRENBURG, DUBBELDAM],
        "note": "Contactpersoon: Ans",
    }
    values.update(overrides)
    return values


def _post(client: FlaskClient, path: str, **overrides: object) -> TestResponse:
    return client.post(path, data={**_form(**overrides), "csrf_token": csrf_token(client, path)})


def _only(db_session: Session) -> Organisation:
    db_session.commit()  # ends the read transaction: SQLite would keep showing its snapshot
    db_session.expire_all()
    (organisation,) = db_session.exec(select(Organisation)).all()
    return organisation


@pytest.mark.usefixtures("beheerder")
def test_new_organisation_is_saved_and_the_map_shows_its_wijken(
    client: FlaskClient, db_session: Session
) -> None:
    page = client.get(NEW).get_data(as_text=True)
    assert "<h1>Nieuwe organisatie</h1>" in page
    assert 'role="img"' in page  # the map, nothing highlighted yet
    assert "map-area-highlighted" not in page
    # Checkboxes sorted by the wijk's short name.
    assert page.index("Binnenstad") < page.index("Dubbeldam") < page.index("Sterrenburg")

    response = _post(client, NEW)
    assert response.status_code == 302
    organisation = _only(db_session)
    assert response.headers["Location"].endswith(f"/beheer/organisaties/{organisation.id}/wijzigen")
    assert organisation.name == "Buurthuis De Buut"
    assert organisation.contact_emails == "info@debuut.example.org\nhelp@debuut.example.org"
    assert organisation.note == "Contactpersoon: Ans"
    assert organisation_wijken(db_session) == {organisation.id: {STERRENBURG, DUBBELDAM}}

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De organisatie is opgeslagen." in page
    assert page.count("map-area map-area-highlighted") == 2
    assert f'class="map-area map-area-highlighted" data-code="{STERRENBURG}"' in page
    assert "Opgeslagen wijken: Dubbeldam, Sterrenburg." in page
    assert "Bron: CBS/PDOK, Wijk- en buurtkaart 2024, CC-BY 4.0" in page
    event = db_session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE)).one()
    assert event.record_id == str(organisation.id)


@pytest.mark.usefixtures("beheerder")
def test_every_bad_field_is_shown_and_values_are_kept(
    client: FlaskClient, db_session: Session
) -> None:
    response = _post(
        client,
        NEW,
        name="Naam\nmet regel",
        contact_emails="goed@example.org\nniet-goed",
        wijken=["WK999999"],
        note="x" * 1001,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    for anchor, message in [
        ("#name", "Een naam kan geen regelovergang bevatten."),
        ("#contact_emails", "niet-goed: Vul een geldig e-mailadres in"),
        ("#wijken", "Deze wijk bestaat niet: WK999999."),
        ("#note", "Dit is te lang: hoogstens 1000 tekens. Nu zijn het er 1001."),
    ]:
        assert f'<a href="{anchor}">{message}' in page
    assert "goed@example.org\nniet-goed" in page  # kept as typed
    assert db_session.exec(select(Organisation)).all() == []

    page = _post(client, NEW, name="", contact_emails="", wijken=[], note="").get_data(as_text=True)
    for message in (
        "Vul de naam van de organisatie in.",
        "Vul minstens één e-mailadres in.",
        "Kies minstens één wijk.",
    ):
        assert message in page


@pytest.mark.usefixtures("beheerder")
def test_kept_wijk_choices_are_checked_after_an_error(client: FlaskClient) -> None:
    page = _post(client, NEW, name="", wijken=[DUBBELDAM]).get_data(as_text=True)
    boxes = {
        match["value"]: "checked" in match[0]
        for match in re.finditer(
            r'<input[^>]*type="checkbox"[^>]*value="(?P<value>\w+)"[^>]*>', page
        )
    }
    assert len(boxes) == 13
    assert [code for code, checked in boxes.items() if checked] == [DUBBELDAM]


@pytest.mark.usefixtures("beheerder")
def test_duplicate_name_is_refused(
    client: FlaskClient, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(name="Buurthuis De Buut")
    page = _post(client, NEW, name="buurthuis de buut").get_data(as_text=True)
    assert "Er is al een organisatie met deze naam." in page


@pytest.mark.usefixtures("beheerder")
def test_edit_shows_saved_values_and_updates(
    client: FlaskClient, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation(note="oud")
    path = f"/beheer/organisaties/{organisation.id}/wijzigen"
    page = client.get(path).get_data(as_text=True)
    assert "Buurtkerk De Ark" in page
    assert "info@ark.example.org" in page
    assert page.count("map-area map-area-highlighted") == 1

    response = _post(client, path, name="De Ark", wijken=[DUBBELDAM], note="")
    assert response.status_code == 302
    organisation = _only(db_session)
    assert organisation.name == "De Ark"
    assert organisation.note is None
    assert organisation_wijken(db_session) == {organisation.id: {DUBBELDAM}}
    page = client.get(path).get_data(as_text=True)
    assert f'class="map-area map-area-highlighted" data-code="{DUBBELDAM}"' in page
    assert page.count("map-area map-area-highlighted") == 1


@pytest.mark.usefixtures("beheerder")
def test_unknown_organisation_is_404(client: FlaskClient) -> None:
    assert client.get(f"/beheer/organisaties/{uuid.uuid4()}/wijzigen").status_code == 404


@pytest.mark.usefixtures("beheerder")
def test_list_shows_state_and_actions(
    client: FlaskClient, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(name="Actieve Club", emails=("a@example.org", "b@example.org"))
    make_organisation(name="Slapende Club", active=False)
    make_organisation(name="Afgemelde Club", unsubscribed_at=utcnow())
    page = client.get("/beheer/organisaties").get_data(as_text=True)
    assert "<h1>Organisaties</h1>" in page
    assert page.index("Actieve Club") < page.index("Afgemelde Club") < page.index("Slapende")
    assert "Actief</span>" in page
    assert "Niet actief</span>" in page
    today = utcnow().astimezone(AMSTERDAM)
    assert f"Afgemeld op {today.day}-{today.month}-{today.year}" in page  # a table: 4-12-2026
    assert page.count("Weer aanmelden<span") == 1
    assert "Sterrenburg" in page
    assert '<td data-label="E-mailadressen">2</td>' in page  # two addresses


def test_activate_deactivate_and_resubscribe(
    client: FlaskClient,
    beheerder: User,
    db_session: Session,
    make_organisation: Callable[..., Organisation],
) -> None:
    organisation = make_organisation(unsubscribed_at=utcnow())
    base = f"/beheer/organisaties/{organisation.id}"
    token = csrf_token(client, "/beheer/organisaties")

    assert client.post(f"{base}/deactiveren").status_code == 400  # no CSRF token
    assert _only(db_session).active is True

    response = client.post(f"{base}/deactiveren", data={"csrf_token": token})
    assert response.status_code == 302
    assert _only(db_session).active is False
    client.post(f"{base}/activeren", data={"csrf_token": token})
    assert _only(db_session).active is True

    response = client.post(
        f"{base}/weer-aanmelden", data={"csrf_token": token, "terug": "wijzigen"}
    )
    assert response.headers["Location"].endswith(f"{base}/wijzigen")
    assert _only(db_session).unsubscribed_at is None
    assert client.get(f"{base}/wijzigen").status_code == 200

    events = db_session.exec(
        select(AuditEvent).where(AuditEvent.record_id == str(organisation.id))
    ).all()
    assert sorted(event.detail or "" for event in events) == [
        "aangezet",
        "uitgezet",
        "weer aangemeld",
    ]
    assert {event.actor_user_id for event in events} == {beheerder.id}
    unknown = f"/beheer/organisaties/{uuid.uuid4()}/activeren"
    assert client.post(unknown, data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BUURTWERKER])
def test_other_roles_are_refused(
    client: FlaskClient,
    login_as: Callable[[Role], User],
    make_organisation: Callable[..., Organisation],
    wijken: None,
    role: Role,
) -> None:
    organisation = make_organisation()
    login_as(role)
    for path in (
        "/beheer/organisaties",
        NEW,
        f"/beheer/organisaties/{organisation.id}/wijzigen",
        "/beheer/organisaties/export.csv",
        "/beheer/organisaties/importeren",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/mijn-account")
    response = client.post(
        f"/beheer/organisaties/{organisation.id}/deactiveren", data={"csrf_token": token}
    )
    assert response.status_code == 403


def test_anonymous_visitors_go_to_login(client: FlaskClient) -> None:
    response = client.get("/beheer/organisaties")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


@pytest.mark.usefixtures("beheerder")
def test_nav_link_for_beheerder(client: FlaskClient) -> None:
    page = client.get("/beheer/organisaties").get_data(as_text=True)
    assert 'href="/beheer/organisaties" aria-current="page">Organisaties</a>' in page
