"""The organisation form and the CSV upload form; the service checks the values (Dutch)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets

from niemand_alleen.organisations.service import OrganisationInput, WijkChoice


class OrganisationForm(FlaskForm):
    name = StringField("Naam van de organisatie", render_kw={"autocomplete": "organization"})
    contact_emails = TextAreaField(
        "E-mailadressen voor oproepen",
        render_kw={"rows": 4, "spellcheck": "false", "autocomplete": "off"},
    )
    wijken = SelectMultipleField(
        "In welke wijken is de organisatie actief?",
        # The service checks the codes, with a Dutch message (WTForms' own is English).
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    note = TextAreaField("Notitie (alleen voor beheerders en coördinatoren)", render_kw={"rows": 4})

    def set_wijk_choices(self, choices: Sequence[WijkChoice]) -> None:
        self.wijken.choices = [SelectChoice(choice.code, choice.label) for choice in choices]

    def to_input(self) -> OrganisationInput:
        return OrganisationInput(
            name=self.name.data,
            contact_emails=self.contact_emails.data,
            wijken=list(self.wijken.data or []),
            note=self.note.data,
        )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV-bestand",
        validators=[FileRequired("Kies een CSV-bestand.")],
        render_kw={"accept": ".csv,text/csv"},
    )
