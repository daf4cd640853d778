"""The public questionnaire pages under ``/vragenlijst``: the form behind a mailed link, the
thank-you page, and one neutral page for a link that does not work (unknown, used or
expired alike). No account: the link is the key, and it works once.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, redirect, render_template, url_for
from werkzeug.wrappers import Response

from niemand_alleen.auth import public
from niemand_alleen.db import request_session
from niemand_alleen.distribution import organisation_mail_headers
from niemand_alleen.feedback.forms import QuestionnaireForm
from niemand_alleen.feedback.questions import (
    OPEN_ANSWER_MAX,
    OPEN_QUESTION,
    QUESTIONS,
    SCALE_LABELS,
)
from niemand_alleen.feedback.service import (
    NEIGHBOUR_KIND,
    ORGANISATION_KIND,
    invitation_for_token,
    record_answer,
)
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.models import QuestionnaireAudience, QuestionnaireInvitation, utcnow

bp = Blueprint("feedback", __name__, url_prefix="/vragenlijst")
log = logging.getLogger(__name__)

Page = str | Response | tuple[str, int]


def _link_invalid() -> tuple[str, int]:
    log.info("questionnaire link refused")
    return render_template("feedback/link_invalid.html"), 404


def _form_page(form: QuestionnaireForm, invitation: QuestionnaireInvitation) -> str:
    return render_template(
        "feedback/form.html",
        form=form,
        audience=invitation.audience,
        neighbour=invitation.audience == QuestionnaireAudience.NEIGHBOUR,
        questions=QUESTIONS[invitation.audience],
        open_question=OPEN_QUESTION,
        open_answer_max=OPEN_ANSWER_MAX,
        scale_labels=SCALE_LABELS,
        expires_at=invitation.expires_at,
    )


@bp.route("/<token>", methods=["GET", "POST"])
@public
def questionnaire(token: str) -> Page:
    """GET shows the questions; a valid POST stores the answers once and thanks."""
    session = request_session()
    now = utcnow()
    invitation = invitation_for_token(session, token, now)
    if invitation is None:
        return _link_invalid()
    form = QuestionnaireForm()
    if not form.is_submitted():
        return _form_page(form, invitation)
    if not form.validate():
        return _form_page(form, invitation), 400
    if not record_answer(session, invitation, form.answers(), now):
        return _link_invalid()  # answered in another tab a moment ago
    log.info("questionnaire answered audience=%s", invitation.audience.value)
    return redirect(url_for("feedback.thanks"))


@bp.route("/bedankt")
@public
def thanks() -> str:
    return render_template("feedback/thanks.html")


MAIL_KINDS = (
    MailKind(NEIGHBOUR_KIND, "Vragenlijst voor de evaluatie (aan goede buur)", "goede buur"),
    MailKind(
        ORGANISATION_KIND,
        "Vragenlijst voor de evaluatie (aan organisatie)",
        "organisatie",
        headers=organisation_mail_headers,
    ),
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for kind in MAIL_KINDS:
        register_mail_kind(kind)
