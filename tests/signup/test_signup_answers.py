"""Checking what a neighbour typed (pure: no app, no database); the pages' own tests post
the same cases through the form."""

from __future__ import annotations

import pytest

from niemand_alleen.config import DORDRECHT_PC4
from niemand_alleen.signup.answers import (
    MSG_CONSENT,
    kilometres,
    msg_outside_area,
    outside_area,
    read_signup,
)

GOOD = {
    "first_name": "  Fatma ",
    "last_name": "van der Berg-de Vries",
    "email": "Fatma@Example.org",
    "phone": "06 12345678",
    "postcode": "3328 ab",
    "house_number": "14 b",
    "availability": "  zaterdag\n ochtend ",
    "motivation": "",
    "languages": "Nederlands, Turks",
    "consent": "y",
    "csrf_token": "ignored here",
}
REQUIRED = ("first_name", "last_name", "email", "phone", "postcode", "house_number", "consent")


def test_good_answers_come_back_normalised() -> None:
    answers = read_signup(GOOD, DORDRECHT_PC4)
    assert answers.errors == {}
    data = answers.input
    assert data is not None
    assert data.first_name == "Fatma"
    assert data.last_name == "van der Berg-de Vries"
    assert data.email == "Fatma@example.org"  # the domain in lower case, as email-validator does
    assert data.phone == "+31612345678"
    assert data.postcode == "3328AB"
    assert data.house_number == "14B"
    assert data.availability == "zaterdag ochtend"
    assert data.motivation is None
    assert data.languages == "Nederlands, Turks"
    assert data.contact_again is False


@pytest.mark.parametrize(
    ("value", "ticked"), [("y", True), ("on", True), ("", False), ("false", False)]
)
def test_contact_again_is_a_checkbox(value: str, ticked: bool) -> None:
    data = read_signup({**GOOD, "contact_again": value}, DORDRECHT_PC4).input
    assert data is not None
    assert data.contact_again is ticked


def test_an_empty_form_names_every_required_field_and_nothing_optional() -> None:
    answers = read_signup({}, DORDRECHT_PC4)
    assert answers.input is None
    assert set(answers.errors) == set(REQUIRED)
    assert answers.errors["first_name"] == "Vul de voornaam in."
    assert answers.errors["consent"] == MSG_CONSENT


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("postcode", "0123 AB", "postcode"),
        ("postcode", "3328 SS", "postcode"),
        ("house_number", "abc", "huisnummer"),
        ("email", "fatma@", "e-mailadres"),
        ("phone", "06-BLOEMEN", "cijfers"),
        ("first_name", "x" * 500, "hoogstens"),
        ("last_name", "<script>", "letters"),
        ("motivation", "x" * 1001, "hoogstens 1000 tekens"),
        ("consent", "false", "privacyverklaring"),
    ],
)
def test_each_wrong_field_gets_its_own_message_and_no_input(
    name: str, value: str, message: str
) -> None:
    answers = read_signup({**GOOD, name: value}, DORDRECHT_PC4)
    assert answers.input is None
    assert list(answers.errors) == [name]
    assert message in answers.errors[name].lower()


def test_errors_come_in_the_order_of_the_form() -> None:
    answers = read_signup({**GOOD, "consent": "", "phone": "x", "first_name": ""}, DORDRECHT_PC4)
    assert list(answers.errors) == ["first_name", "phone", "consent"]


@pytest.mark.parametrize(("postcode", "pc4"), [("1012 AB", "1012"), ("3351ab", "3351")])
def test_a_postcode_outside_the_area_waits_for_the_go_on_box(postcode: str, pc4: str) -> None:
    answers = read_signup({**GOOD, "postcode": postcode}, DORDRECHT_PC4)
    assert answers.input is None
    assert list(answers.errors) == ["outside_area"]
    message = answers.errors["outside_area"]
    assert message == msg_outside_area(pc4 + "AB", "Dordrecht")
    assert "Niemand Alleen is er voor Dordrecht." in message
    assert f"Uw postcode {pc4} AB ligt buiten Dordrecht." in message

    ticked = read_signup({**GOOD, "postcode": postcode, "outside_area": "y"}, DORDRECHT_PC4)
    assert ticked.errors == {}
    assert ticked.input is not None
    assert ticked.input.outside_area is True


def test_inside_the_area_the_box_changes_nothing() -> None:
    for postcode in ("3311 AB", "3319 ZZ", "3328 AB", "3329 AK"):
        data = read_signup({**GOOD, "postcode": postcode, "outside_area": "y"}, DORDRECHT_PC4)
        assert data.input is not None, postcode
        assert data.input.outside_area is False


def test_the_area_comes_from_the_caller() -> None:
    answers = read_signup({**GOOD, "postcode": "3351 AB"}, frozenset({"3351"}))
    assert answers.input is not None
    assert answers.input.outside_area is False
    refused = read_signup(GOOD, frozenset({"3351"}))
    assert list(refused.errors) == ["outside_area"]


def test_a_wrong_postcode_keeps_its_own_message_and_no_area_question() -> None:
    answers = read_signup({**GOOD, "postcode": "1012"}, DORDRECHT_PC4)
    assert list(answers.errors) == ["postcode"]
    assert "4 cijfers en 2 letters" in answers.errors["postcode"]
    assert outside_area("1012", DORDRECHT_PC4) is False
    assert outside_area("0123 AB", DORDRECHT_PC4) is False
    assert outside_area(None, DORDRECHT_PC4) is False
    assert outside_area(" 1012ab ", DORDRECHT_PC4) is True
    assert outside_area("3311 AB", DORDRECHT_PC4) is False


def test_the_area_question_comes_after_the_address_in_the_errors() -> None:
    answers = read_signup(
        {**GOOD, "postcode": "1012 AB", "phone": "x", "consent": ""}, DORDRECHT_PC4
    )
    assert list(answers.errors) == ["phone", "outside_area", "consent"]


def test_distances_are_written_the_dutch_way() -> None:
    assert kilometres(2.0) == "2 km"
    assert kilometres(2.5) == "2,5 km"
