"""The beheerder's organisation pages and the public unsubscribe links."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlmodel import select
from werkzeug.wrappers import Response

from niemand_alleen.audit import RecordType
from niemand_alleen.auth import current_staff, public, roles_required
from niemand_alleen.dates import long_date
from niemand_alleen.db import request_session
from niemand_alleen.forms import ConfirmForm
from niemand_alleen.geo import map_area, wijk_map_svg
from niemand_alleen.mail import MailKind, register_mail_kind
from niemand_alleen.models import Organisation, Role, Wijk, utcnow
from niemand_alleen.organisations import csv_io
from niemand_alleen.organisations.forms import ImportForm, OrganisationForm
from niemand_alleen.organisations.service import (
    STATE_LABELS,
    UNSUBSCRIBE_CONFIRM_DAYS,
    OrganisationInvalid,
    OrganisationState,
    confirm_unsubscribe,
    contact_emails_of,
    create_organisation,
    organisation_for_one_click_token,
    organisation_for_token,
    organisations_page,
    request_unsubscribe,
    resubscribe,
    set_organisation_active,
    unsubscribe,
    unsubscribe_request_for_token,
    update_organisation,
    wijk_choices,
    wijk_codes_of,
    wijk_names,
)
from niemand_alleen.pagination import read_list_request
from niemand_alleen.web_helpers import csv_download, current_settings, list_page

bp = Blueprint("organisations", __name__)
log = logging.getLogger(__name__)


def _organisation(organisation_id: uuid.UUID) -> Organisation:
    organisation = request_session().get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def _map(highlighted: set[str]) -> Markup | None:
    wijken = request_session().exec(select(Wijk)).all()
    if not wijken:
        return None
    areas = [map_area(wijk.code, wijk.name, wijk.geometry) for wijk in wijken]
    title = "Kaart van Dordrecht met de wijken van deze organisatie"
    svg = wijk_map_svg(areas, highlighted, width=480, title=title, id_prefix="wijkenkaart")
    # The SVG escapes every text itself (see geo/svgmap.py).
    return Markup(svg)  # noqa: S704


@bp.route("/beheer/organisaties")
@roles_required(Role.BEHEERDER)
def organisation_list() -> str | tuple[str, int]:
    """A page at a time (``pagina``), optionally one ``status``: actief, niet actief,
    afgemeld."""
    asked = read_list_request(request.args, OrganisationState)
    return list_page(
        "organisations/list.html",
        "organisations.organisation_list",
        asked,
        organisations_page(request_session(), asked.status, asked.page),
        states=list(OrganisationState),
        state_labels=STATE_LABELS,
        confirm=ConfirmForm(),
    )


def _form_page(form: OrganisationForm, organisation: Organisation | None) -> str:
    saved = wijk_codes_of(request_session(), organisation.id) if organisation else set()
    return render_template(
        "organisations/form.html",
        form=form,
        organisation=organisation,
        wijk_map=_map(saved),
        saved_wijken=sorted(wijk_names(request_session()).get(code, code) for code in saved),
        confirm=ConfirmForm(),
    )


def _add_errors(form: OrganisationForm, invalid: OrganisationInvalid) -> None:
    for field_name, messages in invalid.errors.items():
        getattr(form, field_name).errors = [*getattr(form, field_name).errors, *messages]


def _saved(
    form: OrganisationForm, save: Callable[[], Organisation], message: str
) -> Response | None:
    """Save; then say so and go to the organisation's page, or None: the form shows why not."""
    try:
        organisation = save()
    except OrganisationInvalid as invalid:
        _add_errors(form, invalid)
        return None
    flash(message, "info")
    return redirect(url_for("organisations.edit_organisation", organisation_id=organisation.id))


@bp.route("/beheer/organisaties/nieuw", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER)
def new_organisation() -> str | Response | tuple[str, int]:
    session = request_session()
    form = OrganisationForm()
    form.set_wijk_choices(wijk_choices(session))
    if form.validate_on_submit():
        saved = _saved(
            form,
            lambda: create_organisation(
                session, form.to_input(), actor_user_id=current_staff().user_id
            ),
            "De organisatie is opgeslagen.",
        )
        if saved is not None:
            return saved
    return _form_page(form, None)


@bp.route("/beheer/organisaties/<uuid:organisation_id>/wijzigen", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER)
def edit_organisation(organisation_id: uuid.UUID) -> str | Response:
    session = request_session()
    organisation = _organisation(organisation_id)
    form = OrganisationForm()
    form.set_wijk_choices(wijk_choices(session))
    if not form.is_submitted():
        form.name.data = organisation.name
        form.contact_emails.data = "\n".join(contact_emails_of(organisation))
        form.wijken.data = sorted(wijk_codes_of(session, organisation.id))
        form.note.data = organisation.note or ""
    if form.validate_on_submit():
        saved = _saved(
            form,
            lambda: update_organisation(
                session, organisation, form.to_input(), actor_user_id=current_staff().user_id
            ),
            "De wijzigingen zijn opgeslagen.",
        )
        if saved is not None:
            return saved
    return _form_page(form, organisation)


@bp.route(
    "/beheer/organisaties/<uuid:organisation_id>/"
    "<any(activeren, deactiveren, 'weer-aanmelden'):change>",
    methods=["POST"],
)
@roles_required(Role.BEHEERDER)
def change_organisation(organisation_id: uuid.UUID, change: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = request_session()
    organisation = _organisation(organisation_id)
    actor = current_staff().user_id
    if change == "weer-aanmelden":
        if resubscribe(session, organisation, actor_user_id=actor):
            flash(f"{organisation.name} krijgt weer oproepen.", "info")
        else:
            flash(f"{organisation.name} was niet afgemeld.", "info")
    else:
        active = change == "activeren"
        set_organisation_active(session, organisation, active, actor_user_id=actor)
        flash(f"{organisation.name} staat nu op {'actief' if active else 'niet actief'}.", "info")
    target = request.form.get("terug")
    if target == "wijzigen":
        return redirect(url_for("organisations.edit_organisation", organisation_id=organisation.id))
    return redirect(url_for("organisations.organisation_list"))


@bp.route("/beheer/organisaties/export.csv")
@roles_required(Role.BEHEERDER)
def export_organisations() -> Response:
    session = request_session()
    body = csv_io.export_csv(session)
    return csv_download(session, body, name="organisaties", record_type=RecordType.ORGANISATION)


@bp.route("/beheer/organisaties/importeren", methods=["GET", "POST"])
@roles_required(Role.BEHEERDER)
def import_organisations() -> str | Response | tuple[str, int]:
    session = request_session()
    form = ImportForm()
    file_error: str | None = None
    result: csv_io.ImportResult | None = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(csv_io.MAX_IMPORT_BYTES + 1)
        wijken = {code: name for code, name in session.exec(select(Wijk.code, Wijk.name)).all()}
        try:
            result = csv_io.import_csv(session, data, wijken, actor_user_id=current_staff().user_id)
        except csv_io.ImportFileError as error:
            file_error = error.message
        else:
            if result.ok:
                flash(
                    f"Import klaar: {result.created} nieuwe en {result.updated} bijgewerkte"
                    " organisaties.",
                    "info",
                )
                return redirect(url_for("organisations.organisation_list"))
    page = render_template(
        "organisations/import.html",
        form=form,
        file_error=file_error,
        result=result,
        columns=csv_io.COLUMNS,
        max_rows=csv_io.MAX_IMPORT_ROWS,
    )
    # 400 for a refused file: nothing is imported (and the request rolls back anyway).
    if file_error or (result is not None and not result.ok):
        return page, 400
    return page


# --- public: the unsubscribe links of the organisation mails ------------------------------
#
# An oproep mail is forwarded to people the organisation trusts, and forwarding copies the
# body but drops the headers. So the body's link can only ask for a confirmation link,
# which goes to the organisation's own addresses; the RFC 8058 header link unsubscribes
# at once. See distribution/links.py.


def _secret_key() -> str:
    value: str = current_app.config["SECRET_KEY"]
    return value


def _invalid_link(kind: str) -> tuple[str, int]:
    # One page per kind of link for a bad, tampered, unknown, expired or used token: it
    # reveals nothing about organisations.
    log.info("unsubscribe %s link refused", kind)
    return render_template(
        "organisations/unsubscribe_invalid.html", kind=kind, confirm_days=UNSUBSCRIBE_CONFIRM_DAYS
    ), 404


@bp.route("/afmelden/organisatie/<token>", methods=["GET", "POST"])
@public
def unsubscribe_link(token: str) -> str | tuple[str, int]:
    """The link in a mail's body, which may have been forwarded: it never unsubscribes.

    The button (POST, with CSRF token) mails a confirmation link to the organisation's own
    addresses. Both pages are the same whatever the organisation's state, and whether a
    mail went out or not (already unsubscribed, mailed a moment ago).
    """
    session = request_session()
    organisation = organisation_for_token(session, _secret_key(), token)
    if organisation is None:
        return _invalid_link("afmelden")
    form = ConfirmForm()
    if form.validate_on_submit():
        request_unsubscribe(session, current_settings(), organisation, now=utcnow())
        return render_template("organisations/unsubscribe_requested.html")
    return render_template("organisations/unsubscribe.html", form=form)


@bp.route("/afmelden/organisatie/een-klik/<token>", methods=["GET", "POST"])
@public
def unsubscribe_one_click(token: str) -> str | tuple[str, int]:
    """The ``List-Unsubscribe`` header's link: a POST unsubscribes at once.

    Mail clients send that POST (RFC 8058, ``List-Unsubscribe=One-Click``) without cookies or
    CSRF token: the signed token is the capability, and this route is exempt from CSRF (see
    ``init_app``). Its token is never in a body, so a forwarded mail does not carry it. A GET
    shows a button and changes nothing (mail scanners follow links).
    """
    session = request_session()
    organisation = organisation_for_one_click_token(session, _secret_key(), token)
    if organisation is None:
        return _invalid_link("een-klik")
    if request.method == "POST":
        unsubscribe(session, organisation, how="een-klik-link")
        return render_template(
            "organisations/unsubscribe_done.html",
            organisation=organisation,
            since=long_date(organisation.unsubscribed_at),
        )
    return render_template(
        "organisations/unsubscribe_one_click.html",
        organisation=organisation,
        since=long_date(organisation.unsubscribed_at),
    )


@bp.route("/afmelden/organisatie/bevestigen/<token>", methods=["GET", "POST"])
@public
def unsubscribe_confirm(token: str) -> str | tuple[str, int]:
    """The link mailed to the organisation's own addresses: works once, for a few days.

    A GET shows a button and changes nothing (mail scanners follow links); the POST, with
    CSRF token, unsubscribes.
    """
    session = request_session()
    now = utcnow()
    pending = unsubscribe_request_for_token(session, _secret_key(), token, now=now)
    if pending is None:
        return _invalid_link("bevestigen")
    form = ConfirmForm()
    if form.validate_on_submit():
        confirm_unsubscribe(session, pending, now=now)
        return render_template(
            "organisations/unsubscribe_done.html",
            organisation=pending.organisation,
            since=long_date(pending.organisation.unsubscribed_at),
        )
    return render_template(
        "organisations/unsubscribe_confirm.html",
        form=form,
        organisation=pending.organisation,
        since=long_date(pending.organisation.unsubscribed_at),
    )


def init_app(app: Flask) -> None:
    from niemand_alleen import csrf

    csrf.exempt(unsubscribe_one_click)
    app.register_blueprint(bp)
    register_mail_kind(
        MailKind("unsubscribe_confirm", "Afmelding bevestigen (aan organisatie)", "organisatie")
    )
