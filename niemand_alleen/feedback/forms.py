"""The public questionnaire form: three scores on a 5-point scale and one open question.

Every message is Dutch and goes through ``gettext`` (an English locale may follow). A score
that is missing or not 1–5, or an open answer that is too long, is refused at the field
(control characters never get here: ``security`` refuses them for every request).
"""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from niemand_alleen.feedback.questions import OPEN_ANSWER_MAX, SCORES
from niemand_alleen.feedback.service import Answers

_CHOICES = [SelectChoice(str(score), str(score)) for score in SCORES]
_VALUES = {str(score) for score in SCORES}


def _score(field: Field, number: int) -> int:
    if field.data in (None, "", "None"):
        raise ValidationError(gettext("Kies een antwoord bij vraag %(number)s.", number=number))
    if field.data not in _VALUES:
        raise ValidationError(
            gettext("Kies bij vraag %(number)s een cijfer van 1 tot en met 5.", number=number)
        )
    return int(field.data)


class QuestionnaireForm(FlaskForm):
    # Labels are the questions of the invitation's audience, set by the template.
    score_1 = RadioField(choices=_CHOICES, validate_choice=False)
    score_2 = RadioField(choices=_CHOICES, validate_choice=False)
    score_3 = RadioField(choices=_CHOICES, validate_choice=False)
    open_answer = TextAreaField(render_kw={"rows": 5, "maxlength": OPEN_ANSWER_MAX})

    def validate_score_1(self, field: Field) -> None:
        _score(field, 1)

    def validate_score_2(self, field: Field) -> None:
        _score(field, 2)

    def validate_score_3(self, field: Field) -> None:
        _score(field, 3)

    def validate_open_answer(self, field: Field) -> None:
        text = (field.data or "").replace("\r\n", "\n").strip()
        if len(text) > OPEN_ANSWER_MAX:
            raise ValidationError(
                gettext(
                    "Uw antwoord is te lang: hoogstens %(most)s tekens. Nu zijn het er %(now)s.",
                    most=OPEN_ANSWER_MAX,
                    now=len(text),
                )
            )
        field.data = text

    def answers(self) -> Answers:
        """The checked answers (after ``validate``)."""
        return Answers(
            scores=(int(self.score_1.data), int(self.score_2.data), int(self.score_3.data)),
            open_answer=self.open_answer.data or None,
        )
