"""Forms of the follow-up page (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from niemand_alleen import validation
from niemand_alleen.forms import checked
from niemand_alleen.matching.service import (
    DECLINE_LABELS,
    DECLINE_REASON_MAX,
    EARLY_FOLLOWUP_LABELS,
    Action,
)
from niemand_alleen.models import FollowupOutcome


class DecisionForm(FlaskForm):
    action = SelectField(
        "Uitkomst",
        choices=[SelectChoice(action.value, action.value) for action in Action],
        validators=[InputRequired()],
    )
    decline_code = SelectField(
        "Reden",
        choices=[SelectChoice("", "Kies een reden")]
        + [SelectChoice(code.value, label) for code, label in DECLINE_LABELS.items()],
        validators=[Optional()],
    )
    reason = TextAreaField(
        "Toelichting (alleen voor coördinatoren)",
        validators=[Optional(), Length(max=DECLINE_REASON_MAX)],
    )
    veto = BooleanField("De bewoner wil deze buur niet, ook niet bij een volgende oproep")


class CsrfForm(FlaskForm):
    pass


class ReopenForm(FlaskForm):
    # A text field, not a date picker: a picker shows the computer's date order (often
    # mm/dd/yyyy); typed dates are read as dd-mm-jjjj (see validation.parse_date).
    deadline = StringField(
        "Nieuwe einddatum",
        render_kw={"autocomplete": "off", "class": "short", "inputmode": "numeric"},
    )

    def validate_deadline(self, field: Field) -> None:
        field.parsed = checked(lambda: validation.parse_date(field.data, label="nieuwe einddatum"))


class FollowupForm(FlaskForm):
    outcome = RadioField(
        "Is het netwerk nog actief?",
        choices=[
            SelectChoice(FollowupOutcome.ACTIVE.value, "Ja, het netwerk is actief"),
            SelectChoice(FollowupOutcome.ENDED.value, "Nee, het netwerk is gestopt"),
            SelectChoice(FollowupOutcome.UNKNOWN.value, "Weet ik niet (niemand bereikt)"),
        ],
        validators=[InputRequired("Kies een antwoord.")],
    )
    # Only asked before the six weeks are over (the page says so).
    early_reason = SelectField(
        "Waarom nu al?",
        choices=[SelectChoice("", "Kies een reden")]
        + [SelectChoice(reason.value, label) for reason, label in EARLY_FOLLOWUP_LABELS.items()],
        default="",  # not on the form after day 42
        validate_choice=True,
    )
