"""The buurtwerker's aanmelding: stored encrypted and located, every bad field refused."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select
from support import GetCsrf, LoginAs, MakeUser, login
from werkzeug.test import TestResponse

from niemand_alleen.models import (
    AuditEvent,
    LocationPrecision,
    Oproep,
    OproepStatus,
    Resident,
    Role,
)
from niemand_alleen.reference import import_shipped_reference


def dutch(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def valid_form(**overrides: object) -> dict[str, object]:
    today = date.today()
    data: dict[str, object] = {
        "first_name": "Wilhelmina",
        "last_name": "van der Berg-de Vries",
        "street": "Groenedijk",
        "house_number": "12a",
        "postcode": "3311 ab",
        "phone": "06-12 34 56 78",
        "email": "",
        "birth_date": "12-03-1941",
        "situation": "Mevrouw is weduwe, slecht ter been en houdt van kaarten.",
        "help_wished": ["bezoekje", "wandelen"],
        "help_other": "",
        "preferences": "liever een vrouw",
        "lawful_basis_art6": "public_task",
        "lawful_basis_art9": "explicit_consent",
        "consent_date": dutch(today),
        "deadline": dutch(today + timedelta(days=21)),
    }
    data.update(overrides)
    return data


@pytest.fixture
def geography(app: Flask, db_session: Session) -> None:
    import_shipped_reference(db_session)
    db_session.commit()


def post_form(
    client: FlaskClient, get_csrf: GetCsrf, path: str, data: dict[str, object]
) -> TestResponse:
    return client.post(path, data={**data, "csrf_token": get_csrf(client, path)})


def count(session: Session, model: type) -> int:
    session.rollback()
    number = session.exec(select(func.count()).select_from(model)).one()
    session.rollback()
    return number


def test_aanmelding_is_stored_encrypted_located_and_normalised(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
    app: Flask,
) -> None:
    buurtwerker = login_as(Role.BUURTWERKER)
    response = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.rollback()
    resident = db_session.exec(select(Resident)).one()
    assert resident.phone == "+31612345678"
    assert resident.postcode == "3311AB"
    assert resident.pc4 == "3311"
    assert resident.wijk_code == "WK050501"
    assert resident.location_precision == LocationPrecision.PC4
    assert resident.registered_by_id == buurtwerker.id
    assert resident.consent_recorded_by_id == buurtwerker.id
    oproep = db_session.exec(select(Oproep)).one()
    assert oproep.status == OproepStatus.DRAFT
    assert oproep.pc4 == "3311"
    with app.extensions["database"].engine.connect() as connection:
        raw = connection.execute(sa.text("SELECT * FROM resident")).mappings().one()
    assert str(raw["last_name"]).startswith("gAAAAA")
    # Ciphertexts and ids left out: random characters spell "1941" now and then.
    flat = " ".join(
        str(value)
        for column, value in raw.items()
        if not str(value).startswith("gAAAAA") and not column.endswith("id")
    )
    for secret in ("Wilhelmina", "Berg", "Groenedijk", "612345678", "3311AB", "1941", "kaarten"):
        assert secret not in flat
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "van der Berg-de Vries" in page
    assert "06 1234 5678" in page


OUTSIDE = "Deze postcode ligt buiten het werkgebied van Niemand Alleen."


@pytest.mark.parametrize("postcode", ["3011 AB", "9999 ZZ", "1012 AB"])
def test_a_postcode_outside_the_service_area_is_refused_and_nothing_stored(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
    postcode: str,
) -> None:
    """Rotterdam, a postcode that is not issued, Amsterdam: not Dordrecht's PC4 areas."""
    login_as(Role.BUURTWERKER)
    response = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form(postcode=postcode))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert OUTSIDE in body
    assert 'href="#postcode"' in body
    assert "overleg met de coördinator" not in body
    assert count(db_session, Resident) == 0
    assert count(db_session, Oproep) == 0


def test_the_service_area_is_the_configured_one(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
    app: Flask,
) -> None:
    """``SERVICE_AREA_PC4`` decides, not a list of its own: with 3011 in the area, the
    Rotterdam postcode is taken (with the warning that no wijk is known)."""
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = replace(
        settings, service_area_pc4=settings.service_area_pc4 | {"3011"}
    )
    login_as(Role.BUURTWERKER)
    response = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form(postcode="3011 AB"))
    assert response.status_code == 302
    assert "buiten de wijken die we kennen" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert count(db_session, Resident) == 1
    app.config["SETTINGS"] = replace(settings, service_area_pc4=frozenset({"3328"}))
    refused = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form())
    assert OUTSIDE in refused.get_data(as_text=True)
    assert count(db_session, Resident) == 1


def test_editing_to_a_postcode_outside_the_service_area_is_refused(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
) -> None:
    login_as(Role.BUURTWERKER)
    path = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form()).headers["Location"]
    response = post_form(
        client, get_csrf, path + "/wijzigen", valid_form(postcode="3011 AB", street="Coolsingel")
    )
    assert response.status_code == 200
    assert OUTSIDE in response.get_data(as_text=True)
    db_session.rollback()
    resident = db_session.exec(select(Resident)).one()
    assert (resident.postcode, resident.street) == ("3311AB", "Groenedijk")


def test_no_legal_basis_is_chosen_beforehand(
    client: FlaskClient, login_as: LoginAs, geography: Session
) -> None:
    """The law asks that someone chooses the basis: no option is preselected, the empty
    choice asks for one, and the options speak plain Dutch with the legal terms in a hint."""
    login_as(Role.BUURTWERKER)
    page = client.get("/aanmeldingen/nieuw").get_data(as_text=True)
    for name in ("lawful_basis_art6", "lawful_basis_art9"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
        assert select_html is not None
        selected = re.findall(r"<option selected[^>]*>[^<]*</option>", select_html.group(0))
        assert selected == ['<option selected value="">Kies een reden</option>']
        assert "Vitaal belang" not in select_html.group(0)
        assert "art." not in select_html.group(0)
    assert "Het is nodig voor de hulp aan de bewoner" in page
    assert "Noodzakelijk voor sociale dienstverlening" not in page
    assert "vitaal belang (AVG art. 9 lid 2 sub c)" in page, "legal terms stay in a hint"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", dutch(date.today() + timedelta(days=1)), "niet in de toekomst"),
        ("birth_date", "01-01-1899", "na 1900"),
        ("birth_date", "31-02-1941", "dag-maand-jaar"),
        ("email", "jan@", "geldig e-mailadres"),
        ("email", "jan@example.org\r\nBcc: x@evil.example", "regelovergang"),
        ("phone", "06-1234abcd", "alleen uit cijfers"),
        ("phone", "12345", "geldig telefoonnummer"),
        ("postcode", "3328SA", "postcode"),
        ("postcode", "0123AB", "postcode"),
        ("house_number", "abc", "huisnummer"),
        ("postcode", "", "Vul de postcode van de bewoner in."),
        ("postcode", "3328", "Vul de hele postcode van de bewoner in"),
        ("house_number", "", "Vul het huisnummer van de bewoner in."),
        ("first_name", "x" * 500, "hoogstens 100 tekens"),
        ("first_name", "", "Vul de voornaam in"),
        ("last_name", "Jansen\nBcc: x@evil.example", "regelovergang"),
        ("situation", "x" * 5001, "hoogstens 5000 tekens"),
        ("deadline", dutch(date.today()), "na vandaag"),
        ("deadline", dutch(date.today() + timedelta(days=400)), "binnen 120 dagen"),
        ("consent_date", "", "toestemming gaf"),
        ("help_wished", [], "minstens één soort hulp"),
        ("lawful_basis_art6", "anything", "Ongeldige keuze"),
        ("lawful_basis_art6", "", "Kies waarom we de gegevens van de bewoner mogen bewaren."),
        ("lawful_basis_art9", "", "Kies waarom we iets over de gezondheid mogen bewaren."),
        ("lawful_basis_art9", "anything", "Ongeldige keuze"),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_changes_nothing(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
    field: str,
    value: object,
    message: str,
) -> None:
    login_as(Role.BUURTWERKER)
    response = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form(**{field: value}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Er ging iets mis" in body
    assert message in body
    assert f'href="#{field}"' in body
    kept = "Groenedijk" if field == "first_name" else "Wilhelmina"
    assert kept in body, "typed values are kept"
    assert count(db_session, Resident) == 0
    assert count(db_session, Oproep) == 0


def test_script_in_fields_is_shown_as_text(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, geography: Session
) -> None:
    login_as(Role.BUURTWERKER)
    script = "<script>alert(1)</script>"
    response = post_form(
        client,
        get_csrf,
        "/aanmeldingen/nieuw",
        valid_form(situation=f"Houdt van kaarten {script}", preferences=script),
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_names_with_accents_apostrophes_and_hyphens_are_kept(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
) -> None:
    login_as(Role.BUURTWERKER)
    response = post_form(
        client, get_csrf, "/aanmeldingen/nieuw", valid_form(first_name="Ayşe", last_name="N'Diaye")
    )
    assert response.status_code == 302
    resident = db_session.exec(select(Resident)).one()
    assert (resident.first_name, resident.last_name) == ("Ayşe", "N'Diaye")


def test_phone_notations_are_stored_as_e164(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
) -> None:
    login_as(Role.BUURTWERKER)
    for notation in ("078 123 45 67", "+31 78 1234567", "0031781234567", "(078) 1234567"):
        post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form(phone=notation))
    db_session.rollback()
    phones = {resident.phone for resident in db_session.exec(select(Resident)).all()}
    assert phones == {"+31781234567"}


def test_buurtwerker_sees_and_edits_only_own_aanmeldingen(
    client: FlaskClient,
    login_as: LoginAs,
    make_user: MakeUser,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
    app: Flask,
) -> None:
    login_as(Role.BUURTWERKER)
    response = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form())
    own_path = response.headers["Location"]
    colleague = app.test_client()
    other = make_user(Role.BUURTWERKER)
    login(colleague, other.email)
    assert colleague.get(own_path).status_code == 404
    assert colleague.get(own_path + "/wijzigen").status_code == 404
    assert "Wilhelmina" not in colleague.get("/aanmeldingen").get_data(as_text=True)


def test_editing_keeps_values_and_audits_views(
    client: FlaskClient,
    login_as: LoginAs,
    get_csrf: GetCsrf,
    geography: Session,
    db_session: Session,
) -> None:
    login_as(Role.BUURTWERKER)
    path = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form()).headers["Location"]
    form_page = client.get(path + "/wijzigen").get_data(as_text=True)
    assert 'value="Groenedijk"' in form_page
    assert 'value="3311 AB"' in form_page
    response = post_form(client, get_csrf, path + "/wijzigen", valid_form(street="Voorstraat"))
    assert response.status_code == 302
    db_session.rollback()
    assert db_session.exec(select(Resident)).one().street == "Voorstraat"
    actions = [
        event.action.value
        for event in db_session.exec(
            select(AuditEvent).where(AuditEvent.record_type == "resident")
        ).all()
    ]
    assert actions.count("create") == 1
    assert actions.count("update") == 1
    assert actions.count("view") >= 2


def test_the_form_speaks_of_the_resident_in_plain_words_and_leaves_consent_empty(
    client: FlaskClient, login_as: LoginAs, get_csrf: GetCsrf, geography: Session
) -> None:
    """B1 Dutch instead of jargon, with a help text; the consent date is the real day the
    resident gave it, so the form never fills it in."""
    login_as(Role.BUURTWERKER)
    page = client.get("/aanmeldingen/nieuw").get_data(as_text=True)
    assert "Waarom mogen we deze gegevens bewaren?" in page
    assert "De wet noemt dit de grondslag." in page
    assert "Grondslag voor" not in page
    consent = re.search(r'<input[^>]*name="consent_date"[^>]*>', page)
    assert consent is not None
    assert 'value=""' in consent.group(0) or "value=" not in consent.group(0)
    refused = post_form(client, get_csrf, "/aanmeldingen/nieuw", valid_form(postcode=""))
    assert "Vul uw postcode in" not in refused.get_data(as_text=True)
