"""Staff forms; messages in plain Dutch."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length

from niemand_alleen.models import Role

ROLE_LABELS = {
    Role.BEHEERDER: "Beheerder",
    Role.COORDINATOR: "Coördinator",
    Role.BUURTWERKER: "Buurtwerker",
}


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mailadres",
        validators=[
            DataRequired("Vul uw e-mailadres in."),
            Length(max=254, message="Hoogstens 254 tekens."),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Wachtwoord",
        validators=[
            DataRequired("Vul uw wachtwoord in."),
            Length(max=128, message="Hoogstens 128 tekens."),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class NewUserForm(FlaskForm):
    name = StringField(
        "Naam",
        validators=[
            DataRequired("Vul een naam in."),
            Length(max=120, message="Hoogstens 120 tekens."),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        "E-mailadres",
        validators=[
            DataRequired("Vul een e-mailadres in."),
            Length(max=254, message="Hoogstens 254 tekens."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    role = SelectField(
        "Rol",
        # SelectChoice, not (value, label) tuples: tuples are deprecated in WTForms 3.3.
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Kies een rol.")],
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[
            DataRequired("Vul de code in."),
            Length(max=40, message="Hoogstens 40 tekens."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class EnrolForm(CodeForm):
    # The secret shown in the QR code travels with the form until a code confirms it.
    secret = HiddenField(validators=[Length(max=64, message="Deze code is te lang.")])


STRENGTH_HINT = "Minstens 12 tekens. Een zin van een paar woorden is sterk en goed te onthouden."
_TOO_LONG = Length(max=1000, message="Hoogstens 1000 tekens.")


def _new_password() -> PasswordField:
    return PasswordField(
        "Nieuw wachtwoord",
        validators=[DataRequired("Vul een nieuw wachtwoord in."), _TOO_LONG],
        render_kw={"autocomplete": "new-password"},
    )


def _repeat_password() -> PasswordField:
    return PasswordField(
        "Nieuw wachtwoord nog een keer",
        validators=[DataRequired("Vul het nieuwe wachtwoord nog een keer in."), _TOO_LONG],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Huidig wachtwoord",
        validators=[DataRequired("Vul uw huidige wachtwoord in."), _TOO_LONG],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password()
    repeat_password = _repeat_password()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mailadres",
        validators=[
            DataRequired("Vul uw e-mailadres in."),
            Length(max=254, message="Hoogstens 254 tekens."),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class ResetPasswordForm(FlaskForm):
    new_password = _new_password()
    repeat_password = _repeat_password()
