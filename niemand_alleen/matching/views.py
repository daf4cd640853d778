"""The coordinator's follow-up page: proposals with contact details, the four outcomes, the
ranking with its reasons, the map, closing early, reopening and the six-week check.

Viewing the page is an audited read: one ``view`` event per neighbour whose contact details
are shown (record type ``volunteer``), so an inzage request can list who saw their data, and
one for the resident whose wishes are shown (record type ``resident``).

Beside the candidates the page shows what the oproep asks: the help asked and the resident's
preferences (what the coordinator also sees when reviewing the oproep, without the name,
address, phone, birth date or situation), and flags candidates who speak a language the
preferences name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from markupsafe import Markup
from sqlmodel import Session
from werkzeug.wrappers import Response

from niemand_alleen.audit import RecordType, details, record_audit
from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.distribution import wijk_names
from niemand_alleen.geo import MapCircle, MapMarker
from niemand_alleen.intake import HELP_CHOICES
from niemand_alleen.lifecycle import OPROEP_STATUS_LABELS
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.matching.forms import CsrfForm, DecisionForm, FollowupForm, ReopenForm
from niemand_alleen.matching.languages import languages_in
from niemand_alleen.matching.matcher import Ranked, Ranking, format_distance
from niemand_alleen.matching.service import (
    ACTIVE_MATCH,
    DECLINE_LABELS,
    STATUS_LABELS,
    Action,
    EarlyFollowupReason,
    MatchingError,
    close_oproep,
    decide,
    finish_with_fewer,
    followup_due,
    matches_of,
    ranking_for,
    record_followup,
    reopen_oproep,
    settle_stale_withdrawals,
    volunteer_distance_label,
)
from niemand_alleen.models import (
    AuditAction,
    DeclineCode,
    Dispatch,
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    Resident,
    Role,
    Volunteer,
    VolunteerStatus,
    local_today,
    utcnow,
)
from niemand_alleen.web_helpers import current_settings, wijk_map

bp = Blueprint("matching", __name__, url_prefix="/oproepen/<uuid:oproep_id>/koppelen")
PAGE_RESERVE = 20


def _oproep(oproep_id: uuid.UUID) -> Oproep:
    oproep = request_session().get(Oproep, oproep_id)
    if oproep is None:
        abort(404)
    return oproep


@dataclass(frozen=True)
class Wishes:
    """What the oproep asks, as far as the coordinator needs it to phone the candidates."""

    help_asked: tuple[str, ...]  # labels of the help chosen at the aanmelding
    help_other: str | None
    preferences: str | None
    languages: tuple[str, ...]  # the languages the preferences name
    known: bool  # False once the resident's data is deleted


def _wishes(resident: Resident | None) -> Wishes:
    if resident is None:
        return Wishes((), None, None, (), known=False)
    codes = [code for code in resident.help_wished.split(",") if code]
    return Wishes(
        help_asked=tuple(HELP_CHOICES.get(code, code) for code in codes),
        help_other=resident.help_other,
        preferences=resident.preferences,
        languages=languages_in(resident.preferences),
        known=True,
    )


@dataclass(frozen=True)
class ProposalRow:
    match: Match
    volunteer: Volunteer | None
    organisation: str | None
    ranked: Ranked | None
    distance_label: str
    shared_languages: tuple[str, ...]  # languages of the preferences this neighbour speaks

    @property
    def withdrawn_at(self) -> datetime | None:
        """When the neighbour withdrew their sign-up; None while they have not. Also for a
        proposal left open by a withdrawal from before withdrawals settled proposals."""
        volunteer = self.volunteer
        gone = volunteer is not None and volunteer.status == VolunteerStatus.WITHDRAWN
        if self.match.status != MatchStatus.WITHDRAWN and not gone:
            return None
        if volunteer is not None and volunteer.withdrawn_at is not None:
            return volunteer.withdrawn_at
        return self.match.updated_at

    @property
    def active(self) -> bool:
        """Proposed, approached or confirmed: one of the neighbours for this resident."""
        return self.match.status in ACTIVE_MATCH and self.withdrawn_at is None


def _organisation_name(session: Session, volunteer: Volunteer | None) -> str | None:
    if volunteer is None or volunteer.dispatch_id is None:
        return None
    dispatch = session.get(Dispatch, volunteer.dispatch_id)
    organisation = session.get(Organisation, dispatch.organisation_id) if dispatch else None
    return organisation.name if organisation else None


def _distance_label(ranking: Ranking, ranked: Ranked | None, volunteer: Volunteer | None) -> str:
    """The ranking's distance; for those it left out (declined, unreachable) measured alike."""
    if ranked is not None:
        return ranked.distance_label
    measured = volunteer_distance_label(ranking.origin, volunteer) if volunteer else None
    return measured or "onbekend"


def _rows(session: Session, oproep: Oproep, ranking: Ranking, wishes: Wishes) -> list[ProposalRow]:
    by_id = {entry.neighbour.id: entry for entry in ranking.ranked}
    rows = []
    for match in sorted(matches_of(session, oproep.id), key=lambda m: (m.created_at, m.rank)):
        volunteer = session.get(Volunteer, match.volunteer_id) if match.volunteer_id else None
        ranked = by_id.get(match.volunteer_id) if match.volunteer_id else None
        spoken = languages_in(volunteer.languages) if volunteer else ()
        rows.append(
            ProposalRow(
                match=match,
                volunteer=volunteer,
                organisation=_organisation_name(session, volunteer),
                ranked=ranked,
                distance_label=_distance_label(ranking, ranked, volunteer),
                shared_languages=tuple(name for name in wishes.languages if name in spoken),
            )
        )
    return rows


def _map(session: Session, ranking: Ranking, rows: list[ProposalRow], oproep: Oproep) -> Markup:
    """Wijken, the resident's approximate spot and the candidates by rank number (no names)."""
    markers = []
    circle = None
    origin = ranking.origin
    if origin is not None:
        markers.append(
            MapMarker(
                lat=origin.lat, lon=origin.lon, label="Bewoner (bij benadering)", kind="resident"
            )
        )
        if ranking.rules.max_distance_m:
            circle = MapCircle(
                lat=origin.lat,
                lon=origin.lon,
                radius_m=ranking.rules.max_distance_m,
                label=format_distance(ranking.rules.max_distance_m),
            )
    active = {
        row.match.volunteer_id
        for row in rows
        if row.match.status in (MatchStatus.PROPOSED, MatchStatus.APPROACHED, MatchStatus.CONFIRMED)
    }
    for entry in ranking.ranked[:10]:
        lat, lon = entry.neighbour.lat, entry.neighbour.lon
        if lat is None or lon is None:
            continue
        kind = "proposal" if entry.neighbour.id in active else "candidate"
        markers.append(MapMarker(lat=lat, lon=lon, label=str(entry.position), kind=kind))
    return wijk_map(
        session,
        highlighted={oproep.wijk_code} if oproep.wijk_code else set(),
        markers=markers,
        circle=circle,
        title="Bewoner en kandidaten, genummerd naar afstand",
    )


def _page(
    oproep: Oproep,
    *,
    error: str | None = None,
    status: int = 200,
    reopen_form: ReopenForm | None = None,
) -> tuple[str, int]:
    session = request_session()
    settings = current_settings()
    if oproep.status in (OproepStatus.CLOSED, OproepStatus.MATCHED):
        settle_stale_withdrawals(session, settings, oproep.id)
    ranking = ranking_for(session, settings, oproep, reserve_size=PAGE_RESERVE)
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    wishes = _wishes(resident)
    rows = _rows(session, oproep, ranking, wishes)
    actor = current_staff().user_id
    if resident is not None:
        record_audit(
            session,
            actor_user_id=actor,
            action=AuditAction.VIEW,
            record_type=RecordType.RESIDENT,
            record_id=str(resident.id),
            detail=details.viewed_for_matching(),
        )
    for row in rows:
        if row.volunteer is not None:
            record_audit(
                session,
                actor_user_id=actor,
                action=AuditAction.VIEW,
                record_type=RecordType.VOLUNTEER,
                record_id=str(row.volunteer.id),
                detail=details.viewed_for_matching(),
            )
    proposed_ids = {row.match.volunteer_id for row in rows}
    html = render_template(
        "matching/oproep.html",
        oproep=oproep,
        rows=rows,
        wishes=wishes,
        speakers=[row for row in rows if row.active and row.shared_languages],
        ranking=ranking,
        proposed_ids=proposed_ids,
        status_labels=OPROEP_STATUS_LABELS,
        match_labels=STATUS_LABELS,
        decline_labels=DECLINE_LABELS,
        wijk_names=wijk_names(session),
        decision_form=DecisionForm(formdata=None),
        csrf_form=CsrfForm(),
        reopen_form=reopen_form or ReopenForm(formdata=None),
        followup_form=FollowupForm(formdata=None),
        followup_due=followup_due(settings, oproep),
        followup_early=(due := followup_due(settings, oproep)) is not None and utcnow() < due,
        error=error,
        map_svg=_map(session, ranking, rows, oproep)
        if oproep.status != OproepStatus.DRAFT
        else None,
        open_statuses=(MatchStatus.PROPOSED, MatchStatus.APPROACHED),
        confirmed=sum(
            1 for row in rows if row.active and row.match.status == MatchStatus.CONFIRMED
        ),
        left_after_match=_left_after_match(oproep, rows),
    )
    return html, status


def _left_after_match(oproep: Oproep, rows: list[ProposalRow]) -> list[ProposalRow]:
    """Good neighbours of a matched oproep who withdrew after the match: the coordinator
    must act, since the resident has fewer (or no) neighbours than the page was matched with."""
    if oproep.status != OproepStatus.MATCHED or oproep.matched_at is None:
        return []
    matched_at = oproep.matched_at
    return [
        row
        for row in rows
        if row.withdrawn_at is not None
        and (row.match.status != MatchStatus.WITHDRAWN or row.match.updated_at >= matched_at)
    ]


def _back(oproep_id: uuid.UUID) -> Response:
    return redirect(url_for("matching.oproep_matching", oproep_id=oproep_id))


def _refused(oproep_id: uuid.UUID, refused: MatchingError) -> tuple[str, int]:
    session = request_session()
    session.rollback()
    return _page(_oproep(oproep_id), error=refused.message, status=409)


@bp.route("", methods=["GET"])
@roles_required(Role.COORDINATOR)
def oproep_matching(oproep_id: uuid.UUID) -> tuple[str, int]:
    return _page(_oproep(oproep_id))


@bp.route("/sluiten", methods=["POST"])
@roles_required(Role.COORDINATOR)
def close(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    _oproep(oproep_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        result = close_oproep(
            request_session(), current_settings(), oproep_id, current_staff().user_id
        )
    except MatchingError as refused:
        return _refused(oproep_id, refused)
    if result.no_candidates:
        flash(
            "De oproep is gesloten, maar er is niemand om voor te stellen. Zie hieronder wat u "
            "kunt doen.",
            "warning",
        )
    else:
        flash(
            f"De oproep is gesloten. {len(result.proposed)} goede buren staan voorgesteld.", "info"
        )
    return _back(oproep_id)


@bp.route("/<uuid:match_id>", methods=["POST"])
@roles_required(Role.COORDINATOR)
def decide_view(oproep_id: uuid.UUID, match_id: uuid.UUID) -> tuple[str, int] | Response:
    _oproep(oproep_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(_oproep(oproep_id), error="Kies een geldige uitkomst.", status=422)
    action = Action(form.action.data)
    code = DeclineCode(form.decline_code.data) if form.decline_code.data else None
    try:
        decision = decide(
            request_session(),
            current_settings(),
            oproep_id,
            match_id,
            action,
            current_staff().user_id,
            decline_code=code,
            reason=form.reason.data,
            veto=bool(form.veto.data),
        )
    except MatchingError as refused:
        return _refused(oproep_id, refused)
    message = f"Opgeslagen: {STATUS_LABELS[decision.match.status].lower()}."
    if action in (Action.DECLINED, Action.UNREACHABLE):
        if decision.new_proposals:
            message += " De volgende kandidaat staat nu voorgesteld."
        else:
            message += " Er is geen volgende kandidaat meer."
    if decision.matched:
        message += (
            " Alle plaatsen zijn bevestigd: de oproep is gekoppeld. De goede buren, de andere "
            "aanmelders en de organisaties krijgen bericht."
        )
    flash(message, "info")
    return _back(oproep_id)


@bp.route("/afronden", methods=["POST"])
@roles_required(Role.COORDINATOR)
def finish(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    _oproep(oproep_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        finish_with_fewer(request_session(), current_settings(), oproep_id, current_staff().user_id)
    except MatchingError as refused:
        return _refused(oproep_id, refused)
    flash("De oproep is afgerond met de bevestigde goede buren.", "info")
    return _back(oproep_id)


@bp.route("/heropenen", methods=["POST"])
@roles_required(Role.COORDINATOR)
def reopen(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    oproep = _oproep(oproep_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        message = form.deadline.errors[0] if form.deadline.errors else None
        return _page(
            oproep,
            reopen_form=form,
            error=str(message or "Vul een geldige einddatum in."),
            status=422,
        )
    deadline: date = form.deadline.parsed
    try:
        reopen_oproep(
            request_session(),
            current_settings(),
            oproep_id,
            deadline,
            current_staff().user_id,
            local_today(),
        )
    except MatchingError as refused:
        return _refused(oproep_id, refused)
    flash("De oproep loopt weer. U kunt hem nu aan meer organisaties sturen.", "info")
    return _back(oproep_id)


@bp.route("/nacontrole", methods=["POST"])
@roles_required(Role.COORDINATOR)
def followup(oproep_id: uuid.UUID) -> tuple[str, int] | Response:
    _oproep(oproep_id)
    form = FollowupForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(_oproep(oproep_id), error="Kies of het netwerk nog actief is.", status=422)
    reason = form.early_reason.data
    try:
        record_followup(
            request_session(),
            current_settings(),
            oproep_id,
            FollowupOutcome(form.outcome.data),
            current_staff().user_id,
            early_reason=EarlyFollowupReason(reason) if reason else None,
        )
    except MatchingError as refused:
        return _refused(oproep_id, refused)
    flash("De nacontrole is opgeslagen.", "info")
    return _back(oproep_id)


MAIL_KINDS = (
    MailKind("match_proposals", "Voorstellen klaar (aan coördinator)", "coördinator"),
    MailKind("match_no_candidates", "Geen goede buren gevonden (aan coördinator)", "coördinator"),
    MailKind("match_confirmed", "Bevestigd als goede buur (aan goede buur)", "goede buur"),
    MailKind("match_thanks", "Bedankt voor de aanmelding (aan goede buur)", "goede buur"),
    MailKind("match_followup", "Nacontrole na zes weken (aan coördinator)", "coördinator"),
    MailKind(
        "match_withdrawn",
        "Bevestigde goede buur teruggetrokken (aan coördinator)",
        "coördinator",
    ),
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for kind in MAIL_KINDS:
        register_mail_kind(kind)
