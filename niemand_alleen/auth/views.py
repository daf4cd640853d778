"""Login, logout, the beheerder's account page, and changing or resetting a password."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from sqlmodel import Session, select
from werkzeug.wrappers import Response

from niemand_alleen.audit import RecordType, details, record_audit
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
    STRENGTH_HINT,
    ChangePasswordForm,
    CodeForm,
    EnrolForm,
    ForgotPasswordForm,
    LoginForm,
    NewUserForm,
    ResetPasswordForm,
)
from niemand_alleen.auth.passwords import generate_password
from niemand_alleen.auth.service import (
    CHANGED_MAIL_KIND,
    RESET_MAIL_KIND,
    RESET_VALID,
    AccountError,
    LoginThrottledError,
    ResetThrottle,
    ResetThrottledError,
    audit_account,
    authenticate,
    change_password,
    confirm_enrolment,
    create_user,
    end_session,
    needs_second_factor,
    record_reset_failure,
    recovery_codes_left,
    request_password_reset,
    reset_link_is_open,
    reset_password,
    reset_second_factor,
    set_active,
    start_session,
    verify_second_factor,
)
from niemand_alleen.auth.targets import local_path
from niemand_alleen.db import commit_request_now, request_session
from niemand_alleen.forms import ConfirmForm
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.models import AuditAction, OutboxMail, Role, User

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_FAILED = "Deze combinatie van e-mailadres en wachtwoord klopt niet."
CODE_FAILED = "Deze code klopt niet. Gebruik de code die nu in uw app staat, of een herstelcode."
PENDING = "pending_login"
PENDING_SECONDS = 300


def _safe_next(target: object) -> str:
    """Only same-site paths, never another host (open redirect); anything else goes home."""
    return local_path(target if isinstance(target, str) else None) or url_for("web.home")


def _too_often(what: str, wait_seconds: int) -> str:
    """Throttled: "Er is te vaak een verkeerde code gebruikt. Probeer het over 1 minuut …"."""
    minutes = max(1, round(wait_seconds / 60))
    return (
        f"Er is te vaak {what} gebruikt. "
        f"Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."
    )


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
            error = _too_often("een verkeerd wachtwoord", throttled.wait_seconds)
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
            error = _too_often("een verkeerde code", throttled.wait_seconds)
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
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_url=url_for("web.account")
            )
        return _enrol_page(user, form, CODE_FAILED)
    return _enrol_page(user, form, None)


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
    staff = current_staff()
    audit_account(db_session, user, details.second_factor_cleared(), actor_user_id=staff.user_id)
    log.info("second factor reset user=%s", user.id)
    flash(
        "De tweede stap is gewist. De gebruiker stelt hem opnieuw in bij de volgende login.",
        "info",
    )
    if user.id == staff.user_id:
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
            audit_account(
                db_session, user, action=AuditAction.CREATE, actor_user_id=current_staff().user_id
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
    switched = details.switched_on(change == "activeren")
    audit_account(db_session, user, switched, actor_user_id=staff.user_id)
    flash("Het account is aangepast.", "info")
    return redirect(url_for("auth.users"))


# --- changing and resetting a password ----------------------------------------------------

ALL_STAFF = (Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
RESET_THROTTLE = ResetThrottle()
RESET_THROTTLED = (
    "Er is te vaak om een nieuw wachtwoord gevraagd. Probeer het over een uur opnieuw, "
    "of vraag de beheerder om hulp."
)


@bp.route("/mijn-account/wachtwoord", methods=["GET", "POST"])
@roles_required(*ALL_STAFF)
def change_own_password() -> str | Response | tuple[str, int]:
    db_session = request_session()
    staff = current_staff()
    user = db_session.get(User, staff.user_id)
    assert user is not None  # the session was just resumed for this user
    form = ChangePasswordForm()
    error: str | None = None
    if form.validate_on_submit():
        try:
            change_password(
                db_session,
                user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                repeated=form.repeat_password.data,
                keep_session_token=staff.token,
                policy=throttle_policy(),
            )
        except LoginThrottledError as throttled:
            error = _too_often("een verkeerd wachtwoord", throttled.wait_seconds)
            page = render_template(
                "auth/change_password.html", form=form, error=error, hint=STRENGTH_HINT
            )
            return page, 429
        except AccountError as refused:
            # Answered with 200, so a wrong current password is committed for the throttle.
            getattr(form, refused.field).errors.append(refused.message)
        else:
            log.info("password changed user=%s", user.id)
            flash(
                "Uw wachtwoord is gewijzigd. Op andere apparaten en in andere browsers "
                "bent u nu uitgelogd.",
                "info",
            )
            return redirect(url_for("web.account"))
    return render_template("auth/change_password.html", form=form, error=error, hint=STRENGTH_HINT)


def _reset_url(token: str) -> str:
    base = settings().public_base_url.rstrip("/")
    return base + url_for("auth.reset_forgotten_password", token=token)


@bp.route("/inloggen/wachtwoord-vergeten", methods=["GET", "POST"])
@public
def forgot_password() -> str | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            request_password_reset(
                request_session(),
                email=form.email.data,
                client=request.remote_addr or "unknown",
                reset_url=_reset_url,
                throttle=RESET_THROTTLE,
            )
        except AccountError as refused:
            form.email.errors.append(refused.message)
        except ResetThrottledError:
            log.info("password reset throttled")
            page = render_template("auth/forgot_password.html", form=form, error=RESET_THROTTLED)
            return page, 429
        else:
            # The same page whether an account has this address or not.
            return render_template("auth/reset_requested.html", valid_minutes=_valid_minutes())
    return render_template("auth/forgot_password.html", form=form, error=None)


def _valid_minutes() -> int:
    return int(RESET_VALID.total_seconds() // 60)


def _link_refused(db_session: Session) -> tuple[str, int]:
    """One neutral page for every bad, used or expired link; a refused POST is audited."""
    if request.method == "POST":
        record_reset_failure(db_session)
        commit_request_now()  # a 404 rolls the request back; the audit event must stay
    log.info("password reset link refused")
    return render_template("auth/reset_link_refused.html"), 404


@bp.route("/inloggen/nieuw-wachtwoord/<token>", methods=["GET", "POST"])
@public
def reset_forgotten_password(token: str) -> str | Response | tuple[str, int]:
    db_session = request_session()
    if not reset_link_is_open(db_session, token):
        return _link_refused(db_session)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset_password(
                db_session,
                token,
                new_password=form.new_password.data,
                repeated=form.repeat_password.data,
            )
        except AccountError as refused:
            getattr(form, refused.field).errors.append(refused.message)
        else:
            if user is None:  # used up by another request a moment ago
                return _link_refused(db_session)
            log.info("password reset user=%s", user.id)
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(
                "Uw nieuwe wachtwoord is opgeslagen. Log nu in met uw nieuwe wachtwoord.",
                "info",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, hint=STRENGTH_HINT)


def _expired_link_refusal(_session: Session, _mail: OutboxMail) -> str:
    return (
        f"De link in deze mail werkt maar {_valid_minutes()} minuten. "
        "De medewerker kan een nieuwe link vragen via Wachtwoord vergeten?"
    )


def register_mail_kinds() -> None:
    register_mail_kind(
        MailKind(
            RESET_MAIL_KIND,
            "Link voor een nieuw wachtwoord (aan medewerker)",
            "medewerker",
            retry_refusal=_expired_link_refusal,
        )
    )
    register_mail_kind(
        MailKind(CHANGED_MAIL_KIND, "Wachtwoord gewijzigd (aan medewerker)", "medewerker")
    )
