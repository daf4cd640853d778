"""Sign-ups from outside the service area (Dordrecht by default): the form asks whether the
neighbour still wants to help, stores nothing until they tick that, and then marks the
sign-up as outside the area. Both forms, both databases."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from oproep_support import OpenOproep
from sqlmodel import Session, col, select
from support import PostSignup

from niemand_alleen.models import OutboxMail, SignupRate, Volunteer

OUTSIDE = [("1012 AB", "1012", "Amsterdam"), ("3351 AB", "3351", "Papendrecht")]
GO_ON = "Ik wil toch helpen, ook al woon ik buiten Dordrecht."


def volunteers(session: Session) -> list[Volunteer]:
    session.rollback()
    return list(session.exec(select(Volunteer)).all())


def outbox(session: Session) -> list[OutboxMail]:
    session.rollback()
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


@pytest.fixture(params=["oproep", "general"])
def form_path(request: pytest.FixtureRequest, scenario: OpenOproep) -> str:
    """The per-oproep form (the link an organisation forwards) and the general one."""
    return scenario.path if request.param == "oproep" else "/aanmelden"


@pytest.mark.parametrize(("postcode", "pc4", "place"), OUTSIDE)
def test_a_postcode_outside_dordrecht_is_asked_about_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    form_path: str,
    post_signup: PostSignup,
    postcode: str,
    pc4: str,
    place: str,
) -> None:
    response = post_signup(
        client, form_path, postcode=postcode, motivation="Ik werk in Dordrecht, bij het Hof."
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Fout: " in body
    # The message says plainly whom the service is for, and what to do.
    message = (
        f"Niemand Alleen is er voor Dordrecht. Uw postcode {pc4} AB ligt buiten Dordrecht."
        " Wilt u toch helpen? Vink dan het vakje aan."
    )
    assert body.count(message) == 2  # in the summary (a link to the box) and at the box
    assert '<a href="#outside_area">' in body
    assert "U woont niet in Dordrecht." in body
    assert "niet verder dan 2 km bij u vandaan woont" in body
    assert "Kijk dan uw postcode na." in body
    # The box, not ticked, described by the explanation and the message.
    assert f'<label for="outside_area">{GO_ON}</label>' in body
    assert (
        '<input aria-describedby="outside-area-hint outside_area-error" aria-invalid="true"'
        ' id="outside_area" name="outside_area" type="checkbox" value="y">'
    ) in body
    # Everything typed is still there.
    for value in (
        "Fatma",
        "Özdemir",
        "fatma.ozdemir@example.org",
        "06 12345678",
        postcode,
        "14 b",
        "Ik werk in Dordrecht, bij het Hof.",
    ):
        assert str(escape(value)) in body, value
    assert '<input aria-describedby="consent-hint" checked id="consent"' in body
    # Nothing stored, nothing queued: only the attempt counted for the sender's limit.
    assert volunteers(db_session) == []
    assert outbox(db_session) == []
    assert all(row.bucket.startswith("address:") for row in db_session.exec(select(SignupRate)))


@pytest.mark.parametrize(("postcode", "pc4", "place"), OUTSIDE)
def test_ticking_the_box_takes_the_signup_marked_outside_the_area(
    client: FlaskClient,
    db_session: Session,
    form_path: str,
    post_signup: PostSignup,
    postcode: str,
    pc4: str,
    place: str,
) -> None:
    refused = post_signup(client, form_path, postcode=postcode)
    assert "ligt buiten Dordrecht" in refused.get_data(as_text=True)
    response = post_signup(client, form_path, postcode=postcode, outside_area="y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/aanmelden/verstuurd"
    (volunteer,) = volunteers(db_session)
    assert volunteer.outside_area is True
    assert volunteer.pc4 == pc4
    assert volunteer.wijk_code is None  # no Dordrecht wijk
    (mail,) = outbox(db_session)
    assert mail.kind == "signup_confirm"


def test_a_signup_inside_dordrecht_is_taken_without_the_question(
    client: FlaskClient, db_session: Session, form_path: str, post_signup: PostSignup
) -> None:
    page = client.get(form_path).get_data(as_text=True)
    assert 'name="outside_area"' not in page
    # A ticked box from an earlier outside postcode changes nothing once it is put right.
    response = post_signup(client, form_path, postcode="3311 AB", outside_area="y")
    assert response.status_code == 302
    (volunteer,) = volunteers(db_session)
    assert volunteer.outside_area is False
    assert volunteer.pc4 == "3311"


def test_the_ticked_box_stays_ticked_when_another_field_is_wrong(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    response = post_signup(
        client, scenario.path, postcode="3351 AB", outside_area="y", phone="06-BLOEMEN"
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Een telefoonnummer bestaat alleen uit cijfers" in body
    assert "ligt buiten Dordrecht" not in body  # answered already: no message
    assert 'checked id="outside_area" name="outside_area" type="checkbox"' in body
    assert volunteers(db_session) == []
    assert outbox(db_session) == []


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("1012", "Vul uw hele postcode in: 4 cijfers en 2 letters"),
        ("0123 AB", "Vul een geldige postcode in"),
        ("1012 SS", "Deze postcode bestaat niet."),
    ],
)
def test_a_wrong_postcode_keeps_its_own_message_without_the_question(
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
    postcode: str,
    message: str,
) -> None:
    body = post_signup(client, scenario.path, postcode=postcode).get_data(as_text=True)
    assert message in body
    assert "buiten Dordrecht" not in body
    assert 'name="outside_area"' not in body
    assert volunteers(db_session) == []


def test_the_service_area_is_the_configured_one(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides(
        service_area_pc4=settings.service_area_pc4 | {"3351"}, outside_area_max_distance_km=1.5
    )
    assert post_signup(client, scenario.path, postcode="3351 AB").status_code == 302
    (volunteer,) = volunteers(db_session)
    assert volunteer.outside_area is False
    body = post_signup(
        client, scenario.path, postcode="1012 AB", email="ander@example.org"
    ).get_data(as_text=True)
    assert "niet verder dan 1,5 km bij u vandaan woont" in body
    assert len(volunteers(db_session)) == 1


def test_an_expired_form_keeps_the_question_and_the_ticked_box(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    response = client.post(
        scenario.path,
        data={"postcode": "3351 AB", "outside_area": "y", "csrf_token": "verlopen"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Het formulier was verlopen." in body
    assert 'checked id="outside_area" name="outside_area" type="checkbox"' in body
    assert volunteers(db_session) == []


def test_the_form_names_the_configured_service_area(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides(service_area_name="de Drechtsteden")
    body = post_signup(client, scenario.path, postcode="1012 AB").get_data(as_text=True)
    assert "Uw postcode 1012 AB ligt buiten de Drechtsteden." in body
    assert "ook al woon ik buiten de Drechtsteden" in body
    assert "Dordrecht" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert volunteers(db_session) == []
