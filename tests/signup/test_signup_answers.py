"""Checking what a neighbour typed (pure: no app, no database); the pages' own tests post
the same cases through the form."""

from __future__ import annotations

import pytest

from niemand_alleen.signup.answers import MSG_CONSENT, read_signup

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
    answers = read_signup(GOOD)
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
    data = read_signup({**GOOD, "contact_again": value}).input
    assert data is not None
    assert data.contact_again is ticked


def test_an_empty_form_names_every_required_field_and_nothing_optional() -> None:
    answers = read_signup({})
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
    answers = read_signup({**GOOD, name: value})
    assert answers.input is None
    assert list(answers.errors) == [name]
    assert message in answers.errors[name].lower()


def test_errors_come_in_the_order_of_the_form() -> None:
    answers = read_signup({**GOOD, "consent": "", "phone": "x", "first_name": ""})
    assert list(answers.errors) == ["first_name", "phone", "consent"]
