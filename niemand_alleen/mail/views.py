"""The beheerder's view of the outbox: counts, mails that need attention, send again."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.mail.status import (
    STATUS_LABELS,
    RetryRefused,
    mails_needing_attention,
    retry_mail,
    status_counts,
)
from niemand_alleen.models import Role

bp = Blueprint("mail_admin", __name__, url_prefix="/beheer/mail")


class RetryForm(FlaskForm):
    """Only the CSRF token: the button changes something."""


def _may_open_oproep() -> bool:
    """Link to the oproep only when this user's role may open that page."""
    view = current_app.view_functions.get("intake.review_oproep")
    roles = getattr(view, "allowed_roles", None)
    return roles is not None and current_staff().role in roles


@bp.route("")
@roles_required(Role.BEHEERDER)
def mail_overview() -> str:
    session = request_session()
    return render_template(
        "mail_admin/overview.html",
        counts=status_counts(session),
        status_labels=STATUS_LABELS,
        mails=mails_needing_attention(session),
        retry_form=RetryForm(),
        link_oproep=_may_open_oproep(),
    )


@bp.route("/<int(max=2147483647):mail_id>/opnieuw-versturen", methods=["POST"])
@roles_required(Role.BEHEERDER)
def retry(mail_id: int) -> Response:
    if not RetryForm().validate_on_submit():
        abort(400)
    try:
        retry_mail(request_session(), mail_id, current_staff().user_id)
    except LookupError:
        abort(404)
    except RetryRefused as refused:
        flash(refused.message, "error")
    else:
        flash("De mail staat weer in de wachtrij en wordt zo verstuurd.", "info")
    return redirect(url_for("mail_admin.mail_overview"))
