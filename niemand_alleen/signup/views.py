"""Public sign-up pages: the form (via an oproep link or for the wijk in general), the
confirm and withdraw links from the mail. Thin: the work is in ``service``.

A sign-up form whose CSRF token fails (the global check refuses it before the view runs)
is shown again with everything the neighbour typed, instead of a bare error page: this
blueprint's own CSRF error handler. Nothing on these pages depends on whether an e-mail
address was known.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from niemand_alleen.auth import public
from niemand_alleen.dates import local_moment
from niemand_alleen.db import (
    StorageUnavailable,
    commit_request_now,
    database,
    request_session,
    storing,
)
from niemand_alleen.i18n import current_locale
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.matching import settle_withdrawal
from niemand_alleen.models import VolunteerStatus, local_today, utcnow
from niemand_alleen.signup import ratelimit
from niemand_alleen.signup.answers import (
    MOTIVATION_MAX_LENGTH,
    kilometres,
    outside_area,
    read_signup,
)
from niemand_alleen.signup.forms import HONEYPOT_FIELD, LinkForm, SignupForm
from niemand_alleen.signup.service import (
    OproepLink,
    SignupRefused,
    compose_again_mail,
    compose_confirm_mail,
    confirm_volunteer,
    is_full,
    is_open,
    oproep_and_attempts,
    oproep_for_referral,
    prepare_signup,
    store_signup,
    volunteer_for_confirm_link,
    volunteer_for_withdraw_link,
    wijk_name,
    withdraw_volunteer,
)
from niemand_alleen.web_helpers import current_settings

bp = Blueprint("signup", __name__, url_prefix="/aanmelden")
log = logging.getLogger(__name__)

Page = str | Response | tuple[str, int]


def _form_page(
    form: SignupForm,
    link: OproepLink | None,
    *,
    closed: bool = False,
    expired: bool = False,
    held_back: str | None = None,
) -> str:
    """The form, with what was typed. ``held_back``: why it was not stored this time
    (``sender``, ``shared`` or ``busy``), explained above the form."""
    oproep = link.oproep if link and not closed else None
    settings = current_settings()
    return render_template(
        "signup/form.html",
        form=form,
        oproep=oproep,
        closed=closed,
        expired=expired,
        held_back=held_back,
        wijk_name=wijk_name(request_session(), oproep.wijk_code) if oproep else None,
        action=request.path if oproep else url_for("signup.general"),
        honeypot=HONEYPOT_FIELD,
        # Asked again with what was typed: a postcode outside the service area gets the
        # question whether they still want to help.
        outside_area=request.method == "POST"
        and outside_area(request.form.get("postcode"), settings.service_area_pc4),
        area_name=settings.service_area_name,
        outside_area_distance=kilometres(settings.outside_area_max_distance_km, current_locale()),
        motivation_max=MOTIVATION_MAX_LENGTH,
        retry_at=_retry_at() if held_back else None,
    )


def _retry_at() -> str:
    """When a client over its limit may try again: the limits count per clock hour, so at
    the next full hour (local time, "22:00")."""
    again = ratelimit.window_start(utcnow()) + ratelimit.WINDOW
    return local_moment(again).strftime("%H:%M")


def _held_back(
    link: OproepLink | None, reason: str, errors: dict[str, str] | None = None
) -> tuple[str, int]:
    """Not stored, for now: the form again with everything typed and what to do instead.
    ``errors``: what to fix in what was typed, shown as on any refused form."""
    status = 503 if reason == "busy" else 429
    form = SignupForm()
    if errors:
        form.show_errors(errors)
    return _form_page(form, link, held_back=reason), status


def _invalid_link(kind: str) -> tuple[str, int]:
    # One neutral page for a bad, tampered, expired or used-up link: it reveals nothing.
    log.info("sign-up %s link refused", kind)
    return render_template("signup/link_invalid.html", kind=kind), 404


def _client_bucket() -> str:
    return ratelimit.address_bucket(request.remote_addr or "unknown")


def _over_limit(attempts: int) -> bool:
    """Already as many attempts this hour as the client may make (a look before any work)."""
    return attempts >= current_settings().signup_rate_per_address_per_hour


def _handle_signup(link: OproepLink | None, flooding: bool | None = None) -> Page:
    """``flooding``: whether the client is already over its limit, if the caller looked."""
    if request.method != "POST":
        return _form_page(SignupForm(), link)
    settings = current_settings()
    session = request_session()
    now = utcnow()
    # All reading and computing comes before the first write: on SQLite a writing
    # transaction holds the database's write lock (BEGIN IMMEDIATE) until the commit, which
    # both web workers wait for, so it holds only the limit checks and the inserts.
    client = _client_bucket()
    if flooding is None:
        with database().read_connection() as lookup:
            flooding = _over_limit(ratelimit.attempts_so_far(lookup, client, now))
    answers = read_signup(request.form, settings.service_area_pc4, settings.service_area_name)
    if flooding:
        # Checked without storing or counting anything: what to fix is shown as to anyone,
        # as it only concerns what this client typed.
        log.info("sign-up refused: sender endpoint=%s", request.endpoint)
        return _held_back(link, "sender", answers.errors)
    bot = bool((request.form.get(HONEYPOT_FIELD) or "").strip())
    if answers.input is None or bot:
        return _refuse_answers(link, answers.errors, client, bot=bot, now=now)
    try:
        # Also the preparation: its first read may be the one that waits for the lock.
        with storing():
            prepared = prepare_signup(
                session, settings, answers.input, link, now, locale=current_locale()
            )
            store_signup(session, settings, prepared, client, now)
            commit_request_now()
    except SignupRefused as refused:
        log.info("sign-up refused: %s endpoint=%s", refused.reason, request.endpoint)
        if refused.reason == "full":
            return _form_page(SignupForm(), link, closed=True)
        return _held_back(link, refused.reason)
    except StorageUnavailable as unavailable:
        log.warning("sign-up not stored: database unavailable (%s)", unavailable)
        return _held_back(link, "busy")
    return redirect(url_for("signup.sent"))


def _refuse_answers(
    link: OproepLink | None, errors: dict[str, str], client: str, *, bot: bool, now: datetime
) -> Page:
    """A form with errors (or a bot's): the attempt counts for the client's limit only."""
    settings = current_settings()
    try:
        with storing():
            allowed = ratelimit.take(
                request_session(), client, settings.signup_rate_per_address_per_hour, now
            )
            if allowed:
                commit_request_now()
    except StorageUnavailable as unavailable:
        # The count is lost this once; the neighbour keeps what they typed.
        log.warning("sign-up attempt not counted: database unavailable (%s)", unavailable)
        allowed = True
    if not allowed:
        log.info("sign-up refused: sender endpoint=%s", request.endpoint)
        return _held_back(link, "sender", None if bot else errors)
    if bot:
        # A bot: the same page a person sees after sending, and nothing stored.
        log.info("sign-up honeypot filled endpoint=%s", request.endpoint)
        return redirect(url_for("signup.sent"))
    form = SignupForm()  # holds what was typed
    form.show_errors(errors)
    return _form_page(form, link)


@bp.route("", methods=["GET", "POST"])
@public
def general() -> Page:
    """ "Ik wil goede buur zijn in mijn wijk": a sign-up without an oproep."""
    return _handle_signup(None)


@bp.route("/<referral_code>", methods=["GET", "POST"])
@public
def for_oproep(referral_code: str) -> Page:
    """The link in an oproep mail, forwarded by an organisation."""
    # Looked up on a reading connection of its own (on SQLite without the write lock), so the
    # request's writing transaction (and its write lock) starts only when there is
    # something to write. A POST checks the cap once, in its writing transaction
    # (``store_signup``); a GET shows a full oproep as closed.
    flooding: bool | None = None
    with database().read_connection() as lookup:
        if request.method == "POST":
            link, attempts = oproep_and_attempts(lookup, referral_code, _client_bucket(), utcnow())
            flooding = _over_limit(attempts)
        else:
            link = oproep_for_referral(lookup, referral_code)
        closed = link is not None and (
            not is_open(link.oproep, local_today())
            or (request.method != "POST" and is_full(lookup, current_settings(), link.oproep.id))
        )
    if link is None:
        return _invalid_link("oproep")
    if closed:
        # Closed, past its deadline or full: the general sign-up instead, with what was typed.
        return _form_page(SignupForm(), link, closed=True)
    return _handle_signup(link, flooding)


@bp.route("/verstuurd")
@public
def sent() -> str:
    return render_template("signup/sent.html", confirm_days=current_settings().signup_confirm_days)


@bp.route("/bevestigen/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> Page:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    session = request_session()
    volunteer = volunteer_for_confirm_link(session, current_settings(), token)
    if volunteer is None:
        return _invalid_link("confirm")
    form = LinkForm()
    if form.validate_on_submit():
        confirm_volunteer(session, volunteer, utcnow())
        return render_template("signup/confirmed.html")
    return render_template(
        "signup/confirm.html",
        form=form,
        already=volunteer.status == VolunteerStatus.CONFIRMED,
    )


@bp.route("/intrekken/<token>", methods=["GET", "POST"])
@public
def withdraw(token: str) -> Page:
    """GET shows a button; POST deletes the personal data of the sign-up."""
    session = request_session()
    volunteer = volunteer_for_withdraw_link(session, current_settings(), token)
    if volunteer is None:
        return _invalid_link("withdraw")
    form = LinkForm()
    if form.validate_on_submit():
        now = utcnow()
        settle_withdrawal(session, current_settings(), volunteer.id, now)
        withdraw_volunteer(session, volunteer, now)
        return render_template("signup/withdrawn.html")
    return render_template("signup/withdraw.html", form=form)


@bp.errorhandler(CSRFError)
def _expired_form(_error: CSRFError) -> tuple[str, int]:
    """The sign-up form comes back with what was typed; nothing is stored (400 rolls back)."""
    log.info("csrf rejected endpoint=%s", request.endpoint)
    if request.endpoint == "signup.general":
        return _form_page(SignupForm(), None, expired=True), 400
    if request.endpoint == "signup.for_oproep":
        code = (request.view_args or {}).get("referral_code", "")
        link = oproep_for_referral(request_session().connection(), code)
        if link is not None:
            closed = not is_open(link.oproep, local_today())
            return _form_page(SignupForm(), link, closed=closed, expired=True), 400
    return render_template("errors/csrf.html"), 400


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_mail_kind(
        MailKind(
            "signup_confirm",
            "Bevestiging aanmelding (aan goede buur)",
            "goede buur",
            compose=compose_confirm_mail,
        )
    )
    register_mail_kind(
        MailKind(
            "signup_again",
            "Al aangemeld (aan goede buur)",
            "goede buur",
            compose=compose_again_mail,
        )
    )
