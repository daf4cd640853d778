"""The public sign-up form: a neighbour signs up through an oproep link or for the wijk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from oproep_support import OpenOproep, OpenOproepFactory
from sqlmodel import Session, col, func, select
from support import PostSignup

from niemand_alleen.mail.sender import compose_pending
from niemand_alleen.models import OutboxMail, Volunteer, VolunteerStatus

STERRENBURG = "WK050509"


def volunteers(session: Session) -> list[Volunteer]:
    session.rollback()
    return list(session.exec(select(Volunteer)).all())


def outbox(session: Session) -> list[OutboxMail]:
    session.rollback()
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def test_the_oproep_page_shows_the_approved_text_wijk_and_deadline(
    client: FlaskClient, scenario: OpenOproep
) -> None:
    page = client.get(scenario.path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Een vrouw van in de 80 woont sinds kort alleen." in body
    assert "Sterrenburg" in body
    assert "Aanmelden kan tot en met" in body
    # Nothing of the resident beyond the approved text.
    for private in ("Wilhelmina", "Groenedijk", "3328AB", "0612345678"):
        assert private not in body
    # One question per field, with the attributes phones use for the right keyboard.
    assert 'autocomplete="given-name"' in body
    assert 'autocomplete="family-name"' in body
    assert 'type="email"' in body
    assert 'autocomplete="email"' in body
    assert 'inputmode="email"' in body
    assert 'type="tel"' in body
    assert 'autocomplete="tel"' in body
    assert 'inputmode="tel"' in body
    assert 'autocomplete="postal-code"' in body
    assert 'name="contact_again"' in body
    assert f'action="{scenario.path}"' in body


def test_the_general_form_explains_being_a_good_neighbour(
    client: FlaskClient, geography: Session
) -> None:
    page = client.get("/aanmelden")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Wilt u goede buur zijn voor iemand in uw wijk" in body
    assert 'action="/aanmelden"' in body
    assert 'name="contact_again"' not in body  # the general sign-up is itself that wish


def test_a_valid_signup_is_stored_encrypted_unconfirmed_and_a_confirm_mail_queued(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    response = post_signup(client, scenario.path, contact_again="y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/aanmelden/verstuurd"
    sent = client.get("/aanmelden/verstuurd").get_data(as_text=True)
    assert "Wat gebeurt er nu?" in sent

    (volunteer,) = volunteers(db_session)
    assert volunteer.status == VolunteerStatus.UNCONFIRMED
    assert volunteer.oproep_id == scenario.oproep.id
    assert volunteer.dispatch_id == scenario.dispatch.id
    assert (volunteer.first_name, volunteer.last_name) == ("Fatma", "Özdemir")
    assert volunteer.email == "fatma.ozdemir@example.org"
    assert volunteer.phone == "+31612345678"
    assert (volunteer.postcode, volunteer.house_number, volunteer.pc4) == ("3328AB", "14B", "3328")
    assert volunteer.wijk_code == STERRENBURG
    assert volunteer.contact_again is True
    assert volunteer.availability == "Doordeweeks na 17 uur"
    assert volunteer.languages == "Nederlands, Turks"
    # Stored coordinates never point at one house: rounded to 0.001°.
    assert volunteer.lat is not None
    assert volunteer.lon is not None
    assert round(volunteer.lat, 3) == volunteer.lat
    assert round(volunteer.lon, 3) == volunteer.lon
    # Encrypted at rest: the raw row holds no plain value.
    raw = db_session.execute(
        sa.text("SELECT first_name, last_name, email, phone, postcode FROM volunteer")
    ).one()
    assert not any(value in " ".join(raw) for value in ("Fatma", "Özdemir", "ozdemir", "3328"))

    # Queued without its text: the sender writes it just before sending.
    (queued,) = outbox(db_session)
    assert (queued.kind, queued.status, queued.body_text) == ("signup_confirm", "pending", None)
    assert compose_pending(app) == 1
    (mail,) = outbox(db_session)
    assert mail.kind == "signup_confirm"
    assert mail.recipient == "fatma.ozdemir@example.org"
    assert mail.subject == "Bevestig uw aanmelding als goede buur"
    assert mail.body_text is not None
    assert "/aanmelden/bevestigen/" in mail.body_text
    assert "/aanmelden/intrekken/" in mail.body_text
    assert "Beste Fatma," in mail.body_text
    # The idempotency key carries ids only.
    assert "ozdemir" not in mail.idempotency_key.lower()


@pytest.mark.parametrize(
    ("first", "last"),
    [("Fatma", "Özdemir"), ("Aminata", "N'Diaye"), ("Anne-Marie", "van der Berg-de Vries")],
)
def test_names_with_accents_apostrophes_and_hyphens_are_accepted_and_shown(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    first: str,
    last: str,
) -> None:
    # Shown correctly when the form comes back with an error in another field ...
    again = post_signup(client, scenario.path, first_name=first, last_name=last, consent=None)
    body = again.get_data(as_text=True)
    assert f'value="{str(escape(first))}"' in body
    assert f'value="{str(escape(last))}"' in body
    # ... and stored and used in the mail as typed.
    assert post_signup(client, scenario.path, first_name=first, last_name=last).status_code == 302
    (volunteer,) = volunteers(db_session)
    assert (volunteer.first_name, volunteer.last_name) == (first, last)
    compose_pending(app)
    (mail,) = outbox(db_session)
    assert mail.body_text is not None
    assert f"Beste {first}," in mail.body_text
    assert mail.body_html is not None
    assert f"Beste {str(escape(first))}," in mail.body_html


BAD_INPUT = [
    ("postcode", "0123 AB", "Vul een geldige postcode in"),
    ("postcode", "3311 SS", "Deze postcode bestaat niet"),
    ("postcode", "33", "Vul een geldige postcode in"),
    ("house_number", "abc", "Vul een geldig huisnummer in"),
    ("email", "fatma@", "Vul een geldig e-mailadres in"),
    ("email", "fatma.example.org", "Vul een geldig e-mailadres in"),
    ("phone", "06-BLOEMEN", "Een telefoonnummer bestaat alleen uit cijfers"),
    ("first_name", "A" * 500, "Een voornaam is hoogstens 100 tekens lang."),
    ("last_name", "B" * 500, "Een achternaam is hoogstens 100 tekens lang."),
    ("first_name", "", "Vul de voornaam in."),
    ("first_name", "Jan\r\nBcc: x@evil.example", "Een voornaam kan geen regelovergang bevatten."),
    ("consent", None, "Vink aan dat u de privacyverklaring hebt gelezen."),
    ("motivation", "x" * 1001, "Dit is te lang: hoogstens 1000 tekens."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_field_message_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    name: str,
    value: str | None,
    message: str,
) -> None:
    change: dict[str, Any] = {name: value}
    response = post_signup(client, scenario.path, **change)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Er ging iets mis" in body
    assert "<title>Fout: " in body
    # The summary links to the field, which says the same next to it.
    assert f'<a href="#{name}">{str(escape(message))}' in body
    assert f'id="{name}-error"' in body
    assert body.count(str(escape(message))) == 2
    assert 'aria-invalid="true"' in body
    # The other values are kept.
    assert 'value="fatma.ozdemir@example.org"' in body or name == "email"
    assert 'value="Fatma"' in body or name == "first_name"
    assert volunteers(db_session) == []
    assert outbox(db_session) == []


def test_script_in_any_field_is_shown_as_text(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    script = "<script>alert('x')</script>"
    fields: tuple[str, ...] = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "postcode",
        "house_number",
    )
    fields += ("availability", "motivation", "languages")
    response = post_signup(client, scenario.path, **dict.fromkeys(fields, script))
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert volunteers(db_session) == []
    # Valid input with script in the free texts is stored as text and never rendered as HTML.
    assert (
        post_signup(client, scenario.path, motivation=script, languages=script).status_code == 302
    )
    (volunteer,) = volunteers(db_session)
    assert volunteer.motivation == script


def test_extra_posted_fields_are_not_stored(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    """R1.3: mass assignment; posted status, ids or flags are ignored."""
    response = post_signup(
        client,
        scenario.path,
        status="confirmed",
        confirmed_at="2026-01-01",
        oproep_id="00000000-0000-0000-0000-000000000000",
        lat="51.8",
        notes="geheim",
        is_coordinator="1",
    )
    assert response.status_code == 302
    (volunteer,) = volunteers(db_session)
    assert volunteer.status == VolunteerStatus.UNCONFIRMED
    assert volunteer.confirmed_at is None
    assert volunteer.oproep_id == scenario.oproep.id
    assert volunteer.contact_again is False


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    response = post_signup(client, scenario.path, website="http://spam.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/aanmelden/verstuurd"
    assert volunteers(db_session) == []
    assert outbox(db_session) == []


def test_an_expired_form_comes_back_with_the_values_and_stores_nothing(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, signup_values: dict[str, str]
) -> None:
    response = client.post(scenario.path, data={**signup_values, "csrf_token": "verlopen"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Het formulier was verlopen" in body
    assert 'value="Özdemir"' in body
    assert 'value="fatma.ozdemir@example.org"' in body
    assert 'name="csrf_token"' in body
    assert volunteers(db_session) == []


def test_a_general_signup_has_no_oproep_and_the_wijk_of_the_address(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    geography: Session,
    post_signup: PostSignup,
) -> None:
    assert post_signup(client, "/aanmelden").status_code == 302
    (volunteer,) = volunteers(db_session)
    assert volunteer.oproep_id is None
    assert volunteer.dispatch_id is None
    assert volunteer.wijk_code == STERRENBURG
    assert volunteer.contact_again is True
    compose_pending(app)
    (mail,) = outbox(db_session)
    assert mail.body_text is not None
    assert "U meldde zich aan als goede buur in Sterrenburg." in mail.body_text


def test_signing_up_twice_keeps_one_signup_says_so_by_mail_and_never_on_the_page(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    first = post_signup(client, scenario.path)
    # Same address in other letters, other details: still the same person for this oproep.
    second = post_signup(
        client,
        scenario.path,
        email="Fatma.Ozdemir@EXAMPLE.org",
        phone="0612345679",
        remote_addr="203.0.113.9",
    )
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    assert first.get_data() == second.get_data()
    (volunteer,) = volunteers(db_session)
    assert volunteer.phone == "+31612345678"  # the earlier sign-up is kept as it was
    confirm, again = outbox(db_session)
    assert confirm.kind == "signup_confirm"
    assert again.kind == "signup_again"
    # Written by the sender, not in the request: its time would tell the address was known.
    assert again.body_text is None
    assert compose_pending(app) == 2
    confirm, again = outbox(db_session)
    assert again.body_text is not None
    assert "U had zich al aangemeld" in again.body_text
    assert "/aanmelden/bevestigen/" in again.body_text  # still unconfirmed
    # A third time the same day: no third mail (nobody can flood an inbox this way).
    post_signup(client, scenario.path)
    assert len(outbox(db_session)) == 2
    assert len(volunteers(db_session)) == 1


def statements_of(app: Flask, send: Callable[[], object]) -> list[str]:
    """The SQL the app runs while ``send()`` runs, without its parameters."""
    seen: list[str] = []
    engine = app.extensions["database"].engine

    def record(
        _conn: object,
        _cursor: object,
        statement: str,
        _parameters: object,
        _context: object,
        _many: bool,
    ) -> None:
        seen.append(statement.split()[0].upper())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_known_address_costs_the_same_work_as_a_new_one(
    app: Flask,
    client: FlaskClient,
    scenario: OpenOproep,
    post_signup: PostSignup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whether an address signed up before must not show in the time a sign-up takes: both
    paths run the same kinds of statements (the known one an insert less) and neither
    renders a mail in the request."""
    from niemand_alleen.mail import outbox as outbox_module

    rendered: list[str] = []
    monkeypatch.setattr(outbox_module, "_render", lambda name, _context: rendered.append(name))
    new = statements_of(app, lambda: post_signup(client, scenario.path))
    known = statements_of(app, lambda: post_signup(client, scenario.path, remote_addr="192.0.2.5"))
    assert rendered == []
    assert [s for s in new if s != "INSERT"] == [s for s in known if s != "INSERT"]
    assert new.count("INSERT") - known.count("INSERT") == 1


def test_the_same_address_for_another_oproep_is_a_new_signup(
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    open_oproep_factory: OpenOproepFactory,
    post_signup: PostSignup,
) -> None:
    other = open_oproep_factory()
    post_signup(client, scenario.path)
    post_signup(client, other.path)
    post_signup(client, "/aanmelden")
    assert len(volunteers(db_session)) == 3
    assert [mail.kind for mail in outbox(db_session)] == ["signup_confirm"] * 3


def test_nothing_about_other_signups_is_shown(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    post_signup(client, scenario.path, email="eerste@example.org", last_name="Eerstebuur")
    other = client.application.test_client()
    for path in (scenario.path, "/aanmelden", "/aanmelden/verstuurd"):
        body = other.get(path).get_data(as_text=True)
        assert "Eerstebuur" not in body
        assert "eerste@example.org" not in body
    count = db_session.exec(select(func.count()).select_from(Volunteer)).one()
    assert count == 1


ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def test_in_english_the_oproep_says_it_is_written_in_dutch(
    app: Flask, client: FlaskClient, scenario: OpenOproep
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(contact_phone="078 123 45 67")
    body = client.get(scenario.path, headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="en">' in body
    note = body[body.index('id="oproep-taal"') : body.index("</p>", body.index('id="oproep-taal"'))]
    assert "The request below is written in Dutch." in note
    assert "Would you like help reading it? Call or email us" in note
    assert '<a href="tel:+31781234567">078 123 45 67</a>' in note
    # The text itself is marked as Dutch, for screen readers.
    text = body.index('<div class="oproep-text" lang="nl">')
    assert body.index("Een vrouw van in de 80 woont sinds kort alleen.") > text
    # Without a configured contact: the partner organisations.
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(contact_phone=None)
    body = client.get(scenario.path, headers=ENGLISH).get_data(as_text=True)
    assert "Please contact Samen Dordt or Buurtwerk Dordrecht." in body


def test_in_dutch_the_oproep_needs_no_language_note(
    client: FlaskClient, scenario: OpenOproep
) -> None:
    body = client.get(scenario.path, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'id="oproep-taal"' not in body
    assert '<div class="oproep-text" lang="nl">' in body


def test_the_motivation_says_its_limit_before_sending(client: FlaskClient) -> None:
    body = client.get("/aanmelden").get_data(as_text=True)
    assert "Een paar zinnen is genoeg, hoogstens 1000 tekens." in body
    field = body[body.index("<textarea") : body.index(">", body.index("<textarea"))]
    assert 'id="motivation"' in field
    assert 'maxlength="1000"' in field
    english = client.get("/aanmelden", headers=ENGLISH).get_data(as_text=True)
    assert "A few sentences are enough, at most 1000 characters." in english


def test_the_sent_page_says_how_long_the_confirm_link_works(client: FlaskClient) -> None:
    body = client.get("/aanmelden/verstuurd").get_data(as_text=True)
    assert "U hebt daar 7 dagen de tijd voor." in body
    assert "Dat kan 7 dagen" not in body
