"""Login, logout and the beheerder's account page."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from markupsafe import Markup
from sqlmodel import Session, select
from werkzeug.wrappers import Response

from niemand_alleen.audit import RecordType, record_audit
from niemand_alleen.auth import (
    StaffUser,
    current_staff,
    public,
    roles_required,
    settings,
    throttle_policy,
    totp,
)
from niemand_alleen.auth.forms import (
    ROLE_LABELS,
    CodeForm,
    EnrolForm,
    LoginForm,
    NewUserForm,
)
from niemand_alleen.auth.passwords import generate_password
from niemand_alleen.auth.service import (
    AccountError,
    LoginThrottledError,
    authenticate,
    confirm_enrolment,
    create_user,
    end_session,
    needs_second_factor,
    recovery_codes_left,
    reset_second_factor,
    set_active,
    start_session,
    verify_second_factor,
)
from niemand_alleen.auth.targets import local_path
from niemand_alleen.db import request_session
from niemand_alleen.forms import ConfirmForm
from niemand_alleen.models import AuditAction, Role, User

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_FAILED = "Deze combinatie van e-mailadres en wachtwoord klopt niet."
CODE_FAILED = "Deze code klopt niet. Gebruik de code die nu in uw app staat, of een herstelcode."
PENDING = "pending_login"
PENDING_SECONDS = 300


def _safe_next(target: object) -> str:
    """Only same-site paths, never another host (open redirect); anything else goes home."""
    return local_path(target if isinstance(target, str) else None) or url_for("web.home")


@bp.route("/inloggen", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    error: str | None = None
    if form.validate_on_submit():
        db_session = request_session()
        try:
            user = authenticate(db_session, form.email.data, form.password.data, throttle_policy())
        except LoginThrottledError as throttled:
            minutes = max(1, round(throttled.wait_seconds / 60))
            error = (
                "Er is te vaak een verkeerd wachtwoord gebruikt. "
                f"Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."
            )
            return render_template("auth/login.html", form=form, error=error), 429
        if user is not None:
            target = _safe_next(request.args.get("next"))
            if needs_second_factor(user, settings().second_factor_roles):
                session.clear()
                session[PENDING] = {"user": str(user.id), "at": time.time(), "next": target}
                log.info("password ok, second factor next user=%s", user.id)
                step = "auth.second_factor" if user.totp_enrolled_at else "auth.enrol"
                return redirect(url_for(step))
            _finish_login(db_session, user)
            return redirect(target)
        log.info("login failed")
        error = LOGIN_FAILED
    # A failed attempt answers 200 so the request commits the attempt for throttling.
    return render_template("auth/login.html", form=form, error=error)


def _finish_login(db_session: Session, user: User) -> None:
    token = start_session(db_session, user)
    session.clear()  # a fresh cookie on every login (session fixation)
    login_user(StaffUser(token=token, user_id=user.id, name=user.name, role=user.role))
    log.info("login user=%s", user.id)


def _pending_user(db_session: Session) -> tuple[User, str] | None:
    """The user who gave the right password in the last few minutes, and where to go next."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    try:
        user = db_session.get(User, uuid.UUID(str(pending.get("user"))))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    return user, _safe_next(pending.get("next"))


def _start_again() -> Response:
    flash("Log opnieuw in: de tijd om de code in te vullen is voorbij.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/inloggen/code", methods=["GET", "POST"])
@public
def second_factor() -> str | Response | tuple[str, int]:
    db_session = request_session()
    pending = _pending_user(db_session)
    if pending is None or pending[0].totp_enrolled_at is None:
        return _start_again()
    user, target = pending
    form = CodeForm()
    error: str | None = None
    if form.validate_on_submit():
        try:
            method = verify_second_factor(db_session, user, form.code.data, throttle_policy())
        except LoginThrottledError as throttled:
            minutes = max(1, round(throttled.wait_seconds / 60))
            error = (
                "Er is te vaak een verkeerde code gebruikt. "
                f"Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."
            )
            return render_template("auth/second_factor.html", form=form, error=error), 429
        if method is not None:
            _finish_login(db_session, user)
            if method == "recovery":
                left = recovery_codes_left(db_session, user.id)
                flash(
                    f"U hebt een herstelcode gebruikt; er zijn er nog {left}. "
                    "Bent u uw app kwijt? Vraag de beheerder uw tweede stap te wissen.",
                    "info",
                )
            return redirect(target)
        error = CODE_FAILED
    # A wrong code answers 200 so the request commits the attempt for throttling.
    return render_template("auth/second_factor.html", form=form, error=error)


def _enrol_page(user: User, form: EnrolForm, error: str | None) -> str:
    secret = form.secret.data if totp.valid_secret(form.secret.data) else totp.new_secret()
    form.secret.data = secret
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "auth/enrol.html",
        form=form,
        error=error,
        qr=Markup(totp.qr_svg(uri)),  # noqa: S704  (drawn by segno from our own URI)
        secret=totp.grouped(secret),
    )


@bp.route("/inloggen/instellen", methods=["GET", "POST"])
@public
def enrol() -> str | Response:
    db_session = request_session()
    pending = _pending_user(db_session)
    if pending is None or pending[0].totp_enrolled_at is not None:
        return _start_again()
    user, target = pending
    form = EnrolForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(db_session, user, form.secret.data, form.code.data)
        if codes is not None:
            _audit_enrolment(db_session, user)
            _finish_login(db_session, user)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=target)
        return _enrol_page(user, form, CODE_FAILED)
    return _enrol_page(user, form, None)


@bp.route("/mijn-account/tweede-stap", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
def enrol_voluntarily() -> str | Response:
    db_session = request_session()
    user = db_session.get(User, current_staff().user_id)
    assert user is not None  # the session was just resumed for this user
    if user.totp_enrolled_at is not None:
        flash("Uw tweede stap is al ingesteld.", "info")
        return redirect(url_for("web.account"))
    form = EnrolForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(db_session, user, form.secret.data, form.code.data)
        if codes is not None:
            _audit_enrolment(db_session, user)
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_url=url_for("web.account")
            )
        return _enrol_page(user, form, CODE_FAILED)
    return _enrol_page(user, form, None)


def _audit_enrolment(db_session: Session, user: User) -> None:
    record_audit(
        db_session,
        actor_user_id=user.id,
        action=AuditAction.UPDATE,
        record_type=RecordType.USER,
        record_id=str(user.id),
        detail="second factor enrolled",
    )


@bp.route("/beheer/gebruikers/<uuid:user_id>/tweede-stap-resetten", methods=["POST"])
@roles_required(Role.BEHEERDER)
def reset_user_second_factor(user_id: uuid.UUID) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db_session = request_session()
    user = db_session.get(User, user_id)
    if user is None:
        abort(404)
    reset_second_factor(db_session, user)
    record_audit(
        db_session,
        actor_user_id=current_staff().user_id,
        action=AuditAction.UPDATE,
        record_type=RecordType.USER,
        record_id=str(user.id),
        detail="second factor reset",
    )
    log.info("second factor reset user=%s", user.id)
    flash(
        "De tweede stap is gewist. De gebruiker stelt hem opnieuw in bij de volgende login.",
        "info",
    )
    if user.id == current_staff().user_id:
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.users"))


@bp.route("/uitloggen", methods=["POST"])
@roles_required(Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
def logout() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    staff = current_staff()
    db_session = request_session()
    end_session(db_session, staff.token)
    record_audit(
        db_session,
        actor_user_id=staff.user_id,
        action=AuditAction.LOGOUT,
        record_type=RecordType.USER,
        record_id=str(staff.user_id),
    )
    logout_user()
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/beheer/gebruikers", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER)
def users() -> str | Response:
    db_session = request_session()
    form = NewUserForm()
    if form.validate_on_submit():
        password = generate_password()
        try:
            user = create_user(
                db_session,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                password=password,
            )
        except AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            record_audit(
                db_session,
                actor_user_id=current_staff().user_id,
                action=AuditAction.CREATE,
                record_type=RecordType.USER,
                record_id=str(user.id),
            )
            return render_template(
                "auth/user_created.html", user=user, password=password, role_labels=ROLE_LABELS
            )
    accounts = db_session.exec(select(User)).all()
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
    db_session = request_session()
    user = db_session.get(User, user_id)
    if user is None:
        abort(404)
    staff = current_staff()
    if user.id == staff.user_id:
        flash("U kunt uw eigen account niet uitzetten.", "error")
        return redirect(url_for("auth.users"))
    set_active(db_session, user, change == "activeren")
    record_audit(
        db_session,
        actor_user_id=staff.user_id,
        action=AuditAction.UPDATE,
        record_type=RecordType.USER,
        record_id=str(user.id),
        detail=change,
    )
    flash("Het account is aangepast.", "info")
    return redirect(url_for("auth.users"))
