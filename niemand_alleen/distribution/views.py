"""The coordinator's distribution page: choose organisations, send, follow up, stop."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlmodel import Session
from werkzeug.wrappers import Response

from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.distribution.forms import CancelForm, RemindForm, SendForm
from niemand_alleen.distribution.service import (
    DistributionError,
    Proposal,
    cancel_oproep,
    dispatch_overview,
    oproep_filled,
    proposal_for,
    register_mail_kinds,
    remind_organisations,
    resident_location,
    send_oproep,
    signups_without_referral,
    wijk_names,
)
from niemand_alleen.geo import LocationPrecision, MapCircle, MapMarker
from niemand_alleen.lifecycle import OPROEP_STATUS_LABELS, on_entering
from niemand_alleen.mail import RetryRefused, retry_mail
from niemand_alleen.models import (
    MailStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    Resident,
    Role,
    local_today,
)
from niemand_alleen.signup import confirmed_signups
from niemand_alleen.web_helpers import current_settings, wijk_map

bp = Blueprint("distribution", __name__, url_prefix="/oproepen/<uuid:oproep_id>")

MAIL_STATUS_LABELS = {
    "pending": "Wacht op verzending",
    "sending": "Wordt verzonden",
    "sent": "Verzonden",
    "failed": "Mislukt",
    "uncertain": "Onzeker",
    "geen adres": "Geen adres",
}
MAIL_KIND_LABELS = {
    "oproep": "Oproep",
    "oproep_reminder": "Herinnering",
    "oproep_cancelled": "Gestopt",
    "oproep_filled": "Vervuld",
}


def _oproep(oproep_id: uuid.UUID) -> Oproep:
    oproep = request_session().get(Oproep, oproep_id)
    if oproep is None:
        abort(404)
    return oproep


def _parse_ids(values: list[str]) -> list[uuid.UUID] | None:
    try:
        return [uuid.UUID(value) for value in values]
    except ValueError:
        return None


def _search_area_map(session: Session, oproep: Oproep, proposal: Proposal) -> tuple[Markup, bool]:
    """The wijken of Dordrecht with the search area filled and the resident's approximate spot
    (coordinators only: it never leaves the service); and whether that spot is on it."""
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    location = resident_location(resident)
    markers, circle = [], None
    if location is not None and resident is not None:
        approximate = resident.location_precision != LocationPrecision.ADDRESS
        label = "Bewoner" + (" (bij benadering)" if approximate else "")
        markers.append(MapMarker(lat=location[0], lon=location[1], label=label, kind="resident"))
        if proposal.area.radius_m > 0:
            circle = MapCircle(
                lat=location[0],
                lon=location[1],
                radius_m=proposal.area.radius_m,
                label=f"{proposal.area.radius_m} meter",
            )
    drawn = wijk_map(
        session,
        highlighted=proposal.area.wijk_codes,
        markers=markers,
        circle=circle,
        title="Zoekgebied van de oproep",
    )
    return drawn, bool(markers)


def _page(
    oproep: Oproep,
    *,
    error: str | None = None,
    checked: set[uuid.UUID] | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    db_session = request_session()
    settings = current_settings()
    sendable = oproep.status in (OproepStatus.APPROVED, OproepStatus.OPEN)
    proposal = proposal_for(db_session, settings, oproep) if sendable else None
    map_svg, resident_on_map = (
        _search_area_map(db_session, oproep, proposal) if proposal else (None, False)
    )
    if checked is None and proposal is not None:
        checked = {org.id for org in proposal.proposed if org.id not in proposal.already_sent}
    html = render_template(
        "distribution/oproep.html",
        oproep=oproep,
        proposal=proposal,
        checked=checked or set(),
        rows=dispatch_overview(db_session, oproep),
        without_referral=signups_without_referral(db_session, oproep.id),
        confirmed=confirmed_signups(db_session, oproep.id),
        wanted=settings.reminder_min_signups,
        wijk_names=wijk_names(db_session),
        status_labels=OPROEP_STATUS_LABELS,
        mail_status_labels=MAIL_STATUS_LABELS,
        mail_kind_labels=MAIL_KIND_LABELS,
        send_form=SendForm(),
        remind_form=RemindForm(),
        retry_form=RemindForm(),  # CSRF only
        retryable=(MailStatus.FAILED, MailStatus.UNCERTAIN),
        cancel_form=cancel_form or CancelForm(formdata=None),
        error=error,
        radius_m=settings.distribution_radius_m,
        map_svg=map_svg,
        resident_on_map=resident_on_map,
    )
    return html, status


@bp.route("/verspreiding", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def oproep_distribution(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    oproep = _oproep(oproep_id)
    if request.method == "GET":
        return _page(oproep)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = _parse_ids(request.form.getlist("organisation"))
    if chosen is None:
        return _page(oproep, error="Kies de organisaties uit de lijst.", status=422)
    try:
        dispatches = send_oproep(
            request_session(),
            current_settings(),
            oproep,
            chosen,
            current_staff().user_id,
            local_today(),
        )
    except DistributionError as refused:
        request_session().rollback()
        return _page(oproep, error=refused.message, checked=set(chosen), status=422)
    flash(
        f"De oproep staat klaar voor {len(dispatches)} "
        f"{'organisatie' if len(dispatches) == 1 else 'organisaties'}. "
        "De mails gaan binnen een minuut de deur uit.",
        "info",
    )
    return redirect(url_for("distribution.oproep_distribution", oproep_id=oproep.id))


@bp.route("/herinnering", methods=["POST"])
@roles_required(Role.COORDINATOR)
def remind(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    oproep = _oproep(oproep_id)
    if not RemindForm().validate_on_submit():
        abort(400)
    try:
        mails = remind_organisations(
            request_session(), current_settings(), oproep, current_staff().user_id, local_today()
        )
    except DistributionError as refused:
        request_session().rollback()
        return _page(oproep, error=refused.message, status=422)
    flash(f"De herinnering staat klaar ({len(mails)} mails).", "info")
    return redirect(url_for("distribution.oproep_distribution", oproep_id=oproep.id))


@bp.route("/stoppen", methods=["POST"])
@roles_required(Role.COORDINATOR)
def cancel(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    oproep = _oproep(oproep_id)
    form = CancelForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(oproep, cancel_form=form, status=422)
    try:
        followups = cancel_oproep(
            request_session(), current_settings(), oproep, current_staff().user_id
        )
    except DistributionError as refused:
        request_session().rollback()
        return _page(oproep, error=refused.message, status=422)
    flash(
        "De oproep is gestopt."
        + (
            f" {len(followups)} organisatie-adressen krijgen bericht dat ze hem niet meer "
            "hoeven door te sturen."
            if followups
            else ""
        ),
        "info",
    )
    return redirect(url_for("distribution.oproep_distribution", oproep_id=oproep.id))


@bp.route(
    "/mail/<int(max=2147483647):mail_id>/opnieuw-versturen",
    methods=["POST"],
)
@roles_required(Role.COORDINATOR)
def retry(oproep_id: uuid.UUID, mail_id: int) -> tuple[str, int] | Response:
    """The coordinator sends a failed mail of this oproep again (after checking the reason)."""
    oproep = _oproep(oproep_id)
    mail = request_session().get(OutboxMail, mail_id)
    if mail is None or mail.oproep_id != oproep.id:
        abort(404)
    try:
        retry_mail(request_session(), mail_id, current_staff().user_id)
    except RetryRefused as refused:
        request_session().rollback()
        return _page(oproep, error=refused.message, status=422)
    flash("De mail staat weer in de wachtrij en wordt zo verstuurd.", "info")
    return redirect(url_for("distribution.oproep_distribution", oproep_id=oproep.id))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # A matched oproep: the organisations that forwarded it hear that it is filled.
    on_entering(OproepStatus.MATCHED, "distribution.oproep_filled", oproep_filled)
    register_mail_kinds()
