"""Questionnaires for the pilot's evaluation: invitations by mail, the public form, figures."""

from flask import Flask

from niemand_alleen.feedback.questions import (
    AUDIENCE_LABELS,
    OPEN_QUESTION,
    SCALE_LABELS,
    SCORES,
    AudienceFigures,
    QuestionFigures,
)
from niemand_alleen.feedback.service import (
    Invited,
    OpenAnswer,
    QuestionnaireResults,
    questionnaire_results,
    send_questionnaires,
)

__all__ = [
    "AUDIENCE_LABELS",
    "OPEN_QUESTION",
    "SCALE_LABELS",
    "SCORES",
    "AudienceFigures",
    "Invited",
    "OpenAnswer",
    "QuestionFigures",
    "QuestionnaireResults",
    "init_app",
    "questionnaire_results",
    "send_questionnaires",
]


def init_app(app: Flask) -> None:
    """Register the public questionnaire pages and the questionnaire mails."""
    from niemand_alleen.feedback import views

    views.init_app(app)
