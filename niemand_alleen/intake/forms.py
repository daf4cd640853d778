"""The aanmelding form (buurtwerker) and the review form (coordinator); Dutch messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)

from niemand_alleen import validation
from niemand_alleen.forms import checked
from niemand_alleen.geo import (
    HouseNumberError,
    PostcodeError,
    normalise_house_number,
    normalise_postcode,
)
from niemand_alleen.intake.service import HELP_CHOICES, AanmeldingInput
from niemand_alleen.models import LawfulBasisArt6, LawfulBasisArt9, utcnow
from niemand_alleen.signup import outside_area
from niemand_alleen.web_helpers import current_settings

SITUATION_MAX_LENGTH = 5000
SHORT_TEXT_MAX_LENGTH = 500
DEADLINE_MAX_DAYS = 120
T = TypeVar("T")

# The reasons in plain words (B1); the law's own terms are in ``*_LEGAL_TERMS``, shown in a
# hint for whoever needs them.
ART6_LABELS = {
    LawfulBasisArt6.PUBLIC_TASK: "Het hoort bij het werk van de gemeente",
    LawfulBasisArt6.CONSENT: "De bewoner gaf toestemming",
    LawfulBasisArt6.LEGITIMATE_INTEREST: "Een goede reden die zwaarder weegt dan de privacy",
    LawfulBasisArt6.VITAL_INTEREST: "Het is nodig om de bewoner uit gevaar te helpen",
}
ART9_LABELS = {
    LawfulBasisArt9.EXPLICIT_CONSENT: "De bewoner gaf zelf duidelijk toestemming",
    LawfulBasisArt9.SOCIAL_CARE: "Het is nodig voor de hulp aan de bewoner",
    LawfulBasisArt9.VITAL_INTEREST: "Het is nodig om de bewoner uit gevaar te helpen",
    LawfulBasisArt9.NOT_APPLICABLE: "Ik schrijf niets over gezondheid of een beperking",
}
ART6_LEGAL_TERMS = {
    LawfulBasisArt6.PUBLIC_TASK: "taak van algemeen belang (AVG art. 6 lid 1 sub e)",
    LawfulBasisArt6.CONSENT: "toestemming (AVG art. 6 lid 1 sub a)",
    LawfulBasisArt6.LEGITIMATE_INTEREST: "gerechtvaardigd belang (AVG art. 6 lid 1 sub f)",
    LawfulBasisArt6.VITAL_INTEREST: "vitaal belang (AVG art. 6 lid 1 sub d)",
}
ART9_LEGAL_TERMS = {
    LawfulBasisArt9.EXPLICIT_CONSENT: "uitdrukkelijke toestemming (AVG art. 9 lid 2 sub a)",
    LawfulBasisArt9.SOCIAL_CARE: (
        "noodzakelijk voor sociale dienstverlening en zorg (AVG art. 9 lid 2 sub h)"
    ),
    LawfulBasisArt9.VITAL_INTEREST: "vitaal belang (AVG art. 9 lid 2 sub c)",
    LawfulBasisArt9.NOT_APPLICABLE: "geen bijzondere persoonsgegevens",
}
# No reason is chosen beforehand: the law asks that someone chooses it (never a default).
NO_CHOICE = SelectChoice("", "Kies een reden")
MSG_OUTSIDE_AREA = "Deze postcode ligt buiten het werkgebied van Niemand Alleen."


# The geography's messages speak to the person typing their own address ("uw postcode");
# the buurtwerker types the resident's.
_RESIDENT_WORDING = {
    ("postcode", "empty"): "Vul de postcode van de bewoner in.",
    ("postcode", "incomplete"): (
        "Vul de hele postcode van de bewoner in: 4 cijfers en 2 letters, bijvoorbeeld 3311 AB."
    ),
    ("postcode", "not_issued"): "Deze postcode bestaat niet. Kijk de letters van de postcode na.",
    ("house_number", "empty"): "Vul het huisnummer van de bewoner in.",
    ("house_number", "suffix_too_long"): (
        "De toevoeging bij het huisnummer is te lang. Gebruik hoogstens 6 tekens."
    ),
}


def _about_the_resident(normalise: Callable[[str], T], raw: str | None) -> T:
    try:
        return normalise(raw or "")
    except PostcodeError as error:
        error.message = _RESIDENT_WORDING.get(("postcode", error.code), error.message)
        raise
    except HouseNumberError as error:
        error.message = _RESIDENT_WORDING.get(("house_number", error.code), error.message)
        raise


class AanmeldingForm(FlaskForm):
    first_name = StringField("Voornaam", render_kw={"autocomplete": "off"})
    last_name = StringField("Achternaam", render_kw={"autocomplete": "off"})
    street = StringField("Straat", render_kw={"autocomplete": "off"})
    house_number = StringField(
        "Huisnummer en toevoeging", render_kw={"autocomplete": "off", "class": "short"}
    )
    postcode = StringField(
        "Postcode", render_kw={"autocomplete": "off", "class": "short", "spellcheck": "false"}
    )
    phone = StringField("Telefoonnummer", render_kw={"autocomplete": "off", "inputmode": "tel"})
    email = StringField(
        "E-mailadres (als de bewoner dat heeft)",
        render_kw={"autocomplete": "off", "inputmode": "email", "spellcheck": "false"},
    )
    birth_date = StringField(
        "Geboortedatum", render_kw={"autocomplete": "off", "class": "short", "inputmode": "numeric"}
    )
    situation = TextAreaField("Situatie", render_kw={"rows": 8})
    help_wished = SelectMultipleField(
        "Welke hulp of welk gezelschap wordt gezocht?",
        choices=[SelectChoice(code, label) for code, label in HELP_CHOICES.items()],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=True,
    )
    help_other = StringField("Anders, namelijk", render_kw={"autocomplete": "off"})
    preferences = StringField("Voorkeuren", render_kw={"autocomplete": "off"})
    lawful_basis_art6 = SelectField(
        "Waarom mogen we deze gegevens bewaren?",
        choices=[NO_CHOICE] + [SelectChoice(k.value, label) for k, label in ART6_LABELS.items()],
        default="",
    )
    lawful_basis_art9 = SelectField(
        "Waarom mogen we iets over de gezondheid bewaren?",
        choices=[NO_CHOICE] + [SelectChoice(k.value, label) for k, label in ART9_LABELS.items()],
        default="",
    )
    consent_date = StringField(
        "Datum van de toestemming",
        render_kw={"autocomplete": "off", "class": "short", "inputmode": "numeric"},
    )
    deadline = StringField(
        "Aanmelden kan tot en met",
        render_kw={"autocomplete": "off", "class": "short", "inputmode": "numeric"},
    )

    def validate_first_name(self, field: Field) -> None:
        field.data = checked(lambda: validation.person_name(field.data, label="voornaam"))

    def validate_last_name(self, field: Field) -> None:
        field.data = checked(lambda: validation.person_name(field.data, label="achternaam"))

    def validate_street(self, field: Field) -> None:
        value = " ".join((field.data or "").split())
        validation.no_line_breaks(field.data or "", "Een straat staat op één regel.")
        if not value:
            raise ValidationError("Vul de straat in.")
        if len(value) > 120:
            raise ValidationError("Een straatnaam is hoogstens 120 tekens lang.")
        field.data = value

    def validate_house_number(self, field: Field) -> None:
        field.data = str(checked(lambda: _about_the_resident(normalise_house_number, field.data)))

    def validate_postcode(self, field: Field) -> None:
        field.data = checked(lambda: _about_the_resident(normalise_postcode, field.data))
        if outside_area(field.data, current_settings().service_area_pc4):
            raise ValidationError(MSG_OUTSIDE_AREA)

    def validate_phone(self, field: Field) -> None:
        field.data = checked(lambda: validation.phone_number(field.data))

    def validate_email(self, field: Field) -> None:
        field.data = checked(lambda: validation.email_address(field.data, required=False))

    def validate_birth_date(self, field: Field) -> None:
        today = utcnow().date()
        field.parsed = checked(lambda: validation.birth_date(field.data, today=today))

    def validate_situation(self, field: Field) -> None:
        field.data = checked(
            lambda: validation.free_text(
                field.data, label="de situatie", max_length=SITUATION_MAX_LENGTH
            )
        )

    def validate_help_other(self, field: Field) -> None:
        field.data = checked(
            lambda: validation.free_text(
                field.data, label="de hulp", max_length=SHORT_TEXT_MAX_LENGTH
            )
        )

    def validate_preferences(self, field: Field) -> None:
        field.data = checked(
            lambda: validation.free_text(
                field.data, label="de voorkeuren", max_length=SHORT_TEXT_MAX_LENGTH
            )
        )

    def validate_help_wished(self, field: Field) -> None:
        if not field.data and not (self.help_other.data or "").strip():
            raise ValidationError("Kies minstens één soort hulp, of vul in wat er nodig is.")

    def validate_lawful_basis_art6(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Kies waarom we de gegevens van de bewoner mogen bewaren.")

    def validate_lawful_basis_art9(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(
                "Kies waarom we iets over de gezondheid mogen bewaren. Schrijft u daar niets "
                "over? Kies dan ‘Ik schrijf niets over gezondheid of een beperking’."
            )

    def validate_consent_date(self, field: Field) -> None:
        field.parsed = None
        if self.lawful_basis_art9.data != LawfulBasisArt9.EXPLICIT_CONSENT.value:
            return
        if not (field.data or "").strip():
            raise ValidationError("Vul in op welke dag de bewoner toestemming gaf.")
        consent = checked(lambda: validation.parse_date(field.data, label="datum"))
        if consent > utcnow().date():
            raise ValidationError("De datum van de toestemming kan niet in de toekomst liggen.")
        field.parsed = consent

    def validate_deadline(self, field: Field) -> None:
        deadline = checked(lambda: validation.parse_date(field.data, label="einddatum"))
        today = utcnow().date()
        if deadline <= today:
            raise ValidationError("Kies een einddatum na vandaag.")
        if deadline > today + timedelta(days=DEADLINE_MAX_DAYS):
            raise ValidationError(
                f"Kies een einddatum binnen {DEADLINE_MAX_DAYS} dagen, "
                "zodat de oproep actueel blijft."
            )
        field.parsed = deadline

    def to_input(self) -> AanmeldingInput:
        return AanmeldingInput(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            street=self.street.data,
            house_number=self.house_number.data,
            postcode=self.postcode.data,
            phone=self.phone.data,
            email=self.email.data,
            birth_date=self.birth_date.parsed,
            situation=self.situation.data,
            help_wished=tuple(self.help_wished.data or ()),
            help_other=self.help_other.data,
            preferences=self.preferences.data,
            lawful_basis_art6=LawfulBasisArt6(self.lawful_basis_art6.data),
            lawful_basis_art9=LawfulBasisArt9(self.lawful_basis_art9.data),
            consent_date=self.consent_date.parsed,
            deadline=self.deadline.parsed,
        )


def default_deadline() -> date:
    return utcnow().date() + timedelta(days=21)


class ReviewForm(FlaskForm):
    text = TextAreaField("Tekst van de oproep", render_kw={"rows": 10})
    warnings_checked = BooleanField(
        "Ik heb de waarschuwingen en gemarkeerde woorden gecontroleerd: de tekst maakt de "
        "bewoner en anderen niet herkenbaar."
    )

    def validate_text(self, field: Field) -> None:
        field.data = checked(
            lambda: validation.free_text(
                field.data, label="de tekst van de oproep", max_length=2000, required=True
            )
        )
