"""Intake pages: the buurtwerker's aanmeldingen and the coordinator's review of oproepen."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.intake import review
from niemand_alleen.intake.forms import (
    ART6_LABELS,
    ART6_LEGAL_TERMS,
    ART9_LABELS,
    ART9_LEGAL_TERMS,
    AanmeldingForm,
    ReviewForm,
    default_deadline,
)
from niemand_alleen.intake.proposals import submit_text
from niemand_alleen.intake.service import (
    HELP_CHOICES,
    ApprovalError,
    approve_oproep,
    confirmed_neighbours,
    oproep_of,
    oproepen_page,
    record_view,
    register_resident,
    residents_page,
    update_resident,
)
from niemand_alleen.intake.updates import (
    BUURTWERKER_STATUS_LABELS,
    FOLLOWUP_TEXTS,
    latest_step,
    neighbours_found,
    on_oproep_moved,
)
from niemand_alleen.lifecycle import OPROEP_STATUS_LABELS, on_entering
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.models import Oproep, OproepStatus, Resident, Role
from niemand_alleen.pagination import read_list_request
from niemand_alleen.reference import wijk_short_name
from niemand_alleen.signup import confirmed_signups
from niemand_alleen.validation import format_phone
from niemand_alleen.web_helpers import current_settings, list_page

bp = Blueprint("intake", __name__)


def _dutch_date(value: date) -> str:
    """A date as the form fields take it: dd-mm-jjjj."""
    return value.strftime("%d-%m-%Y")


def _own_resident(resident_id: uuid.UUID) -> Resident:
    """A buurtwerker's own aanmelding; anyone else's is 'not found' (not 'forbidden')."""
    resident = request_session().get(Resident, resident_id)
    if resident is None or resident.registered_by_id != current_staff().user_id:
        abort(404)
    return resident


def _wijk_name(code: str | None) -> str | None:
    return wijk_short_name(request_session(), code)


def _context() -> dict[str, object]:
    return {
        "help_labels": HELP_CHOICES,
        "art6_labels": ART6_LABELS,
        "art9_labels": ART9_LABELS,
        "art6_legal_terms": ART6_LEGAL_TERMS,
        "art9_legal_terms": ART9_LEGAL_TERMS,
        "status_labels": OPROEP_STATUS_LABELS,
        "format_phone": format_phone,
        "wijk_name": _wijk_name,
    }


def _buurtwerker_context() -> dict[str, object]:
    """As ``_context``, with the oproep's status in the buurtwerker's words."""
    return {**_context(), "status_labels": BUURTWERKER_STATUS_LABELS}


@bp.route("/aanmeldingen")
@roles_required(Role.BUURTWERKER)
def my_residents() -> str | tuple[str, int]:
    """The buurtwerker's own aanmeldingen: a page at a time, optionally one ``status`` of
    their oproepen."""
    asked = read_list_request(request.args, OproepStatus)
    listing = residents_page(request_session(), current_staff().user_id, asked.status, asked.page)
    return list_page(
        "intake/my_residents.html",
        "intake.my_residents",
        asked,
        listing,
        statuses=list(OproepStatus),
        latest_step=latest_step,
        **_buurtwerker_context(),
    )


@bp.route("/aanmeldingen/nieuw", methods=["GET", "POST"])
@roles_required(Role.BUURTWERKER)
def new_resident() -> str | Response:
    form = AanmeldingForm()
    if not form.is_submitted():
        form.deadline.data = _dutch_date(default_deadline())
        # The consent date is never filled in for the buurtwerker: it must be the real day.
    if form.validate_on_submit():
        result = register_resident(
            request_session(), current_settings(), form.to_input(), current_staff().user_id
        )
        for warning in result.warnings:
            flash(warning, "warning")
        flash("De aanmelding is opgeslagen. Een coördinator bekijkt de oproep.", "info")
        return redirect(url_for("intake.resident_detail", resident_id=result.resident.id))
    return render_template(
        "intake/resident_form.html", form=form, resident=None, **_buurtwerker_context()
    )


@bp.route("/aanmeldingen/<uuid:resident_id>")
@roles_required(Role.BUURTWERKER)
def resident_detail(resident_id: uuid.UUID) -> str:
    resident = _own_resident(resident_id)
    session = request_session()
    record_view(session, current_staff().user_id, resident)
    oproep = oproep_of(session, resident)
    return render_template(
        "intake/resident_detail.html",
        resident=resident,
        oproep=oproep,
        found=neighbours_found(confirmed_neighbours(session, oproep)),
        followup_texts=FOLLOWUP_TEXTS,
        **_buurtwerker_context(),
    )


@bp.route("/aanmeldingen/<uuid:resident_id>/wijzigen", methods=["GET", "POST"])
@roles_required(Role.BUURTWERKER)
def edit_resident(resident_id: uuid.UUID) -> str | Response:
    resident = _own_resident(resident_id)
    session = request_session()
    oproep = oproep_of(session, resident)
    form = AanmeldingForm()
    if not form.is_submitted():
        _fill_form(form, resident, oproep)
        record_view(session, current_staff().user_id, resident)
    if form.validate_on_submit():
        result = update_resident(
            session, current_settings(), resident, form.to_input(), current_staff().user_id
        )
        for warning in result.warnings:
            flash(warning, "warning")
        flash("De wijzigingen zijn opgeslagen.", "info")
        return redirect(url_for("intake.resident_detail", resident_id=resident.id))
    return render_template(
        "intake/resident_form.html",
        form=form,
        resident=resident,
        oproep=oproep,
        **_buurtwerker_context(),
    )


def _fill_form(form: AanmeldingForm, resident: Resident, oproep: Oproep) -> None:
    form.first_name.data = resident.first_name
    form.last_name.data = resident.last_name
    form.street.data = resident.street
    form.house_number.data = resident.house_number
    form.postcode.data = f"{resident.postcode[:4]} {resident.postcode[4:]}"
    form.phone.data = format_phone(resident.phone)
    form.email.data = resident.email or ""
    form.birth_date.data = _dutch_date(date.fromisoformat(resident.birth_date))
    form.situation.data = resident.situation
    form.help_wished.data = [code for code in resident.help_wished.split(",") if code]
    form.help_other.data = resident.help_other or ""
    form.preferences.data = resident.preferences or ""
    form.lawful_basis_art6.data = resident.lawful_basis_art6.value
    form.lawful_basis_art9.data = resident.lawful_basis_art9.value
    if resident.consent_recorded_at is not None:
        form.consent_date.data = _dutch_date(resident.consent_recorded_at.date())
    if oproep.deadline is not None:
        form.deadline.data = _dutch_date(oproep.deadline)


@bp.route("/oproepen")
@roles_required(Role.COORDINATOR)
def oproepen() -> str | tuple[str, int]:
    """The coordinator's list: a page at a time (``pagina``), optionally one ``status``."""
    asked = read_list_request(request.args, OproepStatus)
    listing = oproepen_page(request_session(), asked.status, asked.page)
    return list_page(
        "intake/oproepen.html",
        "intake.oproepen",
        asked,
        listing,
        statuses=list(OproepStatus),
        **_context(),
    )


@bp.route("/oproepen/<uuid:oproep_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def review_oproep(oproep_id: uuid.UUID) -> str | Response:
    session = request_session()
    oproep = session.get(Oproep, oproep_id)
    if oproep is None:
        abort(404)
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    staff = current_staff()
    form = ReviewForm()
    if not form.is_submitted() and oproep.status == OproepStatus.DRAFT:
        form.text.data = oproep.proposed_text or ""
    # What the machine was unsure of, in the text as shown (submitted, or the proposal):
    # shown on the page and required to be confirmed before approval; computed once.
    shown = form.text.data if form.is_submitted() else oproep.proposed_text
    pieces = (
        review.marked_text(shown or "", _wijk_name(oproep.wijk_code))
        if oproep.status == OproepStatus.DRAFT and oproep.proposal_checked_at
        else []
    )
    blocking: list[review.ReviewFinding] = []
    error: str | None = None
    if form.validate_on_submit() and resident is not None:
        text = form.text.data
        blocking = review.blocking_findings(resident, text)
        if blocking:
            error = "De tekst bevat nog gegevens van de bewoner. Haal die eerst weg."
        elif oproep.proposal_checked_at is None or not review.same_text(text, oproep.proposed_text):
            submit_text(session, oproep, text)
            flash(
                "De tekst wordt nagekeken op herkenbare gegevens. Dat duurt meestal minder "
                "dan een minuut. Laad deze pagina daarna opnieuw om goed te keuren.",
                "info",
            )
            return redirect(url_for("intake.review_oproep", oproep_id=oproep.id))
        elif (
            review.stored_warnings(oproep) or review.has_marks(pieces)
        ) and not form.warnings_checked.data:
            # on the checkbox itself, so the error summary links to it
            form.warnings_checked.errors = [
                "Controleer de waarschuwingen en de gemarkeerde woorden, en vink aan dat de "
                "tekst in orde is."
            ]
        else:
            try:
                approve_oproep(session, current_settings(), oproep, text, staff.user_id)
            except ApprovalError as refused:
                error = refused.message
            else:
                flash("De oproep is goedgekeurd en klaar voor verzending.", "info")
                return redirect(url_for("intake.review_oproep", oproep_id=oproep.id))
    warnings = review.stored_warnings(oproep) if oproep.proposal_checked_at else []
    if resident is not None:
        record_view(session, staff.user_id, resident)
    return render_template(
        "intake/review.html",
        oproep=oproep,
        resident=resident,
        form=form,
        blocking=blocking,
        warnings=warnings,
        pieces=pieces,
        marked=review.has_marks(pieces),
        error=error,
        confirmed=confirmed_signups(session, oproep.id),
        **_context(),
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_mail_kind(
        MailKind(
            "buurtwerker_update", "Nieuws over een aanmelding (aan buurtwerker)", "buurtwerker"
        )
    )
    # The buurtwerker hears when the oproep of their resident moves on.
    for status in (
        OproepStatus.APPROVED,
        OproepStatus.OPEN,
        OproepStatus.CLOSED,
        OproepStatus.MATCHED,
    ):
        on_entering(status, "intake.tell_buurtwerker", on_oproep_moved)
