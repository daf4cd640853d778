"""The public sign-up form of good neighbours; every message in plain Dutch (B1)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, StringField, TelField, TextAreaField
from wtforms.validators import ValidationError

from niemand_alleen import validation
from niemand_alleen.forms import checked
from niemand_alleen.geo import (
    normalise_house_number,
    normalise_postcode,
)
from niemand_alleen.signup.service import SignupInput

AVAILABILITY_MAX_LENGTH = 300
MOTIVATION_MAX_LENGTH = 1000
LANGUAGES_MAX_LENGTH = 200
HONEYPOT_FIELD = "website"
MSG_CONSENT = (
    "Vink aan dat u de privacyverklaring hebt gelezen. "
    "Zonder uw toestemming kunnen we uw aanmelding niet bewaren."
)


def _one_line(raw: str | None, label: str, max_length: int) -> str:
    value = " ".join((raw or "").split())
    return validation.free_text(value, label=label, max_length=max_length)


class SignupForm(FlaskForm):
    first_name = StringField(
        "Voornaam",
        render_kw={"autocomplete": "given-name", "autocapitalize": "words", "spellcheck": "false"},
    )
    last_name = StringField(
        "Achternaam",
        render_kw={"autocomplete": "family-name", "autocapitalize": "words", "spellcheck": "false"},
    )
    email = EmailField(
        "E-mailadres",
        render_kw={
            "autocomplete": "email",
            "inputmode": "email",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    phone = TelField("Telefoonnummer", render_kw={"autocomplete": "tel", "inputmode": "tel"})
    postcode = StringField(
        "Postcode",
        render_kw={
            "autocomplete": "postal-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "class": "short",
        },
    )
    house_number = StringField(
        "Huisnummer en toevoeging", render_kw={"spellcheck": "false", "class": "short"}
    )
    availability = StringField("Wanneer kunt u? (niet verplicht)")
    motivation = TextAreaField(
        "Waarom wilt u goede buur zijn? (niet verplicht)", render_kw={"rows": 4}
    )
    languages = StringField("Welke talen spreekt u? (niet verplicht)")
    consent = BooleanField(
        "Ik heb de privacyverklaring gelezen. Niemand Alleen mag mijn gegevens bewaren "
        "voor deze aanmelding."
    )
    contact_again = BooleanField("U mag mij ook vragen voor latere oproepen in mijn wijk.")

    def validate_first_name(self, field: Field) -> None:
        field.data = checked(lambda: validation.person_name(field.data, label="voornaam"))

    def validate_last_name(self, field: Field) -> None:
        field.data = checked(lambda: validation.person_name(field.data, label="achternaam"))

    def validate_email(self, field: Field) -> None:
        field.data = checked(lambda: validation.email_address(field.data, required=True))

    def validate_phone(self, field: Field) -> None:
        field.data = checked(lambda: validation.phone_number(field.data))

    def validate_postcode(self, field: Field) -> None:
        field.data = checked(lambda: normalise_postcode(field.data or ""))

    def validate_house_number(self, field: Field) -> None:
        field.data = str(checked(lambda: normalise_house_number(field.data or "")))

    def validate_availability(self, field: Field) -> None:
        field.data = checked(
            lambda: _one_line(field.data, "wanneer u kunt", AVAILABILITY_MAX_LENGTH)
        )

    def validate_motivation(self, field: Field) -> None:
        field.data = checked(
            lambda: validation.free_text(
                field.data, label="waarom", max_length=MOTIVATION_MAX_LENGTH
            )
        )

    def validate_languages(self, field: Field) -> None:
        field.data = checked(lambda: _one_line(field.data, "de talen", LANGUAGES_MAX_LENGTH))

    def validate_consent(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(MSG_CONSENT)

    def to_input(self) -> SignupInput:
        return SignupInput(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.email.data,
            phone=self.phone.data,
            postcode=self.postcode.data,
            house_number=self.house_number.data,
            availability=self.availability.data or None,
            motivation=self.motivation.data or None,
            languages=self.languages.data or None,
            contact_again=bool(self.contact_again.data),
        )


class LinkForm(FlaskForm):
    """The button behind a link from a mail (confirm, withdraw): only the CSRF token."""
