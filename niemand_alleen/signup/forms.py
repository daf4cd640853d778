"""The public sign-up form of good neighbours, as drawn; what was typed is checked by
``answers.read_signup``."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString, gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TelField, TextAreaField

from niemand_alleen.signup.answers import MOTIVATION_MAX_LENGTH
from niemand_alleen.web_helpers import current_settings

HONEYPOT_FIELD = "website"


def _outside_area_label() -> str:
    """The "toch helpen" box, naming the configured service area (``SERVICE_AREA_NAME``)."""
    return gettext(
        "Ik wil toch helpen, ook al woon ik buiten %(area)s.",
        area=current_settings().service_area_name,
    )


class SignupForm(FlaskForm):
    first_name = StringField(
        lazy_gettext("Voornaam"),
        render_kw={"autocomplete": "given-name", "autocapitalize": "words", "spellcheck": "false"},
    )
    last_name = StringField(
        lazy_gettext("Achternaam"),
        render_kw={"autocomplete": "family-name", "autocapitalize": "words", "spellcheck": "false"},
    )
    email = EmailField(
        lazy_gettext("E-mailadres"),
        render_kw={
            "autocomplete": "email",
            "inputmode": "email",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    phone = TelField(
        lazy_gettext("Telefoonnummer"), render_kw={"autocomplete": "tel", "inputmode": "tel"}
    )
    postcode = StringField(
        lazy_gettext("Postcode"),
        render_kw={
            "autocomplete": "postal-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "class": "short",
        },
    )
    house_number = StringField(
        lazy_gettext("Huisnummer en toevoeging"),
        render_kw={"spellcheck": "false", "class": "short"},
    )
    # Shown only when the postcode lies outside the service area (``answers.outside_area``).
    outside_area = BooleanField(LazyString(_outside_area_label))
    availability = StringField(lazy_gettext("Wanneer kunt u? (niet verplicht)"))
    motivation = TextAreaField(
        lazy_gettext("Waarom wilt u goede buur zijn? (niet verplicht)"),
        render_kw={"rows": 4, "maxlength": MOTIVATION_MAX_LENGTH},
    )
    languages = StringField(lazy_gettext("Welke talen spreekt u? (niet verplicht)"))
    consent = BooleanField(
        lazy_gettext(
            "Ik heb de privacyverklaring gelezen. Niemand Alleen mag mijn gegevens bewaren "
            "voor deze aanmelding."
        )
    )
    contact_again = BooleanField(
        lazy_gettext("U mag mij ook vragen voor latere oproepen in mijn wijk.")
    )

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show the messages of ``answers.read_signup`` at their fields (the form holds what
        was typed)."""
        for name, message in errors.items():
            self[name].errors = [message]


class LinkForm(FlaskForm):
    """The button behind a link from a mail (confirm, withdraw): only the CSRF token."""
