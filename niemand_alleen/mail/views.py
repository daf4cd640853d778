"""The beheerder's view of the outbox: counts, mails that need attention, send again."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.mail.status import (
    ATTENTION_LABELS,
    STATUS_LABELS,
    RetryRefused,
    retry_mail,
)
from niemand_alleen.mail.status import mail_overview as mail_overview_of
from niemand_alleen.models import Role
from niemand_alleen.pagination import read_list_request
from niemand_alleen.web_helpers import list_page

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
def mail_overview() -> str | tuple[str, int]:
    """The counts per status, and the mails that need attention a page at a time
    (``pagina``), optionally of one ``status``."""
    asked = read_list_request(request.args, ATTENTION_LABELS)
    overview = mail_overview_of(request_session(), asked.status, asked.page)
    return list_page(
        "mail_admin/overview.html",
        "mail_admin.mail_overview",
        asked,
        overview.attention,
        counts=overview.counts,
        status_labels=STATUS_LABELS,
        attention_statuses=list(ATTENTION_LABELS),
        attention_labels=ATTENTION_LABELS,
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
