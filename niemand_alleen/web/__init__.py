"""The web shell: start pages per role, privacy statement and sources."""

from __future__ import annotations

import functools
from datetime import date, datetime

import flask_babel
from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

from niemand_alleen.auth import current_staff, public, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.forms import ConfirmForm
from niemand_alleen.lifecycle import OPROEP_STATUS_LABELS
from niemand_alleen.models import Oproep, Role, User, Wijk
from niemand_alleen.text import N_
from niemand_alleen.validation import format_phone
from niemand_alleen.web_helpers import register_date_filters

bp = Blueprint("web", __name__)

ATTRIBUTION = N_("Bron: CBS/PDOK, Wijk- en buurtkaart 2024, CC-BY 4.0")


@bp.route("/")
@public
def home() -> str | Response:
    if not current_user.is_authenticated:
        return render_template("web/home_public.html")
    staff = current_staff()
    session = request_session()
    if staff.role == Role.BUURTWERKER:
        return redirect(url_for("intake.my_residents"))
    counts = dict(session.exec(select(Oproep.status, func.count()).group_by(Oproep.status)).all())
    wijken = session.exec(select(func.count()).select_from(Wijk)).one()
    return render_template(
        "web/home_staff.html",
        counts=[(label, counts.get(status, 0)) for status, label in OPROEP_STATUS_LABELS.items()],
        wijken=wijken,
    )


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("web/privacy.html")


@bp.route("/over")
@public
def about() -> str:
    return render_template("web/about.html", attribution=ATTRIBUTION)


@bp.route("/mijn-account")
@roles_required(Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
def account() -> str:
    config = current_app.config["SETTINGS"]
    staff = current_staff()
    user = request_session().get(User, staff.user_id)
    return render_template(
        "web/account.html",
        staff=staff,
        idle_minutes=config.session_idle_minutes,
        absolute_hours=config.session_absolute_hours,
        second_factor_enrolled=user is not None and user.totp_enrolled_at is not None,
    )


@functools.lru_cache(maxsize=1024)
def _day_label(day: date, format: str | None, locale: str) -> str:
    return flask_babel.format_date(day, format)


def dateformat(value: date | datetime | None, format: str | None = None) -> str:
    """Flask-Babel's ``dateformat``, with each day formatted once per process and locale: a
    list of fifty rows shows few different days, and formatting one costs more than the row."""
    if value is None:  # today, as Flask-Babel does: never cached
        return str(flask_babel.format_date(None, format))
    if isinstance(value, datetime):
        value = flask_babel.to_user_timezone(value).date()
    return _day_label(value, format, str(flask_babel.get_locale()))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["dateformat"] = dateformat
    # Pages and mails (rendered without a request) both show how to reach the service.
    app.jinja_env.globals["service_settings"] = LocalProxy(lambda: current_app.config["SETTINGS"])
    # Stored numbers are E.164 (+316...): shown the Dutch way, dialled as stored.
    app.jinja_env.filters["phone"] = format_phone
    register_date_filters(app)

    @app.context_processor
    def _shell() -> dict[str, object]:
        if not has_request_context():  # mails are rendered by the worker, without a page shell
            return {}
        # formdata=None: the logout button never reads the posted body, which may be the very
        # thing that failed (a 413 page would otherwise crash while rendering).
        logout_form = ConfirmForm(formdata=None)
        return {
            "logout_form": logout_form,
            "Role": Role,
            "attribution": ATTRIBUTION,
        }


__all__ = ["init_app"]
