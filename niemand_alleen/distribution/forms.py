"""Forms of the distribution pages; the organisation choice is read from the checkboxes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired


class SendForm(FlaskForm):
    """CSRF only: the chosen organisations come as ``organisation`` values (checked ids)."""


class RemindForm(FlaskForm):
    pass


class CancelForm(FlaskForm):
    confirm = BooleanField(
        "Ja, stop deze oproep. De organisaties krijgen bericht dat ze hem niet meer "
        "hoeven door te sturen.",
        validators=[InputRequired("Vink aan dat u de oproep wilt stoppen.")],
    )
