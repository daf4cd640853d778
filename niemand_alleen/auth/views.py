"""Login, logout and the beheerder's account page."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from sqlmodel import select
from werkzeug.wrappers import Response

from niemand_alleen.auth import (
    StaffUser,
    current_staff,
    public,
    roles_required,
    throttle_policy,
)
from niemand_alleen.auth.forms import ROLE_LABELS, ConfirmForm, LoginForm, NewUserForm
from niemand_alleen.auth.passwords import generate_password
from niemand_alleen.auth.service import (
    AccountError,
    LoginThrottledError,
    authenticate,
    create_user,
    end_session,
    record_audit,
    set_active,
    start_session,
)
from niemand_alleen.db import request_session
from niemand_alleen.models import AuditAction, Role, User

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_FAILED = "Deze combinatie van e-mailadres en wachtwoord klopt niet."


def _safe_next(target: str | None) -> str:
    """Only same-site paths, never another host (open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target.rstrip("?") or "/"
    return url_for("web.home")


@bp.route("/inloggen", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    error: str | None = None
    if form.validate_on_submit():
        db = request_session()
        try:
            user = authenticate(db, form.email.data, form.password.data, throttle_policy())
        except LoginThrottledError as throttled:
            minutes = max(1, round(throttled.wait_seconds / 60))
            error = (
                "Er is te vaak een verkeerd wachtwoord gebruikt. "
                f"Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."
            )
            return render_template("auth/login.html", form=form, error=error), 429
        if user is not None:
            token = start_session(db, user)
            session.clear()  # a fresh cookie on every login (session fixation)
            login_user(StaffUser(token=token, user_id=user.id, name=user.name, role=user.role))
            log.info("login user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.info("login failed")
        error = LOGIN_FAILED
    # A failed attempt answers 200 so the request commits the attempt for throttling.
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/uitloggen", methods=["POST"])
@roles_required(Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
def logout() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    staff = current_staff()
    db = request_session()
    end_session(db, staff.token)
    record_audit(
        db,
        actor_user_id=staff.user_id,
        action=AuditAction.LOGOUT,
        record_type="user",
        record_id=str(staff.user_id),
    )
    logout_user()
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/beheer/gebruikers", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER)
def users() -> str | Response:
    db = request_session()
    form = NewUserForm()
    if form.validate_on_submit():
        password = generate_password()
        try:
            user = create_user(
                db,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                password=password,
            )
        except AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            record_audit(
                db,
                actor_user_id=current_staff().user_id,
                action=AuditAction.CREATE,
                record_type="user",
                record_id=str(user.id),
            )
            return render_template(
                "auth/user_created.html", user=user, password=password, role_labels=ROLE_LABELS
            )
    accounts = db.exec(select(User)).all()
    accounts = sorted(accounts, key=lambda account: (account.role.value, account.name.casefold()))
    return render_template(
        "auth/users.html",
        form=form,
        accounts=accounts,
        role_labels=ROLE_LABELS,
        confirm=ConfirmForm(),
    )


@bp.route(
    "/beheer/gebruikers/<uuid:user_id>/<any(activeren, deactiveren):change>", methods=["POST"]
)
@roles_required(Role.BEHEERDER)
def set_user_active(user_id: uuid.UUID, change: str) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    db = request_session()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    staff = current_staff()
    if user.id == staff.user_id:
        flash("U kunt uw eigen account niet uitzetten.", "error")
        return redirect(url_for("auth.users"))
    set_active(db, user, change == "activeren")
    record_audit(
        db,
        actor_user_id=staff.user_id,
        action=AuditAction.UPDATE,
        record_type="user",
        record_id=str(user.id),
        detail=change,
    )
    flash("Het account is aangepast.", "info")
    return redirect(url_for("auth.users"))
